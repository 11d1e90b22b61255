"""How far each layer's weights moved between two checkpoints of one architecture."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from deepling.errors import DeeplingError
from deepling.models.model import Model


@dataclass(frozen=True)
class LayerChange:
    """One graph node with parameters: ``relative`` = ‖θ_B − θ_A‖ / ‖θ_A‖ over its own
    module's parameters (weights and biases together), ``absolute`` = ‖θ_B − θ_A‖."""

    node: str
    module_path: str
    params: int
    relative: float
    absolute: float


def weight_change(model_a: Model, model_b: Model) -> list[LayerChange]:
    """Per graph node with parameters, in graph order, the change from ``model_a`` to
    ``model_b`` (the same architecture: the same parameter names and shapes)."""
    own_a = dict(model_a.module.named_parameters())
    own_b = dict(model_b.module.named_parameters())
    if own_a.keys() != own_b.keys() or any(own_a[k].shape != own_b[k].shape for k in own_a):
        differ = sorted(set(own_a) ^ set(own_b)) or [
            k for k in own_a if own_a[k].shape != own_b[k].shape
        ]
        raise DeeplingError(
            "The two models are not checkpoints of one architecture "
            f"(parameters that differ: {', '.join(differ[:6])}).",
            "Weight change compares checkpoints of the same model.",
        )
    changes: list[LayerChange] = []
    seen: set[str] = set()
    for node in model_a.graph().nodes:
        path = node.module_path
        if not node.params or path in seen:
            continue  # a module called twice is counted at its first call
        seen.add(path)
        prefix = f"{path}." if path else ""
        names = [k for k in own_a if k.startswith(prefix) and "." not in k[len(prefix) :]]
        if not names:
            continue
        with torch.no_grad():
            before = torch.cat([own_a[k].detach().float().flatten().cpu() for k in names])
            after = torch.cat([own_b[k].detach().float().flatten().cpu() for k in names])
            moved = float((after - before).norm())
            size = float(before.norm())
        changes.append(
            LayerChange(node.name, path, int(before.numel()), moved / size if size else 0.0, moved)
        )
    return changes

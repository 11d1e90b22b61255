"""The model-randomisation check (Adebayo et al., 2018): does a map depend on the weights?

A map that explains the model must change when the model's weights are replaced by random
ones. The check re-initialises the parameterised layers one at a time from the logits down
(``cascading``: each step keeps the layers randomised before it; ``independent``: each step
randomises that layer alone) and compares each randomised model's map with the original one.
A faithful method's similarity falls towards 0 as the randomisation reaches the input layers;
the edge-detector control stays at 1, whatever the weights.

The weights are randomised on a deep copy of the model, so the user's module (and any other
thread running it, as the server's jobs do) never sees them. Where a copy does not fit in
memory the check randomises the module in place and puts back a snapshot of every parameter
and buffer in ``finally``: bit-identical, tested.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import Tensor, nn

from deepling.analysis.attribution import METHODS, Settings, check_target
from deepling.analysis.attribution_layers import default_cam_node
from deepling.analysis.trust_methods import check_explainer, explain
from deepling.analysis.trust_similarity import rank_correlation, ssim
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.progress import Progress, no_progress

Order = Literal["cascading", "independent"]
COPY_MEMORY_SHARE = 0.5  # copy the model if its tensors take at most this share of free memory


@dataclass(frozen=True)
class RandomizationCheck:
    """``layers[i]`` is the module path randomised at step ``i`` (logits first); ``maps[0]``
    is the original map and ``maps[i + 1]`` the map after step ``i``; ``spearman[i]`` and
    ``ssim[i]`` compare ``maps[i + 1]`` with ``maps[0]``. ``passed``: the similarity at the
    last step (every layer randomised, for ``cascading``) fell below ``threshold``, for an
    original map that is not constant."""

    method: str
    target: int
    node: str | None
    order: Order
    layers: list[str]
    maps: list[Tensor] = field(repr=False)
    spearman: list[float]
    ssim: list[float]
    threshold: float
    on_copy: bool

    @property
    def final_similarity(self) -> float:
        """Rank correlation after the last step: for ``cascading``, the fully random model."""
        return self.spearman[-1] if self.spearman else 1.0

    @property
    def defined(self) -> bool:
        """False where the original map is constant (all zeros, say): nothing to compare."""
        return bool(self.maps[0].max() > self.maps[0].min())

    @property
    def passed(self) -> bool:
        return self.defined and abs(self.final_similarity) < self.threshold


def randomizable_layers(model: Model) -> list[str]:
    """Module paths with parameters of their own, in the order the forward pass runs them."""
    seen: dict[str, None] = {}
    for node in model.graph().nodes:
        path = node.module_path
        if not path or path in seen:
            continue
        module = model.plain_module.get_submodule(path)
        if any(True for _ in module.parameters(recurse=False)):
            seen[path] = None
    return list(seen)


def randomization_check(
    model: Model,
    image: Tensor,
    method: str,
    *,
    target: int | None = None,
    node: str | None = None,
    order: Order = "cascading",
    layers: list[str] | None = None,
    threshold: float = 0.5,
    seed: int = 0,
    settings: Settings | None = None,
    on_copy: bool | None = None,
    progress: Progress = no_progress,
) -> RandomizationCheck:
    """Randomise ``layers`` (default: every parameterised layer, logits first) and compare
    ``method``'s map of ``target`` (default: the predicted class) on ``image`` (C, H, W)
    after each step with the original map. ``on_copy`` None: on a deep copy where memory
    allows. The model comes back exactly as it was, weights bit-identical."""
    method = check_explainer(method)
    if order not in ("cascading", "independent"):
        raise DeeplingError(f"order must be 'cascading' or 'independent', got {order!r}.")
    all_layers = randomizable_layers(model)
    if layers is None:
        steps = all_layers[::-1]
    else:
        unknown = [name for name in layers if name not in all_layers]
        if unknown:
            raise DeeplingError(
                f"{unknown[0]!r} is not a layer with parameters of its own.",
                f"Use one of: {', '.join(all_layers)}.",
            )
        steps = list(layers)
    if not steps:
        raise DeeplingError("The model has no layers with parameters to randomise.")
    x = model.check_images(image[None])[0]
    if target is None:
        target = int(model.logits(x[None]).argmax(dim=1).item())
    target = check_target(model, target)
    if node is None and method in METHODS and METHODS[method].takes_node:
        node = default_cam_node(model.graph())
    use_copy = _copy_fits(model) if on_copy is None else on_copy

    def map_of(m: Model) -> Tensor:
        return explain(m, x, method, target, node=node, settings=settings)

    total = len(steps) + 1
    progress(0, total)
    original = map_of(model)
    maps, spearman, similarity = [original], [], []
    progress(1, total)
    with _randomizable(model, use_copy) as (randomized, module):
        # Only "independent" goes back to the original weights between steps.
        pristine = (
            {k: v.clone() for k, v in module.state_dict().items()} if order == "independent" else {}
        )
        for i, path in enumerate(steps):
            if order == "independent" and i:
                module.load_state_dict(pristine)
            _reinitialise(module.get_submodule(path), seed + i, _devices(model))
            maps.append(map_of(randomized))
            spearman.append(rank_correlation(original, maps[-1]))
            similarity.append(ssim(original, maps[-1]))
            progress(i + 2, total)
    return RandomizationCheck(
        method, target, node, order, steps, maps, spearman, similarity, threshold, use_copy
    )


def _copy_fits(model: Model) -> bool:
    module = model.plain_module
    size = sum(t.numel() * t.element_size() for t in (*module.parameters(), *module.buffers()))
    if model.device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(model.device)
        free += torch.cuda.memory_reserved(model.device) - torch.cuda.memory_allocated(model.device)
    else:
        free = _available_memory()
    return size <= COPY_MEMORY_SHARE * free


def _available_memory() -> int:
    """Memory the system can give without swapping, in bytes: MemAvailable (page cache
    counts, unlike MemFree), else free pages; unbounded where the platform cannot say."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


@contextmanager
def _randomizable(model: Model, on_copy: bool) -> Iterator[tuple[Model, nn.Module]]:
    """A model whose weights may be overwritten, and its module: a deep copy, or the model
    itself with every tensor put back on exit."""
    if on_copy:
        module = copy.deepcopy(model.plain_module)
        with torch.random.fork_rng(devices=_devices(model)):  # tracing draws an example
            twin = model.with_module(module)
            if model.ablations:
                twin = twin.with_ablations(model.ablations)
            twin.graph()
        yield twin, module
        return
    module = model.plain_module
    # Every tensor, shared and non-persistent ones included (state_dict leaves those out).
    tensors = [
        *(p for _, p in module.named_parameters(remove_duplicate=False)),
        *(b for _, b in module.named_buffers(remove_duplicate=False)),
    ]
    snapshot = [t.detach().clone() for t in tensors]
    try:
        yield model, module
    finally:
        with torch.no_grad():
            for tensor, saved in zip(tensors, snapshot, strict=True):
                tensor.copy_(saved)


def _devices(model: Model) -> list[int]:
    """The CUDA devices whose RNG a seeded step must leave as found."""
    return [model.device.index or 0] if model.device.type == "cuda" else []


def _reinitialise(layer: nn.Module, seed: int, devices: list[int]) -> None:
    """The layer's own initialisation (``reset_parameters``), seeded; parameters of a layer
    without one are redrawn from a normal distribution with their own mean and spread."""
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        torch.manual_seed(seed)
        reset = getattr(layer, "reset_parameters", None)
        if callable(reset):
            reset()
            return
        for p in layer.parameters(recurse=False):
            spread = float(p.std()) if p.numel() > 1 else 1.0
            p.copy_(torch.randn_like(p) * (spread or 1.0) + p.mean())

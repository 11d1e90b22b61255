"""What a model replica computes per batch in a pass on Ray, by name (a name, not a function,
travels to the workers): each returns arrays with one row per image, which the driver writes
into the same result arrays as the local pass."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from torch import Tensor

from deepling.models.model import Model

# (the replica's model, a batch of pixels, their labels, the pass's options) -> rows
Outputs = Callable[[Model, Tensor, np.ndarray, dict[str, Any]], dict[str, np.ndarray]]


def evaluation_outputs(
    model: Model, x: Tensor, labels: np.ndarray, options: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Probabilities ``(B, K)`` and loss ``(B,)`` (NaN where unlabelled), exactly as the local
    evaluation computes them (``evaluate_batch``)."""
    from deepling.analysis.evaluation import evaluate_batch

    b, k = len(x), len(model.classes)
    probabilities = np.full((b, k), np.nan, dtype=np.float32)
    loss = np.full(b, np.nan, dtype=np.float32)
    evaluate_batch(model, np.arange(b), x, labels, probabilities, loss)
    return {"probabilities": probabilities, "loss": loss}


def reduced_outputs(
    model: Model, x: Tensor, labels: np.ndarray, options: dict[str, Any]
) -> dict[str, np.ndarray]:
    """``options["reducers"][node](activation)`` of each node, as ``Model.reduce_stream`` gives
    them (the layer projection's distances to its pivots, say)."""
    reducers = {name: r.to(model.device) for name, r in options["reducers"].items()}
    batches = iter([(np.arange(len(x)), x)])
    ((_, found),) = list(model.reduce_stream(batches, reducers))
    # Prefixed: a node may be called "index" or "error", as the pass's own columns are.
    return {f"node:{name}": values.numpy() for name, values in found.items()}


OUTPUTS: dict[str, Outputs] = {
    "evaluation": evaluation_outputs,
    "reduced": reduced_outputs,
}

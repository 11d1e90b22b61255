"""What a model replica computes per batch in a pass on Ray, by name (a name, not a function,
travels to the workers): each returns arrays with one row per image, which the driver writes
into the same result arrays as the local pass."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from torch import Tensor

from deepling.models.model import Model

Outputs = Callable[[Model, Tensor, np.ndarray], dict[str, np.ndarray]]


def evaluation_outputs(model: Model, x: Tensor, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Probabilities ``(B, K)`` and loss ``(B,)`` (NaN where unlabelled), exactly as the local
    evaluation computes them (``evaluate_batch``)."""
    from deepling.analysis.evaluation import evaluate_batch

    b, k = len(x), len(model.classes)
    probabilities = np.full((b, k), np.nan, dtype=np.float32)
    loss = np.full(b, np.nan, dtype=np.float32)
    evaluate_batch(model, np.arange(b), x, labels, probabilities, loss)
    return {"probabilities": probabilities, "loss": loss}


OUTPUTS: dict[str, Outputs] = {"evaluation": evaluation_outputs}

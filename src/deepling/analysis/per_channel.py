"""Per-channel summaries of a node's activations, computed inside the graph during a pass."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor, nn

from deepling.data.base import Dataset
from deepling.engine.choice import Engine, RaySettings
from deepling.engine.passes import reduced_batches
from deepling.models.model import Model
from deepling.progress import Progress


class MeanMax(nn.Module):
    """Activations ``(B, C, ...)`` (or ``(B,)``) to ``(B, 2, C)``: each channel's mean and max
    over its positions (a vector node's units are its channels; a scalar node has one)."""

    def forward(self, acts: Tensor) -> Tensor:
        flat = (
            acts.reshape(acts.shape[0], 1, 1)
            if acts.dim() == 1
            else acts.reshape(acts.shape[0], acts.shape[1], -1)
        )
        return torch.stack([flat.float().mean(dim=2), flat.amax(dim=2).float()], dim=1)


def mean_max_pass(
    model: Model,
    data: Dataset | Tensor,
    node: str,
    *,
    batch_size: int | None,
    workers: int | None,
    progress: Progress,
    engine: Engine = "local",
    ray: RaySettings | None = None,
) -> Iterator[tuple[np.ndarray, Tensor]]:
    """One streamed pass over ``data`` (a Dataset, or images ``(N, C, H, W)`` in [0, 1]):
    per batch, the positions of its images and ``MeanMax`` of ``node``, ``(B, 2, C)``;
    ``progress`` counts the images. On Ray (a Dataset only) the batches come in any order."""

    stream = reduced_batches(
        model,
        data,
        {node: MeanMax()},
        batch_size=batch_size,
        workers=workers,
        progress=progress,
        engine=engine,
        ray=ray,
    )
    for positions, found in stream:
        yield positions, found[node]

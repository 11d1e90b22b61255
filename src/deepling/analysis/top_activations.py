"""The dataset images that most excite a channel, and where in each image it fires.

One batched pass computes, inside the graph, every channel's spatial mean and max for every
image (``Model.reduce``: no activation is kept), so the table serves all channels of the node;
it is cached on disk, after which ranking any channel is instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepling.analysis.keys import model_data_key
from deepling.cache import ArrayCache
from deepling.data.base import Dataset
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.progress import Progress, no_progress

Reduce = Literal["mean", "max"]
CHUNK = 2048  # dataset images fitted to the input at once


class _MeanMax(nn.Module):
    """Activations ``(B, C, ...)`` (or ``(B,)``) to ``(B, 2, C)``: each channel's mean and max
    over its positions."""

    def forward(self, acts: Tensor) -> Tensor:
        flat = (
            acts.reshape(acts.shape[0], 1, 1)
            if acts.dim() == 1
            else acts.reshape(acts.shape[0], acts.shape[1], -1)
        )
        return torch.stack([flat.mean(dim=2), flat.amax(dim=2)], dim=1).float()


@dataclass(frozen=True)
class ActivationTable:
    """Per image and channel of ``node``: ``mean`` and ``max`` over positions, each ``(N, C)``."""

    node: str
    mean: np.ndarray
    max: np.ndarray

    def scores(self, reduce: Reduce) -> np.ndarray:
        if reduce not in ("mean", "max"):
            raise DeeplingError(f"reduce must be 'mean' or 'max', got {reduce!r}.")
        return self.mean if reduce == "mean" else self.max

    def top(self, channel: int, k: int, reduce: Reduce = "mean") -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` images with the highest score on ``channel``, best first: (indices, scores).
        Ties keep dataset order (a stable sort)."""
        scores = self.scores(reduce)
        if not 0 <= channel < scores.shape[1]:
            count = scores.shape[1]
            raise DeeplingError(
                f"channel {channel} is out of range: {self.node!r} has {count} "
                f"channels (0 to {count - 1})."
            )
        if k < 1:
            raise DeeplingError(f"k must be at least 1, got {k}.")
        column = scores[:, channel]
        order = np.argsort(-column, kind="stable")[:k]
        return order, column[order]


def activation_table(
    model: Model,
    data: Dataset | Tensor,
    node: str,
    *,
    batch_size: int = 256,
    cache: ArrayCache | None = None,
    progress: Progress = no_progress,
) -> ActivationTable:
    """Every channel's mean and max of ``node`` over each image of ``data`` (a Dataset, or
    images ``(N, C, H, W)`` in [0, 1]) in one pass; cached when ``data`` is a Dataset."""
    node = model.graph()[node].name
    key = (
        model_data_key("activation-table", model, data, node)
        if (cache is not None and isinstance(data, Dataset))
        else None
    )
    if cache is not None and key is not None and (stored := cache.load("activation-table", key)):
        return ActivationTable(node, stored["mean"], stored["max"])
    n = len(data)
    parts: list[Tensor] = []
    progress(0, n)
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        x = (
            data.batch(range(start, stop), model.input_shape)
            if isinstance(data, Dataset)
            else (data[start:stop])
        )

        report = _offset(progress, start, n)
        found = model.reduce(x, {node: _MeanMax()}, batch_size=batch_size, progress=report)
        parts.append(found[node])
    both = torch.cat(parts).numpy() if parts else np.zeros((0, 2, 0), dtype=np.float32)
    mean, high = np.ascontiguousarray(both[:, 0]), np.ascontiguousarray(both[:, 1])
    table = ActivationTable(node, mean, high)
    if cache is not None and key is not None:
        cache.save("activation-table", key, {"mean": table.mean, "max": table.max})
    return table


def _offset(progress: Progress, start: int, whole: int) -> Progress:
    def report(done: int, total: int) -> None:
        progress(start + done, whole)

    return report


def cached_activation_table(
    model: Model, dataset: Dataset, node: str, cache: ArrayCache
) -> ActivationTable | None:
    """The table if a pass computed it already (in this or an earlier run), else None."""
    node = model.graph()[node].name
    stored = cache.load(
        "activation-table", model_data_key("activation-table", model, dataset, node)
    )
    return None if stored is None else ActivationTable(node, stored["mean"], stored["max"])


def top_activations(
    model: Model,
    data: Dataset | Tensor,
    node: str,
    channel: int,
    k: int = 9,
    reduce: Reduce = "mean",
    *,
    cache: ArrayCache | None = None,
    progress: Progress = no_progress,
) -> Tensor:
    """Indices ``(k,)`` (int64) of the ``k`` images of ``data`` on which ``channel`` of ``node``
    is highest, best first, ranked by its spatial ``mean`` (or ``max``). The pass behind it
    serves every channel of the node and is cached (``cache``), so other channels are instant."""
    table = activation_table(model, data, node, cache=cache, progress=progress)
    indices, _ = table.top(channel, k, reduce)
    return torch.from_numpy(indices.astype(np.int64))


def channel_regions(model: Model, images: Tensor, node: str, channel: int) -> Tensor:
    """Where ``channel`` of ``node`` fires in each image: its activation map upsampled
    (bilinear) to the image size, ``(K, H, W)``, in activation units. A node without a spatial
    map (a vector) fires uniformly over the image."""
    images = model.check_images(images)
    acts = model.activations(images, [node])[node]
    count = acts.shape[1] if acts.dim() > 1 else 1
    if not 0 <= channel < count:
        raise DeeplingError(f"channel {channel} is out of range: {node!r} has {count} channels.")
    height, width = model.input_shape[1:]
    if acts.dim() == 4:
        maps = acts[:, channel : channel + 1]
        return F.interpolate(maps, size=(height, width), mode="bilinear", align_corners=False)[:, 0]
    values = acts.reshape(acts.shape[0], count, -1)[:, channel].mean(dim=1)
    return values[:, None, None].expand(-1, height, width).clone()

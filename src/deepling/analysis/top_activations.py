"""The dataset images that most excite a channel, and where in each image it fires.

One streamed pass computes, inside the graph, every channel's spatial mean and max for every
image (``Model.reduce_stream``: no activation is kept) and keeps each channel's leaders, so the
table serves all channels of the node; it is cached on disk, after which ranking any channel is
instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from deepling.analysis.keys import model_data_key
from deepling.analysis.per_channel import mean_max_pass
from deepling.cache import ArrayCache
from deepling.data.base import Dataset
from deepling.engine.choice import Engine, RaySettings
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.progress import Progress, no_progress

Reduce = Literal["mean", "max"]
REDUCES: tuple[Reduce, ...] = ("mean", "max")
# Images kept per channel and ranking: the most any view asks for. Keeping the leaders rather
# than every image's scores bounds the table whatever the dataset's size (an ImageNet node of
# 2,048 channels would otherwise need 1.28 M x 2,048 x 2 floats: 21 GB).
MAX_TOP = 100
# Part of the cache key: bumped when an entry's content changes (2: leaders, not all scores).
VERSION = 2


@dataclass(frozen=True)
class ActivationTable:
    """Per channel of ``node``, the ``MAX_TOP`` images scoring highest by each ranking (their
    channel's spatial ``mean`` or ``max``): ``indices[reduce]`` int64 ``(C, MAX_TOP)`` (fewer
    columns on a smaller dataset), best first, ties in dataset order, and ``values[reduce]``
    float32 ``(C, MAX_TOP, 2)``, those images' mean and max; ``images``: how many images were
    ranked (those that could be read)."""

    node: str
    indices: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    images: int

    def top(self, channel: int, k: int, reduce: Reduce = "mean") -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` images with the highest score on ``channel``, best first: (indices, scores).
        Ties keep dataset order."""
        indices, values = self.leaders(channel, k, reduce)
        return indices, values[:, REDUCES.index(reduce)]

    def leaders(
        self, channel: int, k: int, reduce: Reduce = "mean"
    ) -> tuple[np.ndarray, np.ndarray]:
        """``top``'s images with both their scores: (indices (k,), values (k, 2): mean, max)."""
        if reduce not in REDUCES:
            raise DeeplingError(f"reduce must be 'mean' or 'max', got {reduce!r}.")
        count = self.indices[reduce].shape[0]
        if not 0 <= channel < count:
            raise DeeplingError(
                f"channel {channel} is out of range: {self.node!r} has {count} "
                f"channels (0 to {count - 1})."
            )
        if not 1 <= k <= MAX_TOP:
            raise DeeplingError(f"k must be between 1 and {MAX_TOP}, got {k}.")
        return self.indices[reduce][channel, :k], self.values[reduce][channel, :k]

    def arrays(self) -> dict[str, np.ndarray]:
        indices = {f"indices_{r}": self.indices[r] for r in REDUCES}
        values = {f"values_{r}": self.values[r] for r in REDUCES}
        return {**indices, **values, "images": np.array(self.images)}

    @classmethod
    def from_arrays(cls, node: str, arrays: dict[str, np.ndarray]) -> ActivationTable:
        return cls(
            node,
            {r: arrays[f"indices_{r}"] for r in REDUCES},
            {r: arrays[f"values_{r}"] for r in REDUCES},
            int(arrays["images"]),
        )


class _Leaders:
    """The running top ``MAX_TOP`` images of each channel by one ranking, over a stream.

    Each batch joins the leaders so far and the best are kept, ties in dataset order (by
    index, so that batches may come in any order, as from Ray)."""

    def __init__(self, column: int, channels: int) -> None:
        self.column = column  # which of (mean, max) ranks
        self.indices = np.zeros((channels, 0), dtype=np.int64)
        self.values = np.zeros((channels, 0, 2), dtype=np.float32)

    def add(self, indices: np.ndarray, values: np.ndarray) -> None:
        """``values`` (B, 2, C) (mean, max) of images ``indices`` (B,)."""
        batch = np.ascontiguousarray(values.transpose(2, 0, 1))  # (C, B, 2)
        joined = np.concatenate([self.values, batch], axis=1)
        joined_indices = np.concatenate(
            [self.indices, np.broadcast_to(indices, batch.shape[:2])], axis=1
        )
        scores = np.nan_to_num(joined[:, :, self.column], nan=-np.inf)  # NaN ranks last
        order = np.lexsort((joined_indices, -scores), axis=1)[:, :MAX_TOP]
        self.indices = np.take_along_axis(joined_indices, order, axis=1)
        self.values = np.take_along_axis(joined, order[:, :, None], axis=1)


def activation_table_key(model: Model, dataset: Dataset, node: str) -> str:
    """The cache key of ``node``'s table over ``dataset`` (``node`` by its graph name)."""
    return model_data_key("activation-table", model, dataset, node, VERSION)


def activation_table(
    model: Model,
    data: Dataset | Tensor,
    node: str,
    *,
    batch_size: int | None = None,
    workers: int | None = None,
    cache: ArrayCache | None = None,
    progress: Progress = no_progress,
    engine: Engine = "local",
    ray: RaySettings | None = None,
) -> ActivationTable:
    """The leading images of every channel of ``node`` over ``data`` (a Dataset, streamed, or
    images ``(N, C, H, W)`` in [0, 1]) in one pass, each channel's spatial mean and max taken
    inside the graph; cached when ``data`` is a Dataset. ``engine="ray"``: the pass on Ray."""
    node = model.graph()[node].name
    key = (
        activation_table_key(model, data, node)
        if (cache is not None and isinstance(data, Dataset))
        else None
    )
    if cache is not None and key is not None and (stored := cache.load("activation-table", key)):
        return ActivationTable.from_arrays(node, stored)
    shape = model.graph()[node].shape
    leaders = {r: _Leaders(column, shape[0] if shape else 1) for column, r in enumerate(REDUCES)}
    images = 0
    stream = mean_max_pass(
        model,
        data,
        node,
        batch_size=batch_size,
        workers=workers,
        progress=progress,
        engine=engine,
        ray=ray,
    )
    for positions, both in stream:  # both: (B, 2, C), each channel's mean and max
        for ranking in leaders.values():
            ranking.add(positions, both.numpy())
        images += len(positions)
    table = ActivationTable(
        node,
        {r: leaders[r].indices for r in REDUCES},
        {r: leaders[r].values for r in REDUCES},
        images,
    )
    if cache is not None and key is not None:
        cache.save("activation-table", key, table.arrays())
    return table


def cached_activation_table(
    model: Model, dataset: Dataset, node: str, cache: ArrayCache
) -> ActivationTable | None:
    """The table if a pass computed it already (in this or an earlier run), else None."""
    node = model.graph()[node].name
    stored = cache.load("activation-table", activation_table_key(model, dataset, node))
    return None if stored is None else ActivationTable.from_arrays(node, stored)


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
    engine: Engine = "local",
    ray: RaySettings | None = None,
) -> Tensor:
    """Indices ``(k,)`` (int64) of the ``k`` images of ``data`` on which ``channel`` of ``node``
    is highest, best first, ranked by its spatial ``mean`` (or ``max``). The pass behind it
    serves every channel of the node and is cached (``cache``), so other channels are instant."""
    table = activation_table(
        model, data, node, cache=cache, progress=progress, engine=engine, ray=ray
    )
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

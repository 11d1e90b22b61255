"""Per-channel statistics of one node over a dataset: how strongly and how often it fires."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from deepling.analysis.keys import model_data_key
from deepling.cache import ArrayCache
from deepling.data.base import Dataset
from deepling.models.model import Model
from deepling.progress import Progress, no_progress

ACTIVATION_BUDGET = 64 * 2**20  # float32 values


@dataclass(frozen=True)
class ChannelStatistics:
    """``mean`` (C,): the channel's activation averaged over images and positions;
    ``dead_fraction`` (C,): the fraction of images in which it is nowhere above zero.
    A vector node's units are its channels; a scalar node has one channel."""

    mean: np.ndarray
    dead_fraction: np.ndarray
    images: int


def _per_channel(acts: torch.Tensor) -> torch.Tensor:
    """Activations (B, C, ...) or (B,) as (B, C, positions)."""
    if acts.dim() == 1:
        return acts[:, None, None]
    return acts.reshape(acts.shape[0], acts.shape[1], -1)


def channel_statistics(
    model: Model,
    dataset: Dataset,
    node: str,
    *,
    batch_size: int = 256,
    progress: Progress = no_progress,
    cache: ArrayCache | None = None,
) -> ChannelStatistics:
    """Statistics of every channel of ``node`` over ``dataset``, in one batched pass (cached)."""
    model.graph()[node]
    if cache is not None and (stored := cached_channel_statistics(model, dataset, node, cache)):
        return stored
    n = len(dataset)
    # Bound the activations held at once (about 256 MB), whatever the node's size.
    per_image = max(1, int(np.prod(model.graph()[node].shape, dtype=np.int64)))
    batch_size = max(1, min(batch_size, ACTIVATION_BUDGET // per_image))
    total: torch.Tensor | None = None
    dead: torch.Tensor | None = None
    progress(0, n)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        x = dataset.batch(range(start, stop), model.input_shape)
        acts = _per_channel(model.activations(x, [node], batch_size=batch_size)[node])
        batch_mean = acts.mean(dim=2).double().sum(dim=0)  # sums over images in float64
        batch_dead = (acts.amax(dim=2) <= 0).sum(dim=0)
        total = batch_mean if total is None else total + batch_mean
        dead = batch_dead if dead is None else dead + batch_dead
        progress(stop, n)
    if total is None or dead is None:
        channels = 1 if not model.graph()[node].shape else model.graph()[node].shape[0]
        result = ChannelStatistics(np.zeros(channels), np.zeros(channels), 0)
    else:
        result = ChannelStatistics((total / n).numpy(), (dead.double() / n).numpy(), n)
    if cache is not None:
        key = model_data_key("channel-stats", model, dataset, node)
        arrays = {
            "mean": result.mean,
            "dead_fraction": result.dead_fraction,
            "images": np.array(result.images),
        }
        cache.save("channel-stats", key, arrays)
    return result


def cached_channel_statistics(
    model: Model, dataset: Dataset, node: str, cache: ArrayCache
) -> ChannelStatistics | None:
    stored = cache.load("channel-stats", model_data_key("channel-stats", model, dataset, node))
    if stored is None:
        return None
    return ChannelStatistics(stored["mean"], stored["dead_fraction"], int(stored["images"]))

"""Per-channel statistics of one node over a dataset: how strongly and how often it fires."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from deepling.analysis.keys import model_data_key
from deepling.analysis.per_channel import mean_max_pass
from deepling.cache import ArrayCache
from deepling.data.base import Dataset
from deepling.engine.choice import Engine, RaySettings
from deepling.models.model import Model
from deepling.progress import Progress, no_progress


@dataclass(frozen=True)
class ChannelStatistics:
    """``mean`` (C,): the channel's activation averaged over images and positions;
    ``dead_fraction`` (C,): the fraction of images in which it is nowhere above zero;
    ``images``: how many images they are over (those that could be read).
    A vector node's units are its channels; a scalar node has one channel."""

    mean: np.ndarray
    dead_fraction: np.ndarray
    images: int


def channel_statistics(
    model: Model,
    dataset: Dataset,
    node: str,
    *,
    batch_size: int | None = None,
    workers: int | None = None,
    progress: Progress = no_progress,
    cache: ArrayCache | None = None,
    engine: Engine = "local",
    ray: RaySettings | None = None,
) -> ChannelStatistics:
    """Statistics of every channel of ``node`` over ``dataset``, in one streamed pass that
    keeps only running sums (reduced inside the graph); cached. ``engine="ray"``: the pass on
    Ray (``ray``: its settings), its per-image reductions summed here."""
    shape = model.graph()[node].shape
    if cache is not None and (stored := cached_channel_statistics(model, dataset, node, cache)):
        return stored
    channels = 1 if not shape else shape[0]
    total = torch.zeros(channels, dtype=torch.float64)
    dead = torch.zeros(channels, dtype=torch.int64)
    images = 0
    stream = mean_max_pass(
        model,
        dataset,
        node,
        batch_size=batch_size,
        workers=workers,
        progress=progress,
        engine=engine,
        ray=ray,
    )
    for positions, both in stream:  # both: (B, 2, C), each channel's mean and max
        total += both[:, 0].double().sum(dim=0)
        dead += (both[:, 1] <= 0).sum(dim=0)
        images += len(positions)
    count = max(images, 1)
    result = ChannelStatistics((total / count).numpy(), (dead.double() / count).numpy(), images)
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

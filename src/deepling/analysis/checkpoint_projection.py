"""Representation over training: the same images laid out at one layer under each checkpoint,
each layout aligned to the previous checkpoint's, so that playing it shows classes separate as
the network learns.

The layer projection's method with time in place of depth: per checkpoint, pivots chosen by
max-min on the same random sample, one streamed pass keeping each image's squared distances to
them, PivotMDS, then the Procrustes chain with the mirror test from the first checkpoint on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn

from deepling.analysis.pivot_mds import mds_from_pivot_distances
from deepling.analysis.projection import (
    Projection,
    _align,
    _check_labels,
    _choose_layer_pivots,
    _fit_unit_square,
    _layer_scores,
    _no_scores,
    _Pivots,
    _read_pivots,
    _sample_images,
)
from deepling.data.base import Dataset
from deepling.data.stream import check_indices, pass_batches
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.progress import Progress, no_progress


def checkpoint_projection(
    models: Sequence[Model],
    data: Dataset | Tensor,
    node: str,
    *,
    indices: Sequence[int] | np.ndarray | None = None,
    pivots: int = 50,
    seed: int = 0,
    labels: np.ndarray | Sequence[int] | Tensor | None = None,
    progress: Progress = no_progress,
) -> Projection:
    """Project ``data``'s images (a Dataset, streamed: its images ``indices``; or images
    ``(N, C, H, W)`` in [0, 1]) at ``node`` under each of ``models`` (checkpoints of one
    architecture, in training order): ``coords`` ``(T, N, 2)``, frame t aligned to frame t-1;
    ``nodes`` is ``node`` T times and ``frames`` the models' names. Identical checkpoints give
    identical layouts. Given labels (a dataset's own by default), ``scores`` per checkpoint.
    Costs one pass over the images per checkpoint."""
    if not len(models):
        raise DeeplingError("models: give at least one checkpoint.")
    # Each checkpoint is read once, in the loop below: a lazy series (``Checkpoints``) then
    # holds only a few models at a time.
    first = models[0]
    first.graph().check([node])
    order = check_indices(indices, len(data)) if isinstance(data, Dataset) else None
    if isinstance(data, Tensor):
        data = first.check_images(data)
        if indices is not None:
            data = data[torch.as_tensor(check_indices(indices, len(data)))]
    n = len(order) if order is not None else len(data)
    if labels is None and isinstance(data, Dataset) and data.labelled and order is not None:
        labels = data.labels[order]
    y = _check_labels(labels, n)
    count = len(models)
    frames: list[str] = []
    if n == 0:
        empty = np.zeros((count, 0, 2), dtype=np.float32)
        names = [str(models[t].name) for t in range(count)]
        return Projection(
            [node] * count, empty, _no_scores(count) if y is not None else None, names
        )
    k = max(1, min(pivots, n))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, max(4 * k, 200)), replace=False))
    sample, images = _sample_images(data, first, order, None, sample)
    k = min(k, len(sample))
    layouts: list[np.ndarray] = []
    own: dict[str, np.ndarray] = {}
    merged = _Pivots({}, {}, {}, 0)
    read_everywhere = np.ones(n, dtype=bool)
    progress(0, n * count)
    for t in range(count):
        model = models[t]
        if model.input_shape != first.input_shape:
            raise DeeplingError(
                f"The checkpoints take different inputs: {first.input_shape} and "
                f"{model.input_shape}."
            )
        model.graph().check([node])
        frames.append(str(model.name))
        # The same sample and the same generator state for every checkpoint: identical weights
        # choose identical pivots, so give identical layouts.
        chosen = _choose_layer_pivots(
            model,
            images,
            sample,
            [node],
            k,
            np.random.default_rng(seed),
            y[sample] if y is not None else None,
        )
        layout, read = _one_layout(model, data, order, node, chosen, n, t, count, progress)
        key = f"{t}"
        own[key] = layout
        merged.indices[key] = chosen.indices[node]
        merged.knn_full[key] = chosen.knn_full.get(node, float("nan"))
        merged.scored = chosen.scored
        mask = np.zeros(n, dtype=bool)
        mask[read] = True
        read_everywhere &= mask
        both = np.flatnonzero(read_everywhere)
        layouts.append(layout if not layouts else _align(layouts[-1], layout, both))
    scores = None
    if y is not None:
        scored = y.copy()
        scored[~read_everywhere] = -1
        scores = _layer_scores([str(t) for t in range(count)], own, merged, scored, seed)
    coords = np.stack([_fit_unit_square(layout) for layout in layouts])
    return Projection([node] * count, coords, scores, frames)


def _one_layout(
    model: Model,
    data: Dataset | Tensor,
    order: np.ndarray | None,
    node: str,
    chosen: _Pivots,
    n: int,
    t: int,
    count: int,
    progress: Progress,
) -> tuple[np.ndarray, np.ndarray]:
    """One checkpoint's PivotMDS layout ``(n, 2)`` (NaN where unread) and the positions read."""
    reducers: dict[str, nn.Module] = {node: chosen.reducers.pop(node).to(model.device)}
    _, batches = pass_batches(
        data, model.input_shape, model.device, indices=order, batch_size=model.batch_size
    )
    positions, rows = [], []
    for found_positions, found in model.reduce_stream(batches, reducers):
        positions.append(found_positions)
        rows.append(found[node].numpy())
        progress(t * n + int(found_positions[-1]) + 1, n * count)
    read = np.concatenate(positions) if positions else np.zeros(0, np.int64)
    d2, pivot_rows = _read_pivots(np.concatenate(rows), read, chosen.indices[node])
    layout = np.full((n, 2), np.nan)
    layout[read] = mds_from_pivot_distances(d2, pivot_rows)
    return layout, read

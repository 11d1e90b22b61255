"""Representation over training: the same images laid out at one layer under each checkpoint,
each layout aligned to the previous checkpoint's, so that playing it shows classes separate as
the network learns.

The layer projection's method with time in place of depth: per checkpoint, pivots chosen by
max-min on the same random sample, one streamed pass keeping each image's squared distances to
them, PivotMDS, then the Procrustes chain with the mirror test from the first checkpoint on.
At several layers at once (``checkpoint_grid``) it is the layers x checkpoints grid, each layout
aligned to its neighbours along both axes.
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
    default_nodes,
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
    return checkpoint_grid(
        models,
        data,
        [node],
        indices=indices,
        pivots=pivots,
        seed=seed,
        labels=labels,
        progress=progress,
    )


def checkpoint_grid(
    models: Sequence[Model],
    data: Dataset | Tensor,
    nodes: Sequence[str] | None = None,
    *,
    indices: Sequence[int] | np.ndarray | None = None,
    pivots: int = 50,
    seed: int = 0,
    labels: np.ndarray | Sequence[int] | Tensor | None = None,
    progress: Progress = no_progress,
) -> Projection:
    """``checkpoint_projection`` at several layers at once: the layers x checkpoints grid, to
    move along depth and along training. ``coords`` ``(L * T, N, 2)`` row by row: frame
    ``l * T + t`` is ``nodes[l]`` (default: every default projection layer) under
    ``models[t]``, named in ``nodes`` and ``frames``. Each layout is aligned (Procrustes, with
    the mirror test) to the mean of its aligned neighbours, the same layer one checkpoint
    earlier and the layer before at the same checkpoint: a move along either axis is a small
    one. A layer whose layout is unchanged from one checkpoint to the next (the same weights,
    a frozen layer) keeps its picture exactly. Costs one pass over
    the images per checkpoint, whatever the number of layers."""
    if not len(models):
        raise DeeplingError("models: give at least one checkpoint.")
    # Each checkpoint is read once, in the loop below: a lazy series (``Checkpoints``) then
    # holds only a few models at a time.
    first = models[0]
    names = list(default_nodes(first.graph()) if nodes is None else nodes)
    if not names:
        raise DeeplingError("nodes: give at least one layer.")
    if len(set(names)) < len(names):
        raise DeeplingError("nodes: each layer once.")
    first.graph().check(names)
    order = check_indices(indices, len(data)) if isinstance(data, Dataset) else None
    if isinstance(data, Tensor):
        data = first.check_images(data)
        if indices is not None:
            data = data[torch.as_tensor(check_indices(indices, len(data)))]
    n = len(order) if order is not None else len(data)
    if labels is None and isinstance(data, Dataset) and data.labelled and order is not None:
        labels = data.labels[order]
    y = _check_labels(labels, n)
    count, depth = len(models), len(names)
    grid_nodes = [name for name in names for _ in range(count)]
    if n == 0:
        empty = np.zeros((depth * count, 0, 2), dtype=np.float32)
        frames = [str(models[t].name) for _ in names for t in range(count)]
        scores = _no_scores(depth * count) if y is not None else None
        return Projection(grid_nodes, empty, scores, frames)
    k = max(1, min(pivots, n))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, max(4 * k, 200)), replace=False))
    sample, images = _sample_images(data, first, order, None, sample)
    k = min(k, len(sample))
    aligned: dict[tuple[int, int], np.ndarray] = {}
    own: dict[str, np.ndarray] = {}
    merged = _Pivots({}, {}, {}, 0)
    checkpoint_names: list[str] = []
    read_everywhere = np.ones(n, dtype=bool)
    progress(0, n * count)
    for t in range(count):
        model = models[t]
        if model.input_shape != first.input_shape:
            raise DeeplingError(
                f"The checkpoints take different inputs: {first.input_shape} and "
                f"{model.input_shape}."
            )
        model.graph().check(names)
        checkpoint_names.append(str(model.name))
        # The same sample and the same generator state for every checkpoint: identical weights
        # choose identical pivots, so give identical layouts.
        chosen = _choose_layer_pivots(
            model,
            images,
            sample,
            names,
            k,
            np.random.default_rng(seed),
            y[sample] if y is not None else None,
        )
        layouts, read = _layouts(model, data, order, names, chosen, n, t, count, progress)
        mask = np.zeros(n, dtype=bool)
        mask[read] = True
        read_everywhere &= mask
        both = np.flatnonzero(read_everywhere)
        for d, name in enumerate(names):
            key = f"{d}:{t}"
            own[key] = layouts[name]
            merged.indices[key] = chosen.indices[name]
            merged.knn_full[key] = chosen.knn_full.get(name, float("nan"))
            raw = layouts[name]
            if t and np.array_equal(raw, own[f"{d}:{t - 1}"], equal_nan=True):
                # The same activations as one checkpoint earlier (the same weights, or a
                # frozen layer): the same picture, exactly.
                aligned[d, t] = aligned[d, t - 1]
                continue
            # The mean of the neighbours (each already fitted to [-1, 1], so both weigh the
            # same): Procrustes onto it minimises the summed squared distance to both.
            near = [aligned[cell] for cell in ((d, t - 1), (d - 1, t)) if cell in aligned]
            layout = _align(np.mean(near, axis=0), raw, both) if near else raw
            aligned[d, t] = _fit_unit_square(layout)
        merged.scored = chosen.scored
    keys = [f"{d}:{t}" for d in range(depth) for t in range(count)]
    scores = None
    if y is not None:
        scored = y.copy()
        scored[~read_everywhere] = -1
        scores = _layer_scores(keys, own, merged, scored, seed)
    coords = np.stack([aligned[d, t] for d in range(depth) for t in range(count)])
    return Projection(grid_nodes, coords, scores, checkpoint_names * depth)


def _layouts(
    model: Model,
    data: Dataset | Tensor,
    order: np.ndarray | None,
    names: list[str],
    chosen: _Pivots,
    n: int,
    t: int,
    count: int,
    progress: Progress,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One checkpoint's PivotMDS layout ``(n, 2)`` of each layer (NaN where unread), from one
    pass, and the positions read."""
    reducers: dict[str, nn.Module] = {
        name: chosen.reducers.pop(name).to(model.device) for name in names
    }
    _, batches = pass_batches(
        data, model.input_shape, model.device, indices=order, batch_size=model.batch_size
    )
    positions: list[np.ndarray] = []
    rows: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for found_positions, found in model.reduce_stream(batches, reducers):
        positions.append(found_positions)
        for name in names:
            rows[name].append(found[name].numpy())
        progress(t * n + int(found_positions[-1]) + 1, n * count)
    read = np.concatenate(positions) if positions else np.zeros(0, np.int64)
    layouts = {}
    for name in names:
        d2, pivot_rows = _read_pivots(np.concatenate(rows.pop(name)), read, chosen.indices[name])
        layout = np.full((n, 2), np.nan)
        layout[read] = mds_from_pivot_distances(d2, pivot_rows)
        layouts[name] = layout
    return layouts, read

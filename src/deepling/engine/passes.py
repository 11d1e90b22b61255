"""The reducing pass every per-layer analysis shares (channel statistics, top-activating
images, the layer projection), on either engine: per batch, the positions of its images and
each reducer's output (``Model.reduce_stream``).

Locally the batches come in order from the streamed pass; on Ray the dataset's come in any
order as the replicas finish them (the reducers travel to the replicas), and images given as
a tensor after them (``extra``: edited or uploaded ones) are reduced here, at the end.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from deepling.data.base import Dataset
from deepling.data.stream import check_indices, pass_batches, tensor_batches
from deepling.engine.choice import Engine, RaySettings, check_engine, with_batch_size
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.progress import Progress, no_progress


def reduced_batches(
    model: Model,
    data: Dataset | Tensor,
    reducers: dict[str, nn.Module],
    *,
    indices: Sequence[int] | np.ndarray | None = None,
    extra: Tensor | None = None,
    batch_size: int | None = None,
    workers: int | None = None,
    progress: Progress = no_progress,
    engine: Engine = "local",
    ray: RaySettings | None = None,
) -> Iterator[tuple[np.ndarray, dict[str, Tensor]]]:
    """``(positions, {node: reducer output})`` per batch over ``data``'s images ``indices``
    (a Dataset, or images ``(N, C, H, W)`` in [0, 1]), then ``extra``'s (positions counting on
    after them); ``progress(done, total)`` counts the images."""
    size = batch_size or model.batch_size
    if check_engine(engine) == "local":
        total, batches = pass_batches(
            data,
            model.input_shape,
            model.device,
            indices=indices,
            extra=extra,
            batch_size=size,
            workers=workers,
        )
        progress(0, total)
        for positions, found in model.reduce_stream(batches, reducers):
            yield positions, found
            progress(int(positions[-1]) + 1, total)
        return
    if not isinstance(data, Dataset):
        raise DeeplingError("engine='ray' passes over a Dataset, not a tensor of images.")
    from deepling.engine.ray_pass import ray_pass

    order = check_indices(indices, len(data))
    count = len(order)
    total = count + (len(extra) if extra is not None else 0)
    # CPU copies travel to the replicas (a reducer on a GPU here cannot be unpickled there).
    travelling = {name: copy.deepcopy(r).cpu() for name, r in reducers.items()}
    for positions, rows in ray_pass(
        model,
        data,
        "reduced",
        indices=order,
        options={"reducers": travelling},
        settings=with_batch_size(ray, batch_size),
        progress=lambda done, _: progress(done, total),
    ):
        yield positions, {name: torch.from_numpy(rows[f"node:{name}"]) for name in reducers}
    if extra is not None and len(extra):
        batches = tensor_batches(extra, count, size, model.device)
        for positions, found in model.reduce_stream(batches, reducers):
            yield positions, found
            progress(int(positions[-1]) + 1, total)

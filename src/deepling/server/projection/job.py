"""Projection jobs: layer-by-layer PivotMDS of chosen images (dataset images, then any tray
images) with each layer's class separability, cached on disk by their key."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import torch

from deepling.analysis.keys import model_data_key
from deepling.analysis.projection import Projection, default_nodes, layer_projection
from deepling.errors import DeeplingError
from deepling.graph.types import Graph
from deepling.progress import Progress
from deepling.server.jobs.cached import CachedAnalysis
from deepling.server.jobs.manager import Job
from deepling.server.projection.schemas import ProjectionRequest
from deepling.server.session import Session
from deepling.server.tray.store import TrayImage

PROJECTION = CachedAnalysis(
    "projection", "projection", "api/projections/{key}", "POST /api/jobs/projection"
)

SEED = 0
# Part of the cache key: bumped when an entry's content changes (2: with the scores), so entries
# written before are recomputed rather than served without them.
VERSION = 2
# The result, N x L x 2 float32 coordinates, is held in memory and sent to the browser whole.
MAX_RESULT_VALUES = 2**28  # 1 GiB: a million images at 134 layers


def conv_pool_nodes(graph: Graph) -> list[str]:
    """The input, every convolution and pooling node, and the output."""
    picked = [n.name for n in graph.nodes[1:-1] if "conv" in n.op or "pool" in n.op]
    return [graph.input.name, *picked, graph.output.name]


def request_indices(session: Session, given: list[int] | None) -> np.ndarray:
    """A request's dataset indices (None: every image) as int64, or a 400 naming the first bad
    one; checked as Python ints: a JSON number past int64 must be a 400, not an overflow."""
    n = len(session.dataset)
    if given is None:
        return np.arange(n, dtype=np.int64)
    bad = next((i for i, v in enumerate(given) if not 0 <= v < n), None)
    if bad is not None:
        raise DeeplingError(
            f"indices[{bad}] = {given[bad]} is out of range: the dataset has {n} images."
        )
    return np.asarray(given, dtype=np.int64)


def _check(session: Session, request: ProjectionRequest) -> tuple[np.ndarray, list[str]]:
    indices = request_indices(session, request.indices)
    graph = session.model.graph()
    nodes = graph.check(request.nodes) if request.nodes is not None else default_nodes(graph)
    count = len(indices) + len(request.tray)
    if count * len(nodes) * 2 > MAX_RESULT_VALUES:
        raise DeeplingError(
            f"{count:,} images at {len(nodes)} layers are too many for one projection: at most "
            f"{MAX_RESULT_VALUES // 2:,} image-layers (images x layers).",
            "Project fewer images, or fewer layers (nodes).",
        )
    return indices, nodes


def projection_key(
    session: Session,
    indices: np.ndarray,
    nodes: list[str],
    pivots: int,
    tray: Sequence[TrayImage] = (),
) -> str:
    digest = hashlib.blake2b(indices.tobytes(), digest_size=16)
    # Tray images by their pixels, so an id reused after a restart never returns a stale layout;
    # without tray images the key does not depend on the tray at all.
    for image in tray:
        digest.update(bytes.fromhex(image.digest))
    return model_data_key(
        "projection",
        session.model,
        session.dataset,
        digest.hexdigest(),
        nodes,
        pivots,
        SEED,
        VERSION,
    )


def load_projection(session: Session, key: str) -> Projection:
    return Projection.from_arrays(PROJECTION.load(session, key))


def start_projection(session: Session, request: ProjectionRequest) -> Job:
    """Queue (or join) the projection job; a cached result finishes at once."""
    indices, nodes = _check(session, request)
    tray = [session.tray.get(image_id) for image_id in request.tray]  # unknown id: 404
    key = projection_key(session, indices, nodes, request.pivots, tray)

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        # Scored by the dataset images' true classes. Tray images (edits, uploads) are
        # laid out but not scored: an edit may no longer show its original's class.
        labels = np.concatenate([session.dataset.labels[indices], np.full(len(tray), -1)])
        # The tray images' points follow the dataset images', in request order.
        extra = torch.stack([image.pixels for image in tray]) if tray else None
        projection = layer_projection(
            session.model,
            session.dataset,
            nodes,
            request.pivots,
            SEED,
            indices=indices,
            extra=extra,
            labels=labels,
            progress=progress,
            engine=session.engine,
            ray=session.ray,
        )
        return projection.arrays()

    return PROJECTION.submit(session, key, compute)

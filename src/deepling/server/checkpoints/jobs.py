"""The comparison jobs: accuracy over the series, the projection over checkpoints, the
comparison of two evaluations and CKA between two models, each cached on disk by its key."""

from __future__ import annotations

import hashlib

import numpy as np

from deepling.analysis.checkpoint_projection import checkpoint_grid
from deepling.analysis.cka import MINIBATCH, cka
from deepling.analysis.comparison import compare_evaluations
from deepling.analysis.evaluation import evaluate
from deepling.analysis.keys import model_data_key
from deepling.analysis.projection import default_nodes
from deepling.cache import weights_digest
from deepling.errors import DeeplingError
from deepling.models.checkpoints import Checkpoints
from deepling.progress import Progress, part_of
from deepling.server.checkpoints.schemas import CheckpointProjectionRequest, CKARequest
from deepling.server.jobs.cached import CachedAnalysis
from deepling.server.jobs.manager import Job
from deepling.server.projection.job import MAX_RESULT_VALUES, PROJECTION, request_indices
from deepling.server.session import Session

HISTORY = CachedAnalysis(
    "checkpoint-history",
    "checkpoint history",
    "api/checkpoints/history/{key}",
    "POST /api/jobs/checkpoint-history",
)
COMPARISON = CachedAnalysis(
    "comparison", "comparison", "api/comparisons/{key}", "POST /api/jobs/comparison"
)
CKA = CachedAnalysis("cka", "CKA", "api/cka/{key}", "POST /api/jobs/cka")
CKA_IMAGES = 2000  # default sample: CKA's estimate is stable long before the whole dataset
SEED = 0


def series(session: Session) -> Checkpoints:
    if session.checkpoints is None or len(session.checkpoints) < 2:
        raise DeeplingError(
            "This server serves one model, not a series of checkpoints.",
            "Start it with --weights 'runs/epoch_*.pt' (a glob, a folder or several --weights).",
        )
    return session.checkpoints


def _files_digest(checkpoints: Checkpoints) -> str:
    """The series by its files: path, size and modification time of each (cheap: no weights
    read; a file rewritten by further training changes its time)."""
    digest = hashlib.blake2b(digest_size=16)
    for path in checkpoints.paths:
        stat = path.stat()
        digest.update(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _indices_digest(indices: np.ndarray) -> str:
    return hashlib.blake2b(indices.astype(np.int64).tobytes(), digest_size=16).hexdigest()


def start_history(session: Session) -> Job:
    """Evaluate every checkpoint (each evaluation cached as the data view's own)."""
    checkpoints = series(session)
    key = model_data_key(HISTORY.kind, checkpoints[0], session.dataset, _files_digest(checkpoints))

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        n, count = len(session.dataset), len(checkpoints)
        accuracy, loss = [], []
        for t in range(count):
            result = evaluate(
                checkpoints[t],
                session.dataset,
                progress=part_of(progress, t * n, n * count),
                cache=session.cache,
            )
            accuracy.append(np.nan if result.accuracy is None else result.accuracy)
            scored = result.loss[np.isfinite(result.loss)]
            loss.append(float(scored.mean()) if len(scored) else np.nan)
        return {
            "names": np.array(checkpoints.names),
            "accuracy": np.array(accuracy),
            "loss": np.array(loss),
        }

    return HISTORY.submit(session, key, compute)


def _indices(session: Session, given: list[int] | None, default: int | None) -> np.ndarray:
    """The requested images, or ``default`` of them spread over the dataset (None: all)."""
    n = len(session.dataset)
    if given is None and default is not None:
        return np.unique(np.linspace(0, n - 1, min(n, default)).round().astype(np.int64))
    return request_indices(session, given)


def _grid_nodes(session: Session, request: CheckpointProjectionRequest) -> list[str]:
    """The request's layers, each a layer of the model, each once."""
    if len(set(request.nodes)) < len(request.nodes):
        raise DeeplingError("nodes: each layer once.")
    return session.model.graph().check(request.nodes)


def start_checkpoint_projection(session: Session, request: CheckpointProjectionRequest) -> Job:
    """The projection over checkpoints (one layer, or the layers x checkpoints grid), stored
    as a projection: the projection routes serve it (``X-Node`` and ``X-Frame`` name each
    frame's layer and checkpoint)."""
    checkpoints = series(session)
    nodes = _grid_nodes(session, request)
    indices = _indices(session, request.indices, None)
    frames = len(checkpoints) * len(nodes)
    if len(indices) * frames * 2 > MAX_RESULT_VALUES:
        raise DeeplingError(
            f"{len(indices):,} images at {frames} layer-checkpoints are too many for one "
            f"projection: at most {MAX_RESULT_VALUES // 2:,} image-frames.",
            "Project fewer images or fewer layers.",
        )
    key = model_data_key(
        "checkpoint-projection",
        checkpoints[0],
        session.dataset,
        _files_digest(checkpoints),
        _indices_digest(indices),
        *nodes,
        request.pivots,
        SEED,
    )

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        projection = checkpoint_grid(
            checkpoints,
            session.dataset,
            nodes,
            indices=indices,
            pivots=request.pivots,
            seed=SEED,
            progress=progress,
        )
        return projection.arrays() | {"frames": np.array(checkpoints.names * len(nodes))}

    return PROJECTION.submit(session, key, compute)


def start_comparison(session: Session) -> Job:
    """Evaluate A (the selected model) and B (the compared one), cached, then compare."""
    a, b = session.model, session.compared()
    if a.classes != b.classes:
        raise DeeplingError(
            "The compared models name different classes.", "Compare models of the same classes."
        )
    key = model_data_key(
        COMPARISON.kind, a, session.dataset, type(b.module).__qualname__, weights_digest(b.module)
    )

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        n = len(session.dataset)
        first = evaluate(
            a, session.dataset, progress=part_of(progress, 0, 2 * n), cache=session.cache
        )
        second = evaluate(
            b, session.dataset, progress=part_of(progress, n, 2 * n), cache=session.cache
        )
        # From B (the compared model) to A (the selected one): a series opens on its last
        # checkpoint compared with its first, and "fixed" then means fixed by training.
        found = compare_evaluations(before=second, after=first)
        nan = np.nan
        accuracy = (found.accuracy_after, found.accuracy_before)
        return {
            "names": np.array([a.name, b.name]),
            "confusion": found.confusion,
            "recall_a": found.recall_after,
            "recall_b": found.recall_before,
            "accuracy": np.array([nan if v is None else v for v in accuracy]),
            "fixed": found.fixed,
            "broken": found.broken,
            "changed": found.changed,
        }

    return COMPARISON.submit(session, key, compute)


def start_cka(session: Session, request: CKARequest) -> Job:
    a, b = session.model, session.compared()
    if a.input_shape != b.input_shape:
        raise DeeplingError(
            f"The compared models take different inputs ({a.input_shape} and {b.input_shape}).",
            "CKA runs both models on the same images.",
        )
    indices = _indices(session, request.indices, CKA_IMAGES)
    key = model_data_key(
        CKA.kind,
        a,
        session.dataset,
        type(b.module).__qualname__,
        weights_digest(b.module),
        _indices_digest(indices),
        MINIBATCH,
    )

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        values = cka(a, b, session.dataset, indices=indices, progress=progress)
        return {
            "names": np.array([a.name, b.name]),
            "nodes_a": np.array(default_nodes(a.graph())),
            "nodes_b": np.array(default_nodes(b.graph())),
            "values": values,
            "images": np.array([len(indices)]),
        }

    return CKA.submit(session, key, compute)

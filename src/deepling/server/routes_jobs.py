"""Routes for long work: jobs with progress and cancellation, and the evaluation results."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import torch
from fastapi import APIRouter, Query, Response

from deepling.analysis.projection import default_nodes
from deepling.errors import NotFoundError
from deepling.server.deps import SessionDep
from deepling.server.encoding import float32_response
from deepling.server.projections import conv_pool_nodes, load_projection, start_projection
from deepling.server.schemas import (
    ChannelStatsOut,
    EvaluationImages,
    EvaluationSummary,
    JobOut,
    ProjectionLayers,
    ProjectionRequest,
    ProjectionScores,
)
from deepling.server.session import Session

router = APIRouter(prefix="/api", tags=["jobs"])


@router.post("/jobs/evaluation", response_model=JobOut, status_code=202)
def start_evaluation(session: SessionDep) -> JobOut:
    """Run the model over the whole dataset (or join the run in progress)."""
    return JobOut.model_validate(session.start_evaluation().to_dict())


@router.post("/jobs/channel-stats/{node}", response_model=JobOut, status_code=202)
def start_channel_stats(session: SessionDep, node: str) -> JobOut:
    """Compute every channel's mean activation and dead fraction for ``node`` over the data."""
    return JobOut.model_validate(session.start_channel_statistics(node).to_dict())


@router.get(
    "/channel-stats/{node}",
    response_model=ChannelStatsOut,
    responses={204: {"description": "not computed yet (asked with if_cached=true)"}},
)
def channel_stats(
    session: SessionDep,
    node: str,
    if_cached: Annotated[bool, Query(description="204 instead of 404 when not computed")] = False,
) -> ChannelStatsOut | Response:
    stats = session.channel_statistics(node)
    if stats is None and if_cached:
        return Response(status_code=204)
    if stats is None:
        raise NotFoundError(
            f"Channel statistics of {node!r} have not been computed yet.",
            f"Start them with POST /api/jobs/channel-stats/{node}.",
        )
    return ChannelStatsOut(
        node=node,
        images=stats.images,
        mean=stats.mean.tolist(),
        dead_fraction=stats.dead_fraction.tolist(),
    )


@router.post("/jobs/projection", response_model=JobOut, status_code=202)
def start_projection_job(session: SessionDep, request: ProjectionRequest) -> JobOut:
    """Project the chosen images at every chosen layer (PivotMDS, Procrustes-aligned); the
    finished job's ``result_url`` serves the coordinates."""
    return JobOut.model_validate(start_projection(session, request).to_dict())


@router.get(
    "/projections/{key}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def projection(session: SessionDep, key: str) -> Response:
    """Coordinates ``(L, N, 2)`` as little-endian float32 in [-1, 1], point order as requested;
    ``X-Nodes`` names the L layers. Their separability scores: ``{key}/scores``."""
    result = load_projection(session.cache, key)
    response = float32_response(torch.from_numpy(result.coords))
    response.headers["X-Nodes"] = ",".join(result.nodes)
    return response


def _finite(values: np.ndarray) -> list[float | None]:
    return [round(float(v), 5) if np.isfinite(v) else None for v in values]


@router.get("/projections/{key}/scores", response_model=ProjectionScores)
def projection_scores(session: SessionDep, key: str) -> ProjectionScores:
    """Per layer, how well the true classes separate: kNN accuracy of the 2-D layout and of the
    full activations, and the layout's silhouette."""
    result = load_projection(session.cache, key)
    scores = result.scores
    if scores is None:  # entries are written with scores; this one was not
        raise NotFoundError(f"Projection {key!r} has no scores.", "Run it again.")
    return ProjectionScores(
        nodes=result.nodes,
        knn_layout=_finite(scores.knn_layout),
        knn_full=_finite(scores.knn_full),
        silhouette=_finite(scores.silhouette),
        neighbours=scores.neighbours,
        layout_points=scores.layout_points,
        full_points=scores.full_points,
        chance=_finite(np.array([scores.chance]))[0],
    )


@router.get("/projection-layers", response_model=ProjectionLayers)
def projection_layers(session: SessionDep) -> ProjectionLayers:
    graph = session.model.graph()
    return ProjectionLayers(all=default_nodes(graph), conv_pool=conv_pool_nodes(graph))


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(session: SessionDep) -> list[JobOut]:
    return [JobOut.model_validate(j.to_dict()) for j in session.jobs.list()]


@router.get("/jobs/{job_id}", response_model=JobOut)
def job(session: SessionDep, job_id: str) -> JobOut:
    return JobOut.model_validate(session.jobs.get(job_id).to_dict())


@router.delete("/jobs/{job_id}", response_model=JobOut)
def cancel_job(session: SessionDep, job_id: str) -> JobOut:
    job = session.jobs.get(job_id)
    job.cancel()
    return JobOut.model_validate(job.to_dict())


def _evaluation(session: Session):  # type: ignore[no-untyped-def]
    if session.evaluation is None:
        raise NotFoundError(
            "The dataset has not been evaluated yet.", "Start it with POST /api/jobs/evaluation."
        )
    return session.evaluation


@router.get("/evaluation", response_model=EvaluationSummary)
def evaluation(session: SessionDep) -> EvaluationSummary:
    return EvaluationSummary.model_validate(_evaluation(session).summary(session.model.classes))


@router.get("/evaluation/images", response_model=EvaluationImages)
def evaluation_images(session: SessionDep) -> EvaluationImages:
    result = _evaluation(session)
    return EvaluationImages(
        predictions=result.predictions.tolist(),
        confidence=[round(float(v), 5) for v in result.confidence],
        loss=[None if v != v else round(float(v), 5) for v in result.loss],
    )

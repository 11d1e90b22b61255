"""Projections: start one (a job), read its coordinates (all layers, or one layer at a time) and
scores, list the layers."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import torch
from fastapi import APIRouter, Path, Response

from deepling.analysis.projection import default_nodes
from deepling.errors import NotFoundError
from deepling.server.deps import SessionDep
from deepling.server.encoding import FLOAT32_RESPONSE, float32_response
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut
from deepling.server.projection.job import PROJECTION, conv_pool_nodes, start_projection
from deepling.server.projection.recent import held_projection
from deepling.server.projection.schemas import (
    ProjectionLayers,
    ProjectionRequest,
    ProjectionScores,
)

router = APIRouter(prefix="/api", tags=["projection"])
Key = Annotated[str, PROJECTION.key_parameter()]
Layer = Annotated[
    int,
    Path(ge=0, description="the layer's position in the projection's nodes (past the last: 404)"),
]


@router.post("/jobs/projection", **PROJECTION.job_route())
def start_projection_job(session: SessionDep, request: ProjectionRequest) -> JobOut:
    """Project the chosen images at every chosen layer (PivotMDS, Procrustes-aligned); the
    finished job's ``result_url`` serves the coordinates."""
    return job_out(start_projection(session, request))


@router.get("/projections/{key}", response_class=Response, responses=FLOAT32_RESPONSE)
def projection(session: SessionDep, key: Key) -> Response:
    """Coordinates ``(L, N, 2)`` as little-endian float32 in [-1, 1], point order as requested
    (NaN for an image that could not be read); ``X-Nodes`` names the L layers. One layer at a
    time: ``{key}/layers/{layer}``; their separability scores: ``{key}/scores``."""
    result = held_projection(session, key)
    response = float32_response(torch.from_numpy(result.coords))
    response.headers["X-Nodes"] = ",".join(result.nodes)
    if result.frames is not None:  # a projection over checkpoints: one frame per checkpoint
        response.headers["X-Frames"] = ",".join(result.frames)
    return response


@router.get(
    "/projections/{key}/layers/{layer}", response_class=Response, responses=FLOAT32_RESPONSE
)
def projection_layer(session: SessionDep, key: Key, layer: Layer) -> Response:
    """One layer's coordinates ``(N, 2)`` as little-endian float32 in [-1, 1], point order as
    requested (NaN for an image that could not be read); ``X-Node`` names the layer and
    ``X-Layers`` counts the projection's layers. Served from memory after the first request
    of a projection, so fetching the layers one by one reads its entry once."""
    result = held_projection(session, key)
    layers = len(result.nodes)
    if layer >= layers:
        raise NotFoundError(
            f"Layer {layer} is out of range: projection {key!r} has {layers} (0 to {layers - 1})."
        )
    response = float32_response(torch.from_numpy(result.coords[layer]))
    response.headers["X-Node"] = result.nodes[layer]
    response.headers["X-Layers"] = str(layers)
    if result.frames is not None:
        response.headers["X-Frame"] = result.frames[layer]
    return response


def _finite(values: np.ndarray) -> list[float | None]:
    return [round(float(v), 5) if np.isfinite(v) else None for v in values]


@router.get("/projections/{key}/scores", response_model=ProjectionScores)
def projection_scores(session: SessionDep, key: Key) -> ProjectionScores:
    """Per layer, how well the true classes separate: kNN accuracy of the 2-D layout and of the
    full activations, and the layout's silhouette."""
    result = held_projection(session, key)
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

"""Feature visualisation and the layer atlas: jobs, then their PNGs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from deepling.server.deps import SessionDep
from deepling.server.encoding import PNG, PNG_RESPONSE, Scale, image_png
from deepling.server.featurevis.job import (
    ATLAS,
    FEATUREVIS,
    atlas_grid,
    load_atlas,
    load_featurevis,
    start_atlas,
    start_featurevis,
)
from deepling.server.featurevis.schemas import AtlasRequest, FeatureVisRequest
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut

router = APIRouter(prefix="/api", tags=["featurevis"])
IMMUTABLE = "max-age=31536000, immutable"  # a key names one result forever
FeatureVisKey = Annotated[str, FEATUREVIS.key_parameter()]
AtlasKey = Annotated[str, ATLAS.key_parameter()]


@router.post("/jobs/featurevis", **FEATUREVIS.job_route())
def start_featurevis_job(session: SessionDep, request: FeatureVisRequest) -> JobOut:
    """Visualise one channel (activation maximisation); ``result_url`` serves the PNG."""
    return job_out(start_featurevis(session, request))


@router.get("/featurevis/{key}.png", response_class=Response, responses=PNG_RESPONSE)
def featurevis_png(session: SessionDep, key: FeatureVisKey, scale: Scale = 1) -> Response:
    image = load_featurevis(session, key)
    return Response(image_png(image, scale), media_type=PNG, headers={"Cache-Control": IMMUTABLE})


@router.post("/jobs/layer-atlas", **ATLAS.job_route())
def start_atlas_job(session: SessionDep, request: AtlasRequest) -> JobOut:
    """Visualise every channel of a node as one batch; ``result_url`` serves the grid PNG."""
    return job_out(start_atlas(session, request))


@router.get("/layer-atlas/{key}.png", response_class=Response, responses=PNG_RESPONSE)
def atlas_png(session: SessionDep, key: AtlasKey, scale: Scale = 1) -> Response:
    """The atlas as one PNG: channel ``i`` at row ``i // cols``, column ``i % cols`` of the
    ``X-Grid`` = cols,rows grid, tiles ``X-Tile`` = height,width pixels with a 1-pixel gap;
    ``X-Channels`` gives the channel count and ``X-Node`` the node."""
    node, images = load_atlas(session, key)
    grid, cols, rows = atlas_grid(images, scale)
    _, h, w = images.shape[1:]
    headers = {
        "X-Node": node,
        "X-Channels": str(images.shape[0]),
        "X-Grid": f"{cols},{rows}",
        "X-Tile": f"{h * scale},{w * scale}",
        "Cache-Control": IMMUTABLE,
    }
    return Response(image_png(grid), media_type=PNG, headers=headers)

"""Attribution maps: what in an image a prediction rests on (captum methods)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from deepling.analysis.attribution import METHODS
from deepling.analysis.attribution_layers import default_cam_node, spatial_nodes
from deepling.errors import DeeplingError
from deepling.server.attribution.heatmap import clip_value, heat_map
from deepling.server.attribution.maps import (
    ATTRIBUTION,
    cached_map,
    check_request,
    require_map,
    start_job,
)
from deepling.server.attribution.schemas import (
    AttributionJobRequest,
    AttributionMethodOut,
    AttributionMethods,
    CamNode,
    MethodName,
    Target,
)
from deepling.server.deps import SessionDep
from deepling.server.encoding import PNG, PNG_OR_FLOAT32, float32_response, png_bytes
from deepling.server.images.refs import IndexQuery, TrayQuery, image_ref, resolve_image
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut

router = APIRouter(prefix="/api", tags=["attribution"])


@router.get("/attribution/methods", response_model=AttributionMethods)
def methods(session: SessionDep) -> AttributionMethods:
    graph = session.model.graph()
    try:
        default: str | None = default_cam_node(graph)
    except DeeplingError:
        default = None
    return AttributionMethods(
        methods=[AttributionMethodOut(**info.__dict__) for info in METHODS.values()],
        nodes=spatial_nodes(graph),
        default_node=default,
    )


@router.get(
    "/attribution",
    response_class=Response,
    responses=PNG_OR_FLOAT32,
)
def attribution(
    session: SessionDep,
    method: Annotated[MethodName, Query()],
    target: Annotated[Target | None, Query(description="class index; default: predicted")] = None,
    node: Annotated[CamNode | None, Query()] = None,
    index: IndexQuery = None,
    tray: TrayQuery = None,
    format: Annotated[
        Literal["f32", "png"],
        Query(description="f32: the (H, W) map as float32; png: a heat map clipped at X-Clip"),
    ] = "f32",
    if_cached: Annotated[
        bool, Query(description="answer 204 (instead of 404) when a slow map is not computed")
    ] = False,
) -> Response:
    """The attribution map of ``target`` on the image (``index`` or ``tray``). Fast methods are
    computed now; the others come from the cache after ``POST /api/jobs/attribution``
    (``if_cached=true`` asks whether they are there without an error status).
    Headers: ``X-Shape`` (H,W), ``X-Target``, ``X-Node``, ``X-Signed``, ``X-Clip`` (the 99th
    percentile of |map|, the colour scale's end)."""
    ref = image_ref(index, tray)
    request = check_request(session, resolve_image(session, ref), ref, method, target, node)
    if if_cached and cached_map(session, request) is None and not METHODS[method].fast:
        return Response(status_code=204)
    values = require_map(session, request)
    clip = clip_value(values)
    signed = METHODS[method].signed
    if format == "f32":
        response = float32_response(values)
    else:
        response = Response(png_bytes(heat_map(values, signed, clip)), media_type=PNG)
        response.headers["X-Shape"] = ",".join(map(str, values.shape))
    response.headers.update(
        {
            "X-Target": str(request.target),
            "X-Node": request.node or "",
            "X-Signed": str(signed).lower(),
            "X-Clip": f"{clip:.6g}",
            "X-Method": method,
        }
    )
    return response


@router.post("/jobs/attribution", **ATTRIBUTION.job_route())
def start_attribution(session: SessionDep, body: AttributionJobRequest) -> JobOut:
    """Compute one attribution map as a job; its ``result_url`` serves the map."""
    image = resolve_image(session, body.image)
    request = check_request(session, image, body.image, body.method, body.target, body.node)
    return job_out(start_job(session, request))

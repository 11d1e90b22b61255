"""Channel semantics: feature visualisation, layer atlas and top-activating images."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import torch
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from deepling.analysis.featurevis import check_channel, resolve_node
from deepling.analysis.top_activations import cached_activation_table, channel_regions
from deepling.server.deps import SessionDep
from deepling.server.encoding import PNG, image_png
from deepling.server.schemas import JobOut
from deepling.server.semantics_jobs import (
    AtlasRequest,
    FeatureVisRequest,
    atlas_grid,
    load_atlas,
    load_featurevis,
    start_atlas,
    start_featurevis,
    start_top_table,
    table_or_404,
)

router = APIRouter(prefix="/api", tags=["semantics"])

Scale = Annotated[int, Query(ge=1, le=16, description="enlarge (nearest neighbour)")]
PNG_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {PNG: {}}}}


class TopActivationsOut(BaseModel):
    node: str
    channel: int
    reduce: Literal["mean", "max"]
    images: int  # how many dataset images were ranked
    indices: list[int]  # best first
    scores: list[float]
    labels: list[int]  # true class of each, -1 where unlabelled
    # The overlays' shared scale: the highest activation anywhere in these k images (the
    # dataset's maximum would leave mean-ranked images almost black).
    overlay_max: float


@router.post("/jobs/featurevis", response_model=JobOut, status_code=202)
def start_featurevis_job(session: SessionDep, request: FeatureVisRequest) -> JobOut:
    """Visualise one channel (activation maximisation); ``result_url`` serves the PNG."""
    return JobOut.model_validate(start_featurevis(session, request).to_dict())


@router.get("/featurevis/{key}.png", response_class=Response, responses=PNG_RESPONSE)
def featurevis_png(session: SessionDep, key: str, scale: Scale = 1) -> Response:
    return Response(
        image_png(load_featurevis(session, key), scale),
        media_type=PNG,
        headers={"Cache-Control": "max-age=31536000, immutable"},
    )


@router.post("/jobs/layer-atlas", response_model=JobOut, status_code=202)
def start_atlas_job(session: SessionDep, request: AtlasRequest) -> JobOut:
    """Visualise every channel of a node as one batch; ``result_url`` serves the grid PNG."""
    return JobOut.model_validate(start_atlas(session, request).to_dict())


@router.get("/layer-atlas/{key}.png", response_class=Response, responses=PNG_RESPONSE)
def atlas_png(session: SessionDep, key: str, scale: Scale = 1) -> Response:
    """The atlas as one PNG: channel ``i`` at row ``i // cols``, column ``i % cols`` of the
    ``X-Grid`` = cols,rows grid, tiles ``X-Tile`` = height,width pixels with a 1-pixel gap;
    ``X-Channels`` gives the channel count and ``X-Node`` the node."""
    node, images = load_atlas(session, key)
    grid, cols, rows = atlas_grid(images, scale)
    _, h, w = images.shape[1:]
    return Response(
        image_png(grid),
        media_type=PNG,
        headers={
            "X-Node": node,
            "X-Channels": str(images.shape[0]),
            "X-Grid": f"{cols},{rows}",
            "X-Tile": f"{h * scale},{w * scale}",
            "Cache-Control": "max-age=31536000, immutable",
        },
    )


@router.post("/jobs/top-activations/{node}", response_model=JobOut, status_code=202)
def start_top_job(session: SessionDep, node: str) -> JobOut:
    """One pass over the dataset ranking the images for every channel of ``node``."""
    return JobOut.model_validate(start_top_table(session, node).to_dict())


@router.get(
    "/top-activations/{node}/{channel}",
    response_model=TopActivationsOut,
    responses={204: {"description": "not computed yet (asked with if_cached=true)"}},
)
def top_activations_of(
    session: SessionDep,
    node: str,
    channel: int,
    k: Annotated[int, Query(ge=1, le=100, description="how many images")] = 9,
    reduce: Annotated[Literal["mean", "max"], Query(description="rank by")] = "mean",
    if_cached: Annotated[bool, Query(description="204 instead of 404 when not computed")] = False,
) -> TopActivationsOut | Response:
    """The ``k`` dataset images on which ``channel`` is highest (404, or 204 with
    ``if_cached=true``, until the table's job ran)."""
    name = session.model.graph()[node].name
    check_channel(session.model, name, channel)
    stored = cached_activation_table(session.model, session.dataset, name, session.cache)
    if stored is None and if_cached:
        return Response(status_code=204)
    table = table_or_404(stored, name)
    indices, scores = table.top(channel, k, reduce)
    labels = session.dataset.labels
    return TopActivationsOut(
        node=name,
        channel=channel,
        reduce=reduce,
        images=int(table.mean.shape[0]),
        indices=[int(i) for i in indices],
        scores=[float(s) for s in scores],
        labels=[int(labels[i]) for i in indices],
        overlay_max=float(table.max[indices, channel].max()) if len(indices) else 0.0,
    )


@router.get(
    "/top-activations/{node}/{channel}/overlay.png", response_class=Response, responses=PNG_RESPONSE
)
def overlay_png(
    session: SessionDep,
    node: str,
    channel: int,
    index: Annotated[int, Query(ge=0, description="dataset image index")],
    scale: Scale = 1,
    vmax: Annotated[float | None, Query(gt=0, description="activation shown at full light")] = None,
) -> Response:
    """Dataset image ``index`` lit where ``channel`` fires: pixels are dimmed in proportion to
    how far the upsampled activation is below ``vmax`` (default: the image's own maximum)."""
    name = resolve_node(session.model, node)
    check_channel(session.model, name, channel)
    index = session.dataset.check_index(index)
    image = session.dataset.batch([index], session.model.input_shape)
    region = channel_regions(session.model, image, name, channel)[0]
    top = vmax if vmax is not None else float(region.max())
    light = (region / top).clamp(0, 1) if top > 0 else torch.zeros_like(region)
    # Dim rather than tint: the image's own colours stay readable where the channel fires.
    lit = image[0] * (0.15 + 0.85 * light)[None]
    return Response(image_png(lit, scale), media_type=PNG)

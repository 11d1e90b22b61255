"""What if: edited and uploaded images, the image tray, occlusion sensitivity."""

from __future__ import annotations

import torch
from fastapi import APIRouter, Response

from deepling.server import routes_image, routes_tray
from deepling.server.deps import SessionDep
from deepling.server.encoding import float32_response
from deepling.server.schemas import JobOut
from deepling.server.whatif import load_occlusion, preview, start_occlusion
from deepling.server.whatif_schemas import OcclusionRequest, PreviewOut, PreviewRequest

router = APIRouter(prefix="/api", tags=["whatif"])
router.include_router(routes_tray.router)
router.include_router(routes_image.router)


@router.post("/whatif/preview", response_model=PreviewOut)
def edit_preview(session: SessionDep, request: PreviewRequest) -> PreviewOut:
    """Apply ``edits`` in order to the image and return the edited image, its class
    probabilities beside the original's and, when ``node`` is given, that node's activations
    for the edited image (one forward pass; fast enough to call on every edit)."""
    return preview(session, request)


@router.post("/jobs/occlusion", response_model=JobOut, status_code=202)
def start_occlusion_job(session: SessionDep, request: OcclusionRequest) -> JobOut:
    """Slide a grey ``patch`` over the (edited) image with step ``stride`` and measure the
    target's probability drop; the finished job's ``result_url`` serves the map."""
    return JobOut.model_validate(start_occlusion(session, request).to_dict())


@router.get(
    "/occlusion/{key}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def occlusion_map(session: SessionDep, key: str) -> Response:
    """The map ``(H, W)`` as little-endian float32: each pixel's mean drop in the target's
    probability when the patch covers it. ``X-Target``: the class; ``X-Probability``: its
    probability on the unoccluded image."""
    stored = load_occlusion(session, key)
    response = float32_response(torch.from_numpy(stored["drop"]))
    response.headers["X-Target"] = str(int(stored["target"]))
    response.headers["X-Probability"] = f"{float(stored['probability']):.6g}"
    return response

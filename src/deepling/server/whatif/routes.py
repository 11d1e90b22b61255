"""What if: edit previews and occlusion sensitivity."""

from __future__ import annotations

from typing import Annotated

import torch
from fastapi import APIRouter, Response

from deepling.server.deps import SessionDep
from deepling.server.encoding import FLOAT32_RESPONSE, float32_response
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut
from deepling.server.whatif.occlusion import OCCLUSION, start_occlusion
from deepling.server.whatif.preview import preview
from deepling.server.whatif.schemas import OcclusionRequest, PreviewOut, PreviewRequest

router = APIRouter(prefix="/api", tags=["whatif"])
OcclusionKey = Annotated[str, OCCLUSION.key_parameter()]


@router.post("/whatif/preview", response_model=PreviewOut)
def edit_preview(session: SessionDep, request: PreviewRequest) -> PreviewOut:
    """Apply ``edits`` in order to the image and return the edited image, its class
    probabilities beside the original's and, when ``node`` is given, that node's activations
    for the edited image (one forward pass; fast enough to call on every edit)."""
    return preview(session, request)


@router.post("/jobs/occlusion", **OCCLUSION.job_route())
def start_occlusion_job(session: SessionDep, request: OcclusionRequest) -> JobOut:
    """Slide a grey ``patch`` over the (edited) image with step ``stride`` and measure the
    target's probability drop; the finished job's ``result_url`` serves the map."""
    return job_out(start_occlusion(session, request))


@router.get("/occlusion/{key}", response_class=Response, responses=FLOAT32_RESPONSE)
def occlusion_map(session: SessionDep, key: OcclusionKey) -> Response:
    """The map ``(H, W)`` as little-endian float32: each pixel's mean drop in the target's
    probability when the patch covers it. ``X-Target``: the class; ``X-Probability``: its
    probability on the unoccluded image."""
    stored = OCCLUSION.load(session, key)
    response = float32_response(torch.from_numpy(stored["drop"]))
    response.headers["X-Target"] = str(int(stored["target"]))
    response.headers["X-Probability"] = f"{float(stored['probability']):.6g}"
    return response

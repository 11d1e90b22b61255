"""Adversarial strips: an image changed step by step toward a class or a channel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from deepling.errors import NotFoundError
from deepling.server.deps import SessionDep
from deepling.server.encoding import (
    FLOAT32_RESPONSE,
    PNG,
    PNG_RESPONSE,
    Scale,
    float32_response,
    image_png,
)
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut
from deepling.server.strips.job import (
    STRIP,
    frame_tensor,
    load_strip_arrays,
    start_strip,
    strip_out,
)
from deepling.server.strips.schemas import StripOut, StripRequest

router = APIRouter(prefix="/api", tags=["strips"])
Key = Annotated[str, STRIP.key_parameter()]


@router.post("/jobs/strip", **STRIP.job_route())
def start_strip_job(session: SessionDep, request: StripRequest) -> JobOut:
    """Make a strip (a job with one progress report per step, cancellable); the finished job's
    ``result_url`` serves it. A strip made before (same weights, image and parameters) is read
    from the cache."""
    return job_out(start_strip(session, request))


@router.get("/strips/{key}", response_model=StripOut)
def strip(session: SessionDep, key: Key) -> StripOut:
    """The strip's numbers (probabilities, flip frame, norms, target, class names) and the
    addresses of its frames and differences."""
    return strip_out(session, key, load_strip_arrays(session, key))


@router.get("/strips/{key}/frames", response_class=Response, responses=FLOAT32_RESPONSE)
def strip_frames(session: SessionDep, key: Key) -> Response:
    """Frames ``(F, C, H, W)`` in [0, 1] as little-endian float32."""
    return float32_response(frame_tensor(load_strip_arrays(session, key), "frames"))


@router.get("/strips/{key}/diffs", response_class=Response, responses=FLOAT32_RESPONSE)
def strip_diffs(session: SessionDep, key: Key) -> Response:
    """Differences to the original ``(F, C, H, W)`` as little-endian float32."""
    return float32_response(frame_tensor(load_strip_arrays(session, key), "diffs"))


@router.get(
    "/strips/{key}/frames/{frame}.png",
    response_class=Response,
    responses=PNG_RESPONSE,
)
def strip_frame_png(
    session: SessionDep,
    key: Key,
    frame: Annotated[int, Path(ge=0, description="frame index (past the last: 404)")],
    scale: Scale = 1,
) -> Response:
    frames = frame_tensor(load_strip_arrays(session, key), "frames")
    if frame >= len(frames):
        raise NotFoundError(f"frame {frame} is out of range: the strip has {len(frames)}.")
    return Response(image_png(frames[frame], scale), media_type=PNG)

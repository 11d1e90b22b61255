"""Occlusion-sensitivity jobs, cached by image, edits and parameters."""

from __future__ import annotations

import json

import numpy as np

from deepling.analysis.edits import apply_edits
from deepling.analysis.keys import model_data_key
from deepling.analysis.occlusion import occlusion_sensitivity
from deepling.errors import DeeplingError
from deepling.progress import Progress
from deepling.server.images.refs import resolve_image
from deepling.server.jobs.cached import CachedAnalysis
from deepling.server.jobs.manager import Job
from deepling.server.session import Session
from deepling.server.whatif.schemas import OcclusionRequest

OCCLUSION = CachedAnalysis(
    "occlusion", "occlusion map", "api/occlusion/{key}", "POST /api/jobs/occlusion"
)


def occlusion_key(session: Session, request: OcclusionRequest, image_key: str) -> str:
    edits = json.dumps([e.model_dump() for e in request.edits], sort_keys=True)
    parts = (image_key, edits, request.target, request.patch, request.stride)
    return model_data_key(OCCLUSION.kind, session.model, session.dataset, *parts)


def occlusion_check(request: OcclusionRequest, height: int, width: int, classes: int) -> None:
    if request.patch > min(height, width):
        raise DeeplingError(
            f"patch = {request.patch} is larger than the image's smaller side "
            f"({min(height, width)})."
        )
    if request.stride > request.patch:
        raise DeeplingError(
            f"stride = {request.stride} must not exceed patch = "
            f"{request.patch}: some pixels would never be covered."
        )
    if request.target is not None and request.target >= classes:
        raise DeeplingError(
            f"target = {request.target} is not a class: the model has {classes} classes."
        )


def start_occlusion(session: Session, request: OcclusionRequest) -> Job:
    """Queue (or join) the occlusion-sensitivity job; a cached result finishes at once."""
    resolved = resolve_image(session, request.image)
    pixels = apply_edits(resolved.pixels, request.edits)
    height, width = pixels.shape[1:]
    # Validate now (a 400 naming the parameter), not inside the job.
    occlusion_check(request, height, width, len(session.model.classes))
    key = occlusion_key(session, request, resolved.key)

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        result = occlusion_sensitivity(
            session.model, pixels, request.target, request.patch, request.stride, progress=progress
        )
        return {
            "drop": result.drop.numpy(),
            "target": np.array(result.target),
            "probability": np.array(result.probability),
        }

    return OCCLUSION.submit(session, key, compute)

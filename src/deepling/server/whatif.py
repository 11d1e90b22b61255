"""What-if work behind the routes: edit previews (one forward pass), tray additions and
occlusion-sensitivity jobs (cached by image, edits and parameters)."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import torch
from torch import Tensor

from deepling.analysis.edits import apply_edits
from deepling.analysis.keys import model_data_key
from deepling.analysis.occlusion import occlusion_sensitivity
from deepling.errors import DeeplingError, NotFoundError
from deepling.server.encoding import activation_tiles_response, float32_response, image_png
from deepling.server.image_outputs import label_name, top_scores
from deepling.server.image_refs import ImageRef, resolve_image
from deepling.server.jobs import Job
from deepling.server.session import Session
from deepling.server.tray import TrayImage
from deepling.server.whatif_schemas import (
    ActivationsOut,
    EditList,
    OcclusionRequest,
    PreviewOut,
    PreviewRequest,
    TrayEntry,
)
from deepling.tensors import logits_of


def preview(session: Session, request: PreviewRequest) -> PreviewOut:
    """The edited image's probabilities beside the original's, and ``request.node``'s
    activations for the edited image, from one forward pass over both images."""
    model = session.model
    graph = model.graph()
    if request.node is not None:
        graph[request.node]  # a 404 naming the node before any work
    resolved = resolve_image(session, request.image)
    edited = apply_edits(resolved.pixels, request.edits)
    batch = model.check_images(torch.stack([resolved.pixels, edited]))
    acts: Tensor | None = None
    with torch.no_grad():  # the session keeps the model in eval mode
        inputs = model.normalise(batch)
        if request.node is None:
            logits = logits_of(model.module(inputs))
        else:
            found = model.tap(inputs, [request.node, graph.output.name])
            acts, logits = found[request.node][1].cpu(), found[graph.output.name]
            if logits.dim() != 2 or logits.shape[1] != len(model.classes):
                logits = logits_of(model.module(inputs))  # the output node is not the logits
    probabilities = logits.float().cpu().softmax(dim=1)
    return PreviewOut(
        image="data:image/png;base64," + base64.b64encode(image_png(edited)).decode(),
        label=resolved.label,
        label_name=label_name(session, resolved.label),
        top=top_scores(session, probabilities[1], request.top),
        probabilities=[round(float(p), 6) for p in probabilities[1]],
        original=[round(float(p), 6) for p in probabilities[0]],
        activations=None
        if acts is None
        else _activations(request.node or "", acts, request.format),
    )


def _activations(node: str, values: Tensor, format: str) -> ActivationsOut:
    """The activations route's body and headers, packed into JSON."""
    response = float32_response(values) if format == "f32" else activation_tiles_response(values)
    headers = response.headers

    def numbers(name: str) -> list[int] | None:
        return [int(v) for v in headers[name].split(",")] if name in headers else None

    return ActivationsOut(
        node=node,
        format="f32" if format == "f32" else "png",
        shape=numbers("X-Shape") or [],
        min=float(headers["X-Min"]),
        max=float(headers["X-Max"]),
        data=base64.b64encode(bytes(response.body)).decode(),
        grid=numbers("X-Grid"),
        tile=numbers("X-Tile"),
    )


def describe_edits(edits: EditList) -> str:
    return " + ".join(dict.fromkeys(e.op for e in edits)) if edits else "copy"


def add_to_tray(session: Session, ref: ImageRef, edits: EditList, name: str | None) -> TrayImage:
    resolved = resolve_image(session, ref)
    pixels = apply_edits(resolved.pixels, edits)
    # An edit of a tray image keeps the dataset image it came from (for side-by-side views).
    source = ref.index if ref.index is not None else session.tray.get(str(ref.tray)).source
    return session.tray.add(
        pixels, name or f"{resolved.title}, {describe_edits(edits)}", resolved.label, source
    )


def tray_entry(session: Session, image: TrayImage) -> TrayEntry:
    return TrayEntry(
        id=image.id,
        name=image.name,
        label=image.label,
        label_name=label_name(session, image.label),
        created=image.created,
        source=image.source,
    )


def occlusion_key(session: Session, request: OcclusionRequest, image_key: str) -> str:
    edits = json.dumps([e.model_dump() for e in request.edits], sort_keys=True)
    return model_data_key(
        "occlusion",
        session.model,
        session.dataset,
        image_key,
        edits,
        request.target,
        request.patch,
        request.stride,
    )


def start_occlusion(session: Session, request: OcclusionRequest) -> Job:
    """Queue (or join) the occlusion-sensitivity job; a cached result finishes at once."""
    resolved = resolve_image(session, request.image)
    pixels = apply_edits(resolved.pixels, request.edits)
    height, width = pixels.shape[1:]
    # Validate now (a 400 naming the parameter), not inside the job.
    occlusion_check(request, height, width, len(session.model.classes))
    key = occlusion_key(session, request, resolved.key)
    url = f"api/occlusion/{key}"

    def work(job: Job) -> None:
        if session.cache.load("occlusion", key) is None:
            result = occlusion_sensitivity(
                session.model,
                pixels,
                request.target,
                request.patch,
                request.stride,
                progress=job.report,
            )
            session.cache.save(
                "occlusion",
                key,
                {
                    "drop": result.drop.numpy(),
                    "target": np.array(result.target),
                    "probability": np.array(result.probability),
                },
            )
        job.result_url = url

    return session.jobs.submit(
        f"occlusion:{key}",
        work,
        join_active=True,
        ready=lambda: session.cache.path("occlusion", key).is_file(),
    )


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


def load_occlusion(session: Session, key: str) -> dict[str, np.ndarray]:
    stored = session.cache.load("occlusion", key) if re.fullmatch(r"[0-9a-f]{32}", key) else None
    if stored is None:
        raise NotFoundError(
            f"No occlusion map {key!r}.", "Start one with POST /api/jobs/occlusion."
        )
    return stored

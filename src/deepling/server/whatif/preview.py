"""Edit previews: the edited image and what the model says about it, in one forward pass."""

from __future__ import annotations

import base64

import torch
from torch import Tensor

from deepling.analysis.edits import apply_edits
from deepling.server.encoding import activation_tiles_response, float32_response, image_png
from deepling.server.images.outputs import label_name, top_scores
from deepling.server.images.refs import resolve_image
from deepling.server.session import Session
from deepling.server.whatif.schemas import ActivationsOut, PreviewOut, PreviewRequest
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

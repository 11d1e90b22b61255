"""What the model makes of one image, shared by the per-image routes (``/api/image/...``)
and the what-if previews."""

from __future__ import annotations

from typing import Literal

from fastapi import Response
from torch import Tensor

from deepling.server.encoding import activation_tiles_response, float32_response
from deepling.server.images.schemas import ClassScore
from deepling.server.session import ModelSide, Session


def label_name(session: Session, label: int) -> str | None:
    """The name of a true class (the dataset's names, else the model's); None if unlabelled."""
    names = session.dataset.classes or session.model.classes
    return names[label] if 0 <= label < len(names) else None


def top_scores(session: Session, probabilities: Tensor, top: int) -> list[ClassScore]:
    """The ``top`` most probable classes of ``probabilities`` ``(K,)``, highest first."""
    values, classes = probabilities.topk(min(top, probabilities.numel()))
    names = session.model.classes
    return [
        ClassScore(index=int(c), name=names[int(c)], probability=float(v))
        for v, c in zip(values, classes, strict=True)
    ]


def activations_response(
    session: Session,
    pixels: Tensor,
    node: str,
    format: Literal["f32", "png"],
    model: ModelSide = "selected",
) -> Response:
    """``node``'s activations for one model input ``pixels`` ``(C, H, W)`` under the selected
    model or the compared one: raw float32 with ``X-Shape``, or PNG channel tiles on one shared
    scale."""
    chosen = session.model_of(model)
    chosen.graph()[node]  # a 404 naming the node before any work
    values = chosen.activations(pixels[None], [node])[node][0]
    return float32_response(values) if format == "f32" else activation_tiles_response(values)

"""Per-image outputs for any image, dataset or tray (``?index=`` or ``?tray=``), so that every
view can follow a tray image: the image as the model sees it, its predictions, a node's
activations."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from deepling.server.deps import ModelQuery, SessionDep
from deepling.server.encoding import PNG, PNG_OR_FLOAT32, PNG_RESPONSE, Scale, image_png
from deepling.server.images.outputs import activations_response, label_name, top_scores
from deepling.server.images.refs import ImageQuery
from deepling.server.images.schemas import ImagePrediction
from deepling.server.schemas import NODE, fact

router = APIRouter(prefix="/api", tags=["images"])


@router.get("/image/image.png", response_class=Response, responses=PNG_RESPONSE)
def image(image: ImageQuery, scale: Scale = 1) -> Response:
    """The image as the model sees it (fitted to its input)."""
    png = image_png(image.pixels, scale)
    return Response(png, media_type=PNG, headers={"Cache-Control": "max-age=3600"})


@router.get("/image/predictions", response_model=ImagePrediction)
def predictions(
    session: SessionDep, image: ImageQuery, top: Annotated[int, Query(ge=1, le=1000)] = 5
) -> ImagePrediction:
    probabilities = session.model.predict(image.pixels[None])[0]
    return ImagePrediction(
        title=image.title,
        label=image.label,
        label_name=label_name(session, image.label),
        top=top_scores(session, probabilities, top),
    )


@router.get("/image/activations/{node}", response_class=Response, responses=PNG_OR_FLOAT32)
def activations(
    session: SessionDep,
    image: ImageQuery,
    node: Annotated[str, Path(description="graph node", json_schema_extra=fact(NODE))],
    format: Annotated[
        Literal["f32", "png"],
        Query(description="f32: raw little-endian float32; png: channel tiles, shared scale"),
    ] = "f32",
    model: ModelQuery = "selected",
) -> Response:
    """The activations of ``node`` for the image, shape in the ``X-Shape`` header."""
    return activations_response(session, image.pixels, node, format, model)

"""Per-image routes for any image, dataset or tray (``?index=`` or ``?tray=``), so that every
view can follow a tray image. The dataset routes (``/api/dataset/images/{i}/...``) remain."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from deepling.server.deps import SessionDep
from deepling.server.encoding import PNG, image_png
from deepling.server.image_outputs import activations_response, label_name, top_scores
from deepling.server.image_refs import ImageQuery
from deepling.server.whatif_schemas import ImagePrediction

router = APIRouter(tags=["data"])


@router.get("/image/image.png", response_class=Response, responses={200: {"content": {PNG: {}}}})
def image(
    image: ImageQuery,
    scale: Annotated[int, Query(ge=1, le=16, description="enlarge (nearest neighbour)")] = 1,
) -> Response:
    """The image as the model sees it (fitted to its input)."""
    return Response(
        image_png(image.pixels, scale), media_type=PNG, headers={"Cache-Control": "max-age=3600"}
    )


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


@router.get(
    "/image/activations/{node}",
    response_class=Response,
    responses={200: {"content": {PNG: {}, "application/octet-stream": {}}}},
)
def activations(
    session: SessionDep,
    image: ImageQuery,
    node: str,
    format: Annotated[
        Literal["f32", "png"],
        Query(description="f32: raw little-endian float32; png: channel tiles, shared scale"),
    ] = "f32",
) -> Response:
    """The activations of ``node`` for the image, shape in the ``X-Shape`` header."""
    return activations_response(session, image.pixels, node, format)

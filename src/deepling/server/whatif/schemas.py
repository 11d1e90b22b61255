"""Request and response models of the What-if routes: edit previews and occlusion maps."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter

from deepling.analysis.edits import MAX_BRUSH_POINTS, Edit
from deepling.server.images.refs import ImageRef
from deepling.server.images.schemas import ClassScore
from deepling.server.schemas import IMAGE_SIDE, Body, ClassIndex, NodeName, fact, whole_numbers

MAX_EDITS = 256
_EDIT: TypeAdapter[Edit] = TypeAdapter(Edit)


def _strict_edits(value: Any) -> Any:
    """Each edit validated as ``Body`` validates (the edit models are lax: ``false`` would pass
    as a sigma of 0), in JSON mode, where an array is a tuple as the schema says."""
    if not isinstance(value, list):
        return value
    return [
        _EDIT.validate_json(json.dumps(whole_numbers(v)), strict=True) if isinstance(v, dict) else v
        for v in value
    ]


EditList = Annotated[list[Edit], BeforeValidator(_strict_edits)]
ImageSide = Annotated[int, Field(ge=1, le=512, json_schema_extra=fact(IMAGE_SIDE))]


class PreviewRequest(Body):
    image: ImageRef
    edits: EditList = Field(
        default_factory=list,
        max_length=MAX_EDITS,
        description=f"applied in order (at most {MAX_EDITS}; a brush "
        f"stroke takes at most {MAX_BRUSH_POINTS} points)",
    )
    node: NodeName | None = Field(None, description="also return this node's activations")
    format: Literal["f32", "png"] = Field(
        "f32", description="activations as raw float32 or a PNG atlas of channel tiles"
    )
    top: int = Field(5, ge=1, le=1000, description="how many top classes to list")


class ActivationsOut(BaseModel):
    """One node's activations for the edited image, as the activations routes send them:
    ``data`` is the route's body in base64 (little-endian float32, or a PNG atlas laid out by
    ``grid`` = cols,rows and ``tile`` = height,width)."""

    node: str
    format: Literal["f32", "png"]
    shape: list[int]
    min: float
    max: float
    data: str
    grid: list[int] | None = None
    tile: list[int] | None = None


class PreviewOut(BaseModel):
    """The edited image and what the model says about it, beside the original."""

    image: str = Field(description="the edited image at the model's input, a PNG data URL")
    label: int
    label_name: str | None
    top: list[ClassScore]
    probabilities: list[float] = Field(description="every class's probability, edited image")
    original: list[float] = Field(description="every class's probability, unedited image")
    activations: ActivationsOut | None = None


class OcclusionRequest(Body):
    image: ImageRef
    edits: EditList = Field(
        default_factory=list,
        max_length=MAX_EDITS,
        description="edits applied before occluding (the editor's image)",
    )
    target: ClassIndex | None = Field(None, description="class; default: the predicted one")
    patch: ImageSide = Field(8, description="patch side in pixels (at most the image's side)")
    stride: ImageSide = Field(4, description="step between patch positions (at most `patch`)")

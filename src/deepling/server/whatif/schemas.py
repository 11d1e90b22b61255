"""Request and response models of the What-if routes: edit previews and occlusion maps."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from deepling.analysis.edits import MAX_BRUSH_POINTS, Edit
from deepling.server.images.refs import ImageRef
from deepling.server.images.schemas import ClassScore

MAX_EDITS = 256
EditList = list[Edit]


class PreviewRequest(BaseModel):
    image: ImageRef
    edits: EditList = Field(
        default_factory=list,
        max_length=MAX_EDITS,
        description=f"applied in order (at most {MAX_EDITS}; a brush "
        f"stroke takes at most {MAX_BRUSH_POINTS} points)",
    )
    node: str | None = Field(
        None, max_length=512, description="also return this node's activations"
    )
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


class OcclusionRequest(BaseModel):
    image: ImageRef
    edits: EditList = Field(
        default_factory=list,
        max_length=MAX_EDITS,
        description="edits applied before occluding (the editor's image)",
    )
    target: int | None = Field(None, ge=0, description="class; default: the predicted one")
    patch: int = Field(8, ge=1, le=512, description="patch side in pixels")
    stride: int = Field(4, ge=1, le=512, description="step between patch positions (<= patch)")

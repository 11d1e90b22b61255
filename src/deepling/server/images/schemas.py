"""What the model says about one image."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ClassScore(BaseModel):
    index: int
    name: str
    probability: float = Field(ge=0, le=1)


class ImagePrediction(BaseModel):
    """Top classes of any image (dataset or tray)."""

    title: str
    label: int = Field(description="the true class, -1 if unknown")
    label_name: str | None
    top: list[ClassScore]

"""Evaluation results over HTTP."""

from __future__ import annotations

from pydantic import BaseModel, Field


class EvaluationSummary(BaseModel):
    images: int
    labelled: int
    unreadable: int = Field(description="images that could not be read: in no score")
    accuracy: float | None
    mean_loss: float | None
    classes: list[str]
    confusion: list[list[int]]
    precision: list[float | None]
    recall: list[float | None]
    support: list[int]


class EvaluationImages(BaseModel):
    """Per image, in dataset order."""

    predictions: list[int] = Field(description="-1 where the image could not be read")
    confidence: list[float | None]
    loss: list[float | None]

"""Evaluation results over HTTP."""

from __future__ import annotations

from pydantic import BaseModel


class EvaluationSummary(BaseModel):
    images: int
    labelled: int
    accuracy: float | None
    mean_loss: float | None
    classes: list[str]
    confusion: list[list[int]]
    precision: list[float | None]
    recall: list[float | None]
    support: list[int]


class EvaluationImages(BaseModel):
    """Per image, in dataset order."""

    predictions: list[int]
    confidence: list[float]
    loss: list[float | None]

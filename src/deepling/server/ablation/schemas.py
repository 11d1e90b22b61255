"""Request and response models of the ablation routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class AblationIn(BaseModel):
    """Hold ``channels`` of ``node`` constant: at 0 (``zero``) or at each channel's dataset
    mean (``mean``; needs the node's channel statistics)."""

    node: str = Field(max_length=256)
    channels: list[int] = Field(min_length=1, max_length=65536)
    mode: Literal["zero", "mean"] = "zero"


class AblationSetIn(BaseModel):
    """A named set: its own ablations plus those of the named sets in ``combine``."""

    ablations: list[AblationIn] = Field(default_factory=list, max_length=256)
    combine: list[str] = Field(default_factory=list, max_length=64)


class AblationOut(BaseModel):
    node: str
    channels: list[int]
    mode: str
    values: list[float]


class AblationSetOut(BaseModel):
    name: str
    ablations: list[AblationOut]
    channels: int = Field(description="channels switched off, over all nodes")


class AblatedPrediction(BaseModel):
    """Class probabilities of one image without (``before``) and with (``after``) the set."""

    name: str
    label: int
    title: str
    before: list[float]
    after: list[float]


class ChangedImages(BaseModel):
    indices: list[int]
    labels: list[int]
    before: list[int]
    after: list[int]


class AblationEffectOut(BaseModel):
    """Per-class accuracy (recall; None where a class has no images) before and after."""

    ablations: list[AblationOut]
    classes: list[str]
    support: list[int]
    images: int
    accuracy_before: float | None
    accuracy_after: float | None
    recall_before: list[float | None]
    recall_after: list[float | None]
    changed: ChangedImages

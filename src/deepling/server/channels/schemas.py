"""Channel statistics and top-activating images over HTTP."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ChannelStatsOut(BaseModel):
    node: str
    images: int
    mean: list[float]
    dead_fraction: list[float]


class TopActivationsOut(BaseModel):
    node: str
    channel: int
    reduce: Literal["mean", "max"]
    images: int = Field(description="how many dataset images were ranked")
    indices: list[int] = Field(description="best first")
    scores: list[float]
    labels: list[int] = Field(description="true class of each, -1 where unlabelled")
    # The dataset's maximum would leave mean-ranked images almost black.
    overlay_max: float = Field(description="the highest activation anywhere in these k images")

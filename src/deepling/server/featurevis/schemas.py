"""Feature-visualisation requests."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_STEPS = 2048
NodeName = Field(max_length=200, description="graph node; 'output' for class logits")


class FeatureVisRequest(BaseModel):
    node: str = NodeName
    channel: int = Field(ge=0, description="channel of the node (a class at the output)")
    steps: int = Field(default=256, ge=1, le=MAX_STEPS, description="optimisation steps")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class AtlasRequest(BaseModel):
    node: str = NodeName
    steps: int = Field(default=256, ge=1, le=MAX_STEPS, description="optimisation steps")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)

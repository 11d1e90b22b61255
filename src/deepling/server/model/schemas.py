"""The model and its graph over HTTP."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ModelInfo(BaseModel):
    name: str
    # A list, not a tuple: tuple schemas (prefixItems) trip some OpenAPI tools.
    input_shape: list[int] = Field(min_length=3, max_length=3, description="C, H, W")
    classes: list[str]
    mean: list[float]
    std: list[float]
    parameters: int
    device: str


class NodeOut(BaseModel):
    name: str
    op: str
    shape: list[int]
    inputs: list[str]
    params: int
    module_path: str
    target: str


class GraphOut(BaseModel):
    approximate: bool
    reason: str
    nodes: list[NodeOut]

"""Request and response models of the attribution routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from deepling.server.images.refs import ImageRef


class AttributionMethodOut(BaseModel):
    name: str
    title: str
    signed: bool = Field(description="the map has both signs (positive: evidence for the target)")
    fast: bool = Field(description="computed within the request; others run as jobs")
    takes_node: bool = Field(description="explains at a graph node (`node` parameter)")
    description: str


class AttributionMethods(BaseModel):
    methods: list[AttributionMethodOut]
    nodes: list[str] = Field(description="nodes with a (C, H, W) output, for Grad-CAM")
    default_node: str | None = Field(description="Grad-CAM's default: the last convolution")


class AttributionJobRequest(BaseModel):
    image: ImageRef
    method: str = Field(max_length=64)
    target: int | None = Field(default=None, description="class index; default: the predicted")
    node: str | None = Field(default=None, max_length=256, description="Grad-CAM's node")

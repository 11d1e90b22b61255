"""Request and response models of the attribution routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from deepling.analysis.attribution import METHODS
from deepling.server.images.refs import ImageRef
from deepling.server.schemas import CHECKED_NON_NEGATIVE, CLASS, Body, fact

# Any other name is a 400 naming the methods.
MethodName = Annotated[
    str,
    Field(max_length=64, description="attribution method", json_schema_extra={"enum": [*METHODS]}),
]
# Given to a method that takes no node, the node is ignored; to Grad-CAM, it must be a (C, H, W)
# node after the input (see AttributionMethods.nodes), so no enum can say which names are valid.
CamNode = Annotated[str, Field(max_length=256, description="Grad-CAM's node")]
Target = Annotated[
    int, Field(description="class index", json_schema_extra=CHECKED_NON_NEGATIVE | fact(CLASS))
]


class AttributionMethodOut(BaseModel):
    name: MethodName
    title: str
    signed: bool = Field(description="the map has both signs (positive: evidence for the target)")
    fast: bool = Field(description="computed within the request; others run as jobs")
    takes_node: bool = Field(description="explains at a graph node (`node` parameter)")
    description: str


class AttributionMethods(BaseModel):
    methods: list[AttributionMethodOut]
    nodes: list[str] = Field(description="nodes with a (C, H, W) output, for Grad-CAM")
    default_node: str | None = Field(description="Grad-CAM's default: the last convolution")


class AttributionJobRequest(Body):
    image: ImageRef
    method: MethodName
    target: Target | None = Field(default=None, description="class index; default: the predicted")
    node: CamNode | None = None

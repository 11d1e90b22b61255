"""Request and response models of the checkpoint and comparison routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from deepling.server.projection.schemas import MAX_REQUESTED, ProjectionIndex
from deepling.server.schemas import CHECKPOINT, PROJECTED_IMAGES, Body, NodeName, fact


class CheckpointsOut(BaseModel):
    """The models served. ``checkpoints``: the series' names in training order (one name: a
    lone model); ``selected``: the one every view shows; ``compare``: the model compared with
    (a checkpoint, ``compare_checkpoint``, or the ``external`` model given with --compare)."""

    checkpoints: list[str]
    series: bool = Field(description="whether the server serves a series of checkpoints")
    selected: int
    model: str = Field(description="the selected model's name")
    compare: str | None = Field(description="the compared model's name, if any")
    compare_checkpoint: int | None
    external: str | None = Field(description="the second model given with --compare, if any")


class SelectCheckpoint(Body):
    checkpoint: Annotated[
        int, Field(ge=0, description="position in the series", json_schema_extra=fact(CHECKPOINT))
    ]


class CompareRequest(Body):
    """Compare with checkpoint ``checkpoint`` of the series, with the ``external`` model, or
    (neither) with nothing."""

    checkpoint: Annotated[int, Field(ge=0, json_schema_extra=fact(CHECKPOINT))] | None = None
    external: bool = False


class HistoryOut(BaseModel):
    """Per checkpoint, in order: accuracy and mean loss over the labelled images."""

    key: str
    names: list[str]
    accuracy: list[float | None]
    loss: list[float | None]


# Layers of one layers x checkpoints grid: a ResNet-50's default projection layers fit.
MAX_GRID_LAYERS = 64


class CheckpointProjectionRequest(Body):
    """Layers over the checkpoints: one layer, or several as the layers x checkpoints grid,
    whose frame ``l * T + t`` is ``nodes[l]`` under checkpoint ``t``."""

    nodes: list[NodeName] = Field(
        min_length=1,
        max_length=MAX_GRID_LAYERS,
        description="the layers, in the order of the grid's rows, each once",
        json_schema_extra={"uniqueItems": True},
    )
    indices: list[ProjectionIndex] | None = Field(
        None,
        min_length=1,
        max_length=MAX_REQUESTED,
        description="dataset indices of the images to project (default: every image)",
        json_schema_extra=fact(PROJECTED_IMAGES),
    )
    pivots: int = Field(50, ge=2, le=500, description="PivotMDS pivots per checkpoint")


class ComparisonOut(BaseModel):
    """A (the selected model) against B (the compared one) on the dataset: the confusion matrix
    of A minus B (rows the true class), each class's accuracy under both, and the images whose
    prediction changed from B to A: ``fixed`` (wrong under B, right under A), ``broken`` (right
    under B, wrong under A), ``changed`` (another predicted class, right or wrong)."""

    key: str
    a: str
    b: str
    classes: list[str]
    confusion: list[list[int]]
    recall_a: list[float | None]
    recall_b: list[float | None]
    accuracy_a: float | None
    accuracy_b: float | None
    fixed: list[int]
    broken: list[int]
    changed: list[int]


class CKARequest(Body):
    indices: list[ProjectionIndex] | None = Field(
        None,
        min_length=4,
        max_length=MAX_REQUESTED,
        description="dataset indices of the images (default: up to 2,000 spread over the dataset)",
        json_schema_extra=fact(PROJECTED_IMAGES),
    )


class CKAOut(BaseModel):
    """Linear CKA (minibatch, unbiased HSIC) between every layer of A (rows) and of B."""

    key: str
    a: str
    b: str
    nodes_a: list[str]
    nodes_b: list[str]
    values: list[list[float | None]]
    images: int


class LayerChangeOut(BaseModel):
    node: str
    module_path: str
    params: int
    relative: float = Field(description="‖θ_B − θ_A‖ / ‖θ_A‖ over the node's own parameters")
    absolute: float


class WeightChangeOut(BaseModel):
    a: str
    b: str
    layers: list[LayerChangeOut]

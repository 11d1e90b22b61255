"""Projection requests and results over HTTP."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from deepling.server.schemas import (
    CHECKED_NON_NEGATIVE,
    DATASET_INDEX,
    PROJECTED_IMAGES,
    Body,
    NodeName,
    fact,
)

# Checked by the job's _check (a 400 naming the bad entry, negative or past the dataset's end).
ProjectionIndex = Annotated[
    int, Field(json_schema_extra=CHECKED_NON_NEGATIVE | fact(DATASET_INDEX))
]


# A bound on the request's size alone (a list of 5 M indices is 40 MB of JSON); the result's
# bound is the job's.
MAX_REQUESTED = 5_000_000


class ProjectionRequest(Body):
    indices: list[ProjectionIndex] | None = Field(
        None,
        min_length=1,
        max_length=MAX_REQUESTED,
        description="dataset indices of the images to project (default: every image); the "
        "result, images x layers x 2 floats, is bounded (a 400 says by how much)",
        json_schema_extra=fact(PROJECTED_IMAGES),
    )
    nodes: list[NodeName] | None = Field(
        None, min_length=1, max_length=1000, description="layers (node names); default: every layer"
    )
    pivots: int = Field(50, ge=2, le=500, description="PivotMDS pivots per layer")
    tray: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list,
        max_length=32,
        description="tray image ids, projected after the dataset images in this order",
    )


class ProjectionLayers(BaseModel):
    all: list[str]
    conv_pool: list[str]


class ProjectionScores(BaseModel):
    """How well the projected dataset images' true classes separate at each layer, one value per
    layer in ``nodes`` order; null where fewer than two classes were scored."""

    nodes: list[str]
    knn_layout: list[float | None] = Field(
        description="leave-one-out kNN accuracy of the 2-D layout, on layout_points images"
    )
    knn_full: list[float | None] = Field(
        description="leave-one-out kNN accuracy of the full activations, on full_points images"
    )
    silhouette: list[float | None] = Field(description="silhouette of the 2-D layout, in [-1, 1]")
    neighbours: int = Field(description="k of the kNN vote (Euclidean, uniform weights)")
    layout_points: int
    full_points: int
    chance: float | None = Field(description="share of the most common class: a kNN baseline")

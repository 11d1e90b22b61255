"""Response models: the API's contract, published in /openapi.json."""

from __future__ import annotations

from typing import Annotated, Literal

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


class DatasetInfo(BaseModel):
    name: str
    size: int
    classes: list[str]
    labelled: bool
    class_counts: list[int]
    skipped_files: int
    evaluated: bool


class ImageEntry(BaseModel):
    index: int
    label: int


class ImagePage(BaseModel):
    total: int
    offset: int
    images: list[ImageEntry]


class ClassScore(BaseModel):
    index: int
    name: str
    probability: float


class Prediction(BaseModel):
    index: int
    label: int
    label_name: str | None
    top: list[ClassScore]


class JobOut(BaseModel):
    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    done: int
    total: int
    progress: float
    error: str | None
    result_url: str | None = None


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


class ChannelStatsOut(BaseModel):
    node: str
    images: int
    mean: list[float]
    dead_fraction: list[float]


class ProjectionRequest(BaseModel):
    indices: list[int] = Field(
        min_length=1, max_length=20_000, description="dataset indices of the images to project"
    )
    nodes: list[str] | None = Field(
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


class ErrorOut(BaseModel):
    detail: str

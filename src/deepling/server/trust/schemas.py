"""Request and response models of the trust routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from deepling.analysis.attribution import METHODS
from deepling.analysis.trust_faithfulness import METRICS
from deepling.analysis.trust_methods import CONTROLS
from deepling.server.attribution.schemas import CamNode, Target
from deepling.server.images.refs import ImageRef
from deepling.server.schemas import Body

MAX_TABLE_IMAGES = 1000

# An attribution method or a model-free control (any other name is a 400 naming them).
ExplainerName = Annotated[
    str,
    Field(
        max_length=64,
        description="attribution method or control (random, edges)",
        json_schema_extra={"enum": [*METHODS, *CONTROLS]},
    ),
]
MetricName = Literal["deletion", "insertion", "road_morf", "road_lerf", "max_sensitivity"]
assert set(MetricName.__args__) == set(METRICS)  # type: ignore[attr-defined]


class ImageCheckRequest(Body):
    """One image's check of one method, for ``target`` (default: the predicted class)."""

    image: ImageRef
    method: ExplainerName
    target: Target | None = Field(default=None, description="class index; default: predicted")
    node: CamNode | None = Field(default=None, description="Grad-CAM's node; default: last conv")


class RandomizationRequest(ImageCheckRequest):
    order: Literal["cascading", "independent"] = "cascading"


class RandomizationOut(BaseModel):
    """``layers[i]`` was randomised at step ``i`` (logits first); ``spearman[i]`` and
    ``ssim[i]`` compare the map after that step with the original. ``maps_url`` serves the
    maps ``(S + 1, H, W)`` as float32, the original first."""

    key: str
    method: str
    target: int
    node: str | None
    order: Literal["cascading", "independent"]
    layers: list[str]
    spearman: list[float]
    ssim: list[float]
    threshold: float
    final_similarity: float
    passed: bool = Field(description="|rank correlation| after the last step below threshold")
    defined: bool = Field(description="false for a constant original map: nothing to compare")
    signed: bool
    maps_url: str


class CurveOut(BaseModel):
    fractions: list[float]
    probabilities: list[float] = Field(description="the target's probability at each fraction")
    area: float
    lower_is_faithful: bool


class FaithfulnessOut(BaseModel):
    key: str
    method: str
    target: int
    node: str | None
    curves: dict[str, CurveOut]
    max_sensitivity: float = Field(description="largest relative map change under small noise")


class TableRequest(Body):
    """Every method (and the controls) measured on ``images`` images of a seeded sample of the
    dataset, each explained for its predicted class."""

    images: int = Field(default=100, ge=2, le=MAX_TABLE_IMAGES)
    methods: list[ExplainerName] | None = Field(
        default=None, max_length=16, description="default: every method and control"
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class TableRowOut(BaseModel):
    method: str
    title: str
    control: bool = Field(description="a model-free reference, not an attribution method")
    scores: dict[str, float] = Field(description="each metric averaged over the images")
    spread: dict[str, float] = Field(description="each metric's standard deviation")
    randomization: float = Field(description="mean |rank correlation| after full randomisation")
    passes_randomization: bool
    rank: float = Field(description="mean of the method's ranks over the four removal curves")


class TableOut(BaseModel):
    """Rows sorted by ``rank`` (1 = most faithful on every curve)."""

    key: str
    images: int
    randomization_images: int
    indices: list[int] = Field(description="the dataset images measured")
    metrics: list[str]
    lower_is_better: dict[str, bool]
    rows: list[TableRowOut]
    csv_url: str


class FeatureVisCheckOut(BaseModel):
    """Per layer up to ``node``: Spearman correlation of channel means between the
    visualisation and the top images, among the top images, and between top and random
    images; ``score`` as in ``deepling.analysis.featurevis_check``."""

    key: str
    node: str
    channel: int
    verdict: Literal["follows", "partly", "diverges", "inconclusive"]
    sentence: str
    mean_score: float
    layers: list[str]
    visualisation: list[float]
    top: list[float]
    reference: list[float]
    score: list[float]
    top_images: list[int]

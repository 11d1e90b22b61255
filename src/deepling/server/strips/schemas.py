"""Request and response models of the adversarial-strip routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from deepling.analysis.strips import SAMPLES, UNTIL, VISIBLE
from deepling.server.images.refs import ImageRef
from deepling.server.schemas import CHANNEL, CLASS, STRIP_CHANNEL, Body, NodeName, by_node, fact


class StripRequest(Body):
    """A strip of ``image`` toward a class (``target``; None: the predicted class of a
    misclassified image, else the runner-up) or, with ``node``, toward channel ``target`` of
    that node. ``mode`` "robust" (the default): a change that survives small random moves and
    is large enough to be seen; "minimal": the smallest change that flips the prediction."""

    # With a node the target is one of its channels (required); without, a class.
    model_config = ConfigDict(
        json_schema_extra=by_node("node", "target", STRIP_CHANNEL, without_node=CLASS)
    )

    image: ImageRef
    target: Annotated[int, Field(ge=0, json_schema_extra=fact(CHANNEL))] | None = Field(
        default=None, description="class, or channel of `node`"
    )
    node: NodeName | None = None
    mode: Literal["robust", "minimal"] = "robust"
    frames: int = Field(default=8, ge=2, le=32)
    steps: int | None = Field(
        default=None, ge=1, le=512, description="None: 256 robust, 64 minimal"
    )
    norm: Literal["linf", "l2"] = "linf"
    budget: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        description="largest change (norm); None: 1 robust, 0.5 minimal",
    )
    smoothing: float | None = Field(default=None, ge=0, le=64, description="blur sigma, px")
    until: float | None = Field(default=UNTIL, gt=0, le=1)
    samples: int = Field(default=SAMPLES, ge=1, le=64, description="transforms per step (robust)")
    visible: float = Field(
        default=VISIBLE, ge=0, lt=1, description="RMS pixel change before a robust strip stops"
    )


class StripTargetOut(BaseModel):
    kind: Literal["class", "channel"]
    index: int
    node: str | None
    name: str


class StripOut(BaseModel):
    """A finished strip. ``frames_url``/``diffs_url`` serve ``(F, C, H, W)`` little-endian
    float32 (shape in ``X-Shape``); ``frame_png_urls`` each frame as PNG. ``probs`` ``(F, K)``
    the plain model's; ``robust_probs`` ``(F, K)`` averaged over ``robustness_samples`` random
    transforms the optimisation never saw; ``averaged_probs`` over the path's own transforms
    (robust mode only); ``robustness`` the target's robust probability at the last frame (a
    channel: the share of its activation gain kept under the transforms). ``norms`` (L2),
    ``max_change`` (L-infinity) and ``mean_change`` (mean absolute) per frame; ``steps`` the
    step each frame was reached at; frames are spaced evenly in L2 norm along the path."""

    key: str
    title: str
    label: int | None = Field(description="the image's true class, if known")
    target: StripTargetOut
    flip_frame: int | None
    frames: int
    shape: list[int]
    classes: list[str]
    probs: list[list[float]]
    predictions: list[int]
    scores: list[float]
    norms: list[float]
    max_change: list[float]
    mean_change: list[float]
    steps: list[int]
    mode: Literal["robust", "minimal"]
    robust_probs: list[list[float]]
    averaged_probs: list[list[float]] | None
    robustness: float
    robustness_samples: int
    transforms: str = Field(description="the random moves robustness is measured under, in words")
    reference: str | None = Field(
        default=None, description="the compared model the frames were also shown to, if any"
    )
    transfer_probs: list[list[float]] | None = Field(
        default=None, description="(F, K): the compared model's probabilities of each frame"
    )
    transfer: float | None = Field(
        default=None, description="the compared model's probability of the target, last frame"
    )
    norm: Literal["linf", "l2"]
    budget: float
    spacing: str
    frames_url: str
    diffs_url: str
    frame_png_urls: list[str]

"""Request and response models of the ablation routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from deepling.server.schemas import (
    ABLATION_CHANNEL,
    ABLATION_NODE,
    CHANNEL,
    CHECKED_NON_NEGATIVE,
    Body,
    by_node,
    fact,
    served_only,
)

SET_NAME = r"^[\w .+-]{1,64}$"
Channel = Annotated[int, Field(json_schema_extra=CHECKED_NON_NEGATIVE | fact(CHANNEL))]


class AblationIn(Body):
    """Hold ``channels`` of ``node`` constant: at 0 (``zero``) or at each channel's dataset
    mean (``mean``; needs the node's channel statistics)."""

    model_config = ConfigDict(json_schema_extra=by_node("node", "channels", ABLATION_CHANNEL))

    node: str = Field(
        min_length=1,
        max_length=256,
        description="a graph node with channels",
        json_schema_extra=fact(ABLATION_NODE),
    )
    channels: list[Channel] = Field(min_length=1, max_length=65536)
    mode: Literal["zero", "mean"] = "zero"


class AblationSetIn(Body):
    """A named set: its own ablations plus those of the named sets in ``combine`` (at least
    one of the two, or the set would ablate nothing: a 400)."""

    # Served only: as an anyOf of two objects, the generated TypeScript type would be untyped.
    model_config = ConfigDict(
        json_schema_extra=served_only(
            anyOf=[
                {"required": ["ablations"], "properties": {"ablations": {"minItems": 1}}},
                {"required": ["combine"], "properties": {"combine": {"minItems": 1}}},
            ]
        )
    )

    ablations: list[AblationIn] = Field(default_factory=list, max_length=256)
    combine: list[str] = Field(default_factory=list, max_length=64, description="sets to add")


class AblationOut(BaseModel):
    node: str
    channels: list[int]
    mode: str
    values: list[float]


class AblationSetOut(BaseModel):
    name: str
    ablations: list[AblationOut]
    channels: int = Field(description="channels switched off, over all nodes")


class AblatedPrediction(BaseModel):
    """Class probabilities of one image without (``before``) and with (``after``) the set."""

    name: str
    label: int
    title: str
    before: list[float]
    after: list[float]


class ChangedImages(BaseModel):
    indices: list[int]
    labels: list[int]
    before: list[int]
    after: list[int]


class AblationEffectOut(BaseModel):
    """Per-class accuracy (recall; None where a class has no images) before and after."""

    ablations: list[AblationOut]
    classes: list[str]
    support: list[int]
    images: int
    accuracy_before: float | None
    accuracy_after: float | None
    recall_before: list[float | None]
    recall_after: list[float | None]
    changed: ChangedImages

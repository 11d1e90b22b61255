"""Feature-visualisation requests."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from deepling.server.schemas import (
    ATLAS_STEPS,
    CHANNEL,
    FEATUREVIS_CHANNEL,
    FEATUREVIS_NODE,
    Body,
    by_node,
    fact,
)

MAX_STEPS = 2048
NodeName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=256,
        description="graph node (not the input); 'output' for class logits",
        json_schema_extra=fact(FEATUREVIS_NODE),
    ),
]


class FeatureVisRequest(Body):
    model_config = ConfigDict(json_schema_extra=by_node("node", "channel", FEATUREVIS_CHANNEL))

    node: NodeName
    channel: int = Field(
        ge=0,
        description="channel of the node (a class at the output)",
        json_schema_extra=fact(CHANNEL),
    )
    steps: int = Field(default=256, ge=1, le=MAX_STEPS, description="optimisation steps")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class AtlasRequest(Body):
    """Every channel of ``node``, each optimised ``steps`` times: a node with more channels
    allows fewer steps (the served schema gives each node's bound)."""

    model_config = ConfigDict(json_schema_extra=by_node("node", "steps", ATLAS_STEPS))

    node: NodeName
    steps: int = Field(default=256, ge=1, le=MAX_STEPS, description="optimisation steps")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)

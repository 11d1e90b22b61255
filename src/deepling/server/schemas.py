"""What every request schema shares: JSON bodies validated by the types their schemas state
(``Body``), and schema facts: constraints that depend on the served model and dataset (node
names, how many images, classes and channels) marked in the shared schemas, and declared by the
served ``/openapi.json`` alone.

A field or parameter that names such a thing carries a mark (``x-fact``: its kind); an object
with a field whose bound depends on the node in another field (a channel of that node, say)
carries an ``x-by-node`` mark; a constraint the TypeScript generator would render as a looser
type carries an ``x-served`` mark (the served document states it). The session-free
document (``openapi_document()``, from which the front end's types are generated) drops the
marks; a served app replaces them with its session's facts (``declare_facts``), so the schema a
client reads states every constraint the server enforces, and fuzzers generate valid requests.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


def whole_numbers(value: Any) -> Any:
    """``value`` (parsed JSON) with every float that is a whole number made an int: JSON Schema
    reads 19.0 as the integer 19, and strict validation takes it only as an int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    return value


class Body(BaseModel):
    """A JSON request body, validated as its schema reads: a number field takes a JSON number
    (not ``false`` or ``"3"``, which pydantic's lax mode would turn into 0 and 3), a string field
    a string, a whole number such as 19.0 is an integer."""

    model_config = ConfigDict(strict=True)

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        return whole_numbers(data)


FACT = "x-fact"
BY_NODE = "x-by-node"
SERVED = "x-served"

# The kinds of fact a mark names (the session's values: ``Facts``).
NODE = "node"  # any graph node
FEATUREVIS_NODE = "featurevis-node"  # a node with channels to visualise (or "output")
ABLATION_NODE = "ablation-node"  # a node with channels to switch off
DATASET_INDEX = "dataset-index"
CLASS = "class"
CHANNEL = "channel"  # a channel of some node (its own node's count: ``x-channels-of``)
SPRITE_SHEET = "sprite-sheet"
IMAGE_SIDE = "image-side"  # at most the model input's shorter side, in pixels
PROJECTED_IMAGES = "projected-images"  # how many images one projection holds
CHECKPOINT = "checkpoint"  # a position in the series of checkpoints served
# Kinds of bound by node (the session's values: node -> the field's maximum).
STRIP_CHANNEL = "strip-channel"
FEATUREVIS_CHANNEL = "featurevis-channel"
ATLAS_STEPS = "atlas-steps"
ABLATION_CHANNEL = "ablation-channel"


def served_only(**keywords: Any) -> dict[str, Any]:
    """The mark of a schema with ``keywords`` that only the served document states: true of
    every session, but rendered by the TypeScript generator as a looser type than without."""
    return {SERVED: keywords}


def fact(kind: str) -> dict[str, Any]:
    """The mark of a field or parameter naming a ``kind`` of thing (its ``json_schema_extra``)."""
    return {FACT: kind}


def by_node(
    node: str, bounded: str, kind: str, *, without_node: str | None = None
) -> dict[str, Any]:
    """The mark of an object whose ``bounded`` field (or its items) has a maximum that depends
    on the node in its ``node`` field: ``kind`` names the bounds (node -> maximum; the nodes it
    lists are the only ones allowed); ``without_node``: the fact that bounds the field when no
    node is given (e.g. ``CLASS``), None when the node is required."""
    return {BY_NODE: {"node": node, "bounded": bounded, "kind": kind, "else": without_node}}


# A lower bound the server checks itself, answering 400 with its own message naming the value:
# stated by the schema alone (a pydantic bound would answer 422 before that check).
CHECKED_NON_NEGATIVE = {"minimum": 0}

NodeName = Annotated[str, Field(min_length=1, max_length=256, json_schema_extra=fact(NODE))]
DatasetIndex = Annotated[
    int, Field(ge=0, description="dataset image index", json_schema_extra=fact(DATASET_INDEX))
]
ClassIndex = Annotated[int, Field(ge=0, description="class index", json_schema_extra=fact(CLASS))]


@dataclass(frozen=True)
class Facts:
    """A session's values for the marks. ``values``: kind -> JSON-schema keywords (bounds are
    tightened, never loosened); ``by_node``: kind -> node -> the bounded field's maximum."""

    values: Mapping[str, Mapping[str, Any]]
    by_node: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


_TIGHTER = {"maximum": min, "maxItems": min, "maxLength": min, "minimum": max, "minItems": max}


def declare_facts(document: dict[str, Any], facts: Facts | None) -> None:
    """Replace every mark in ``document`` by ``facts`` (in place); without facts, drop them."""
    for schema in list(_schemas(document)):
        keywords = schema.pop(SERVED, None)
        if keywords is not None and facts is not None:
            schema.update(keywords)
        mark = schema.pop(BY_NODE, None)
        if mark is not None and facts is not None:
            _by_node(schema, mark, facts)
    for schema in _schemas(document):
        kind = schema.pop(FACT, None)
        if kind is not None and facts is not None:
            _apply(schema, facts.values.get(kind, {}))


def _schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in ``node``, depth first, parents before their children."""
    if isinstance(node, dict):
        yield node
        for value in list(node.values()):
            yield from _schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def _apply(schema: dict[str, Any], keywords: Mapping[str, Any]) -> None:
    """``keywords`` added to ``schema``, or to each non-null branch of a nullable one."""
    branches = schema.get("anyOf")
    if isinstance(branches, list):
        for branch in branches:
            if branch.get("type") != "null":
                _apply(branch, keywords)
        return
    for name, value in keywords.items():
        tighter = _TIGHTER.get(name)
        schema[name] = tighter(schema[name], value) if tighter and name in schema else value


def _by_node(schema: dict[str, Any], mark: Mapping[str, Any], facts: Facts) -> None:
    """``schema`` (an object) as one branch per node, each with that node's maximum for the
    bounded field; plus a branch without the node when the field then means something else."""
    node_field, bounded = mark["node"], mark["bounded"]
    base = copy.deepcopy(schema)
    branches = []
    for node, maximum in facts.by_node.get(mark["kind"], {}).items():
        branch = copy.deepcopy(base)
        properties = branch["properties"]
        properties[node_field] = {"const": node}
        required = {*branch.get("required", []), node_field}
        value = properties[bounded]
        if value.get("type") == "array":
            value = value["items"]
        elif "anyOf" in value:  # null means none given: with a node, one must be given
            value = properties[bounded] = _not_null(value)
            required.add(bounded)
        _unmark(value)
        _apply(value, {"maximum": maximum})
        branch["required"] = sorted(required)
        branches.append(branch)
    without_node = mark.get("else")
    if without_node is not None:
        branch = copy.deepcopy(base)
        branch["properties"][node_field] = {"type": "null"}
        value = branch["properties"][bounded]
        _unmark(value)
        _apply(value, facts.values.get(without_node, {}))
        branches.append(branch)
    if not branches:
        return  # no node allowed and none optional: nothing the schema could say
    # Each branch is a whole object schema: the node's value says which one applies.
    schema.clear()
    schema["anyOf"] = branches


def _unmark(schema: dict[str, Any]) -> None:
    for inner in _schemas(schema):
        inner.pop(FACT, None)


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A nullable schema's non-null branch, with the outer keywords but not the null default."""
    branches = schema.get("anyOf")
    if not isinstance(branches, list):
        return schema
    (value,) = (b for b in branches if b.get("type") != "null")
    outer = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**outer, **value}

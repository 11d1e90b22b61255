"""Jobs behind the channel views: feature visualisation, layer atlas and the top-activation
table of a node, each cached on disk by a key of weights, data and parameters."""

from __future__ import annotations

import math
import re

import numpy as np
import torch
from pydantic import BaseModel, Field

from deepling.analysis.featurevis import (
    DEFAULT_DECAY,
    DEFAULT_LR,
    DEFAULT_SHRINK,
    FEATUREVIS_VERSION,
    check_channel,
    feature_visualization,
    layer_atlas,
    resolve_node,
)
from deepling.analysis.keys import model_data_key
from deepling.analysis.top_activations import ActivationTable, activation_table
from deepling.data.base import Dataset
from deepling.errors import DeeplingError, NotFoundError
from deepling.server.jobs import Job
from deepling.server.session import Session

MAX_STEPS = 2048
# Bounds a layer atlas's work: channels x steps optimisation steps of one image each.
MAX_ATLAS_IMAGE_STEPS = 1024 * 512


class FeatureVisRequest(BaseModel):
    node: str = Field(max_length=200, description="graph node; 'output' for class logits")
    channel: int = Field(ge=0, description="channel of the node (a class at the output)")
    steps: int = Field(default=256, ge=1, le=MAX_STEPS, description="optimisation steps")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class AtlasRequest(BaseModel):
    node: str = Field(max_length=200, description="graph node; 'output' for class logits")
    steps: int = Field(default=256, ge=1, le=MAX_STEPS, description="optimisation steps")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


def _check_key(kind: str, key: str) -> str:
    # Keys are hex digests; anything else (a path, say) names no result.
    if not re.fullmatch(r"[0-9a-f]{32}", key):
        raise NotFoundError(f"No {kind} {key!r}.")
    return key


def _key(session: Session, kind: str, *parts: object) -> str:
    """The version makes results of older code miss the cache rather than be served."""
    return model_data_key(
        kind,
        session.model,
        session.dataset,
        *parts,
        FEATUREVIS_VERSION,
        DEFAULT_DECAY,
        DEFAULT_LR,
        DEFAULT_SHRINK,
    )


def start_featurevis(session: Session, request: FeatureVisRequest) -> Job:
    """Queue (or join) one channel's feature visualisation; a cached result finishes at once."""
    node = resolve_node(session.model, request.node)
    check_channel(session.model, node, request.channel)
    key = _key(session, "featurevis", node, request.channel, request.steps, request.seed)

    def work(job: Job) -> None:
        if session.cache.load("featurevis", key) is None:
            image = feature_visualization(
                session.model,
                node,
                request.channel,
                request.steps,
                request.seed,
                data=_colour_data(session),
                progress=job.report,
            )
            session.cache.save("featurevis", key, {"image": image.numpy()})
        job.result_url = f"api/featurevis/{key}.png"

    return session.jobs.submit(
        f"featurevis:{key}",
        work,
        join_active=True,
        ready=lambda: session.cache.path("featurevis", key).is_file(),
    )


def load_featurevis(session: Session, key: str) -> torch.Tensor:
    stored = session.cache.load("featurevis", _check_key("feature visualisation", key))
    if stored is None:
        raise NotFoundError(
            f"No feature visualisation {key!r}.", "Start one with POST /api/jobs/featurevis."
        )
    return torch.from_numpy(stored["image"])


def start_atlas(session: Session, request: AtlasRequest) -> Job:
    """Queue (or join) the layer atlas: every channel of the node visualised as one batch."""
    node = resolve_node(session.model, request.node)
    shape = session.model.graph()[node].shape
    channels = int(shape[0]) if shape else 1
    if channels * request.steps > MAX_ATLAS_IMAGE_STEPS:
        steps = MAX_ATLAS_IMAGE_STEPS // channels
        raise DeeplingError(
            f"steps={request.steps} is too many for the {channels} channels of "
            f"{node!r}: at most {steps}."
        )
    key = _key(session, "layer-atlas", node, request.steps, request.seed)

    def work(job: Job) -> None:
        if session.cache.load("layer-atlas", key) is None:
            images = layer_atlas(
                session.model,
                node,
                request.steps,
                request.seed,
                data=_colour_data(session),
                progress=job.report,
            )
            session.cache.save(
                "layer-atlas", key, {"images": images.numpy(), "node": np.array(node)}
            )
        job.result_url = f"api/layer-atlas/{key}.png"

    return session.jobs.submit(
        f"layer-atlas:{key}",
        work,
        join_active=True,
        ready=lambda: session.cache.path("layer-atlas", key).is_file(),
    )


def load_atlas(session: Session, key: str) -> tuple[str, torch.Tensor]:
    stored = session.cache.load("layer-atlas", _check_key("layer atlas", key))
    if stored is None:
        raise NotFoundError(
            f"No layer atlas {key!r}.", "Start one with POST /api/jobs/layer-atlas."
        )
    return str(stored["node"]), torch.from_numpy(stored["images"])


def atlas_grid(images: torch.Tensor, scale: int = 1) -> tuple[torch.Tensor, int, int]:
    """Images ``(N, C, H, W)`` tiled row-major on a near-square grid with a 1-pixel white gap
    (at ``scale``), as one image ``(C, H', W')``; also the grid's columns and rows."""
    n, c, h, w = images.shape
    cols = max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    big = images.repeat_interleave(scale, dim=2).repeat_interleave(scale, dim=3)
    th, tw = h * scale, w * scale
    grid = torch.ones(c, rows * (th + 1) - 1, cols * (tw + 1) - 1)
    for i in range(n):
        r, q = divmod(i, cols)
        grid[:, r * (th + 1) : r * (th + 1) + th, q * (tw + 1) : q * (tw + 1) + tw] = big[i]
    return grid, cols, rows


def start_top_table(session: Session, node: str) -> Job:
    """Queue (or join) the pass computing every channel's mean and max of ``node`` per image."""
    name = session.model.graph()[node].name  # 404 before queueing

    def work(job: Job) -> None:
        activation_table(
            session.model, session.dataset, name, cache=session.cache, progress=job.report
        )
        job.result_url = f"api/top-activations/{name}"

    def ready() -> bool:
        key = model_data_key("activation-table", session.model, session.dataset, name)
        return session.cache.path("activation-table", key).is_file()

    return session.jobs.submit(f"top-activations:{name}", work, join_active=True, ready=ready)


def _colour_data(session: Session) -> Dataset | None:
    """The dataset gives the colour statistics of RGB inputs (None otherwise)."""
    return session.dataset if session.model.input_shape[0] == 3 and len(session.dataset) else None


def table_or_404(table: ActivationTable | None, node: str) -> ActivationTable:
    if table is None:
        raise NotFoundError(
            f"The top-activation table of {node!r} has not been computed yet.",
            f"Start it with POST /api/jobs/top-activations/{node}.",
        )
    return table

"""Feature-visualisation and layer-atlas jobs, cached by weights, data and parameters."""

from __future__ import annotations

import math

import numpy as np
import torch

from deepling.analysis.featurevis import (
    FeatureVisSettings,
    check_channel,
    feature_visualization,
    layer_atlas,
    resolve_node,
)
from deepling.analysis.keys import model_data_key
from deepling.data.base import Dataset
from deepling.errors import DeeplingError
from deepling.progress import Progress
from deepling.server.featurevis.schemas import AtlasRequest, FeatureVisRequest
from deepling.server.jobs.cached import CachedAnalysis
from deepling.server.jobs.manager import Job
from deepling.server.session import Session

FEATUREVIS = CachedAnalysis(
    "featurevis", "feature visualisation", "api/featurevis/{key}.png", "POST /api/jobs/featurevis"
)
ATLAS = CachedAnalysis(
    "layer-atlas", "layer atlas", "api/layer-atlas/{key}.png", "POST /api/jobs/layer-atlas"
)
# Bounds a layer atlas's work: channels x steps optimisation steps of one image each.
MAX_ATLAS_IMAGE_STEPS = 1024 * 512


def _key(session: Session, kind: str, settings: FeatureVisSettings, *parts: object) -> str:
    """The settings' key parts hold the algorithm's version, so results of older code miss the
    cache rather than be served."""
    return model_data_key(kind, session.model, session.dataset, *parts, *settings.key_parts())


def _colour_data(session: Session) -> Dataset | None:
    """The dataset gives the colour statistics of RGB inputs (None otherwise)."""
    rgb = session.model.input_shape[0] == 3
    return session.dataset if rgb and len(session.dataset) else None


def start_featurevis(session: Session, request: FeatureVisRequest) -> Job:
    """Queue (or join) one channel's feature visualisation; a cached result finishes at once."""
    node = resolve_node(session.model, request.node)
    check_channel(session.model, node, request.channel)
    settings = FeatureVisSettings(steps=request.steps, seed=request.seed)
    key = featurevis_key(session, node, request.channel, settings)

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        return {"image": _visualise(session, node, request.channel, settings, progress).numpy()}

    return FEATUREVIS.submit(session, key, compute)


def featurevis_key(session: Session, node: str, channel: int, settings: FeatureVisSettings) -> str:
    return _key(session, FEATUREVIS.kind, settings, node, channel)


def featurevis_picture(
    session: Session, node: str, channel: int, settings: FeatureVisSettings, progress: Progress
) -> torch.Tensor:
    """The channel's visualisation as the Semantics view shows it: read from the cache, or
    computed here and stored for that view (analyses that need the picture call this)."""
    key = featurevis_key(session, node, channel, settings)
    stored = FEATUREVIS.find(session, key)
    if stored is None:
        stored = {"image": _visualise(session, node, channel, settings, progress).numpy()}
        session.cache.save(FEATUREVIS.kind, key, stored)
    return torch.from_numpy(stored["image"])


def _visualise(
    session: Session, node: str, channel: int, settings: FeatureVisSettings, progress: Progress
) -> torch.Tensor:
    return feature_visualization(
        session.model, node, channel, settings, data=_colour_data(session), progress=progress
    )


def load_featurevis(session: Session, key: str) -> torch.Tensor:
    return torch.from_numpy(FEATUREVIS.load(session, key)["image"])


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
    settings = FeatureVisSettings(steps=request.steps, seed=request.seed)
    key = _key(session, ATLAS.kind, settings, node)

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        images = layer_atlas(
            session.model,
            node,
            settings,
            data=_colour_data(session),
            progress=progress,
        )
        return {"images": images.numpy(), "node": np.array(node)}

    return ATLAS.submit(session, key, compute)


def load_atlas(session: Session, key: str) -> tuple[str, torch.Tensor]:
    stored = ATLAS.load(session, key)
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

"""Attribution maps for the server: request checking, cache keys, jobs and heat-map PNGs.

A map is identified by the weights, the image's pixels, the method, the resolved target class
and node, and the method's settings; it is computed once and then read from the cache. Fast
methods (one backward pass) run inside the request; the others run as jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
import torch

from deepling.analysis.attribution import (
    METHODS,
    Settings,
    attribute,
    check_method,
    check_target,
    settings_key,
)
from deepling.analysis.attribution_layers import check_cam_node, default_cam_node
from deepling.cache import cache_key, weights_digest
from deepling.errors import NotFoundError
from deepling.progress import no_progress
from deepling.server.image_refs import ImageRef, ResolvedImage
from deepling.server.jobs import Job
from deepling.server.session import Session

KIND = "attribution"
SETTINGS = Settings()  # the server uses each method's defaults
CLIP_PERCENTILE = 99.0  # one hot pixel would otherwise wash out the whole colour scale


@dataclass(frozen=True)
class AttributionRequest:
    """A checked request: ``target`` and ``node`` resolved (node is None unless Grad-CAM)."""

    image: ResolvedImage
    ref: ImageRef
    method: str
    target: int
    node: str | None

    @property
    def query(self) -> str:
        """The query string that names this map at ``GET /api/attribution``."""
        params: dict[str, str | int] = {"method": self.method, "target": self.target}
        params.update(
            {"tray": self.ref.tray}
            if self.ref.tray is not None
            else {"index": int(self.ref.index or 0)}
        )
        if self.node is not None:
            params["node"] = self.node
        return urlencode(params)


def check_request(
    session: Session,
    image: ResolvedImage,
    ref: ImageRef,
    method: str,
    target: int | None,
    node: str | None,
) -> AttributionRequest:
    """400/404 naming the bad parameter; the target defaults to the predicted class."""
    info = check_method(method)
    model = session.model
    if node is not None and not info.takes_node:
        node = None  # other methods explain the pixels directly
    elif info.takes_node:
        node = check_cam_node(model.graph(), node) if node else default_cam_node(model.graph())
    if target is None:
        target = int(model.logits(image.pixels[None]).argmax(dim=1).item())
    return AttributionRequest(image, ref, method, check_target(model, target), node)


def map_key(session: Session, request: AttributionRequest) -> str:
    model = session.model
    return cache_key(
        KIND,
        type(model.module).__qualname__,
        weights_digest(model.module),
        model.input_shape,
        model.mean,
        model.std,
        request.image.key,
        request.method,
        request.target,
        request.node,
        settings_key(SETTINGS),
    )


def cached_map(session: Session, request: AttributionRequest) -> torch.Tensor | None:
    stored = session.cache.load(KIND, map_key(session, request))
    return None if stored is None else torch.from_numpy(stored["map"])


def compute_map(
    session: Session, request: AttributionRequest, job: Job | None = None
) -> torch.Tensor:
    """The map ``(H, W)``, from the cache or computed and cached."""
    found = cached_map(session, request)
    if found is not None:
        return found
    result = attribute(
        session.model,
        request.image.pixels,
        request.method,
        request.target,
        node=request.node,
        settings=SETTINGS,
        progress=job.report if job else no_progress,
    )
    session.cache.save(KIND, map_key(session, request), {"map": result.numpy()})
    return result


def start_job(session: Session, request: AttributionRequest) -> Job:
    """Queue (or join) the job computing this map; its ``result_url`` serves the map."""
    key = map_key(session, request)
    url = f"api/attribution?{request.query}"

    def work(job: Job) -> None:
        compute_map(session, request, job)
        job.result_url = url

    return session.jobs.submit(
        f"{KIND}:{key}",
        work,
        join_active=True,
        ready=lambda: session.cache.path(KIND, key).is_file(),
    )


def require_map(session: Session, request: AttributionRequest) -> torch.Tensor:
    """Fast methods are computed here; slow ones must have been computed by a job."""
    if METHODS[request.method].fast:
        return compute_map(session, request)
    found = cached_map(session, request)
    if found is None:
        raise NotFoundError(
            f"The {request.method} map of {request.image.title} for target {request.target} has "
            "not been computed yet.",
            "Start it with POST /api/jobs/attribution.",
        )
    return found


def clip_value(values: torch.Tensor) -> float:
    """The colour scale's end: the 99th percentile of |map| (its max where that is 0)."""
    magnitude = values.abs().flatten().double().numpy()
    if magnitude.size == 0:
        return 0.0
    clip = float(np.percentile(magnitude, CLIP_PERCENTILE))
    return clip if clip > 0 else float(magnitude.max())


# Colour stops: inferno-like for maps >= 0 (dark = nothing), blue-white-red for signed maps.
_SEQUENTIAL = np.array(
    [[0, 0, 4], [66, 10, 104], [147, 38, 103], [221, 81, 58], [252, 165, 10], [252, 255, 164]],
    dtype=np.float64,
)
_DIVERGING = np.array(
    [[33, 102, 172], [146, 197, 222], [247, 247, 247], [244, 165, 130], [178, 24, 43]],
    dtype=np.float64,
)


def _lookup(stops: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Colours ``(..., 3)`` uint8 for ``t`` in [0, 1], linear between the stops."""
    x = np.clip(t, 0, 1) * (len(stops) - 1)
    low = np.minimum(np.floor(x).astype(int), len(stops) - 2)
    f = (x - low)[..., None]
    colours: np.ndarray = np.round(stops[low] * (1 - f) + stops[low + 1] * f).astype(np.uint8)
    return colours


def heat_map(values: torch.Tensor, signed: bool, clip: float) -> np.ndarray:
    """``(H, W)`` map as ``(H, W, 3)`` uint8 colours, clipped at ``clip``."""
    v = values.double().numpy() / (clip if clip > 0 else 1.0)
    colours: np.ndarray = _lookup(_DIVERGING, (v + 1) / 2) if signed else _lookup(_SEQUENTIAL, v)
    return colours

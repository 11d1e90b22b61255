"""Attribution maps for the server: request checking, cache keys and jobs.

A map is identified by the weights, the image's pixels, the method, the resolved target class
and node, and the method's settings; it is computed once and then read from the cache. Fast
methods (one backward pass) run inside the request; the others run as jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

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
from deepling.progress import Progress
from deepling.server.images.refs import ImageRef, ResolvedImage
from deepling.server.jobs.cached import Arrays, CachedAnalysis
from deepling.server.jobs.manager import Job
from deepling.server.session import Session

ATTRIBUTION = CachedAnalysis(
    "attribution", "attribution map", "api/attribution", "POST /api/jobs/attribution"
)
SETTINGS = Settings()  # the server uses each method's defaults


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
    target, node = explained_target_and_node(session, image, info.takes_node, target, node)
    return AttributionRequest(image, ref, method, target, node)


def explained_target_and_node(
    session: Session, image: ResolvedImage, takes_node: bool, target: int | None, node: str | None
) -> tuple[int, str | None]:
    """The class a map explains (default: the predicted one) and its node: Grad-CAM's, checked
    (default: the last convolution), None for methods that explain the pixels directly."""
    model = session.model
    if not takes_node:
        node = None
    else:
        graph = model.graph()
        node = check_cam_node(graph, node) if node else default_cam_node(graph)
    if target is None:
        target = int(model.logits(image.pixels[None]).argmax(dim=1).item())
    return check_target(model, target), node


def map_key(session: Session, request: AttributionRequest) -> str:
    model = session.model
    return cache_key(
        ATTRIBUTION.kind,
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


def _compute(session: Session, request: AttributionRequest) -> Callable[[Progress], Arrays]:
    def compute(progress: Progress) -> Arrays:
        result = attribute(
            session.model,
            request.image.pixels,
            request.method,
            request.target,
            node=request.node,
            settings=SETTINGS,
            progress=progress,
        )
        return {"map": result.numpy()}

    return compute


def cached_map(session: Session, request: AttributionRequest) -> torch.Tensor | None:
    stored = ATTRIBUTION.find(session, map_key(session, request))
    return None if stored is None else torch.from_numpy(stored["map"])


def start_job(session: Session, request: AttributionRequest) -> Job:
    """Queue (or join) the job computing this map; its ``result_url`` serves the map."""
    key = map_key(session, request)
    url = f"{ATTRIBUTION.route}?{request.query}"
    return ATTRIBUTION.submit(session, key, _compute(session, request), url=url)


def require_map(session: Session, request: AttributionRequest) -> torch.Tensor:
    """Fast methods are computed here; slow ones must have been computed by a job."""
    if METHODS[request.method].fast:
        key = map_key(session, request)
        return torch.from_numpy(
            ATTRIBUTION.compute_now(session, key, _compute(session, request))["map"]
        )
    found = cached_map(session, request)
    if found is None:
        raise NotFoundError(
            f"The {request.method} map of {request.image.title} for target {request.target} has "
            "not been computed yet.",
            "Start it with POST /api/jobs/attribution.",
        )
    return found

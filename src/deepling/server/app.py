"""The FastAPI app factory: thin routes over the analysis library, and the built front end."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from deepling._version import __version__
from deepling.errors import DeeplingError
from deepling.server.ablation import routes as ablation
from deepling.server.access import Access, AccessMiddleware
from deepling.server.attribution import routes as attribution
from deepling.server.channels import routes as channels
from deepling.server.checkpoints import routes as checkpoints
from deepling.server.dataset import routes as dataset
from deepling.server.evaluation import routes as evaluation
from deepling.server.featurevis import routes as featurevis
from deepling.server.featurevis.job import MAX_ATLAS_IMAGE_STEPS
from deepling.server.featurevis.schemas import MAX_STEPS
from deepling.server.images import routes as images
from deepling.server.jobs import routes as jobs
from deepling.server.jobs.links import add_links
from deepling.server.model import routes as model
from deepling.server.projection import routes as projection
from deepling.server.projection.job import MAX_RESULT_VALUES
from deepling.server.projection.schemas import MAX_REQUESTED
from deepling.server.schemas import (
    ABLATION_CHANNEL,
    ABLATION_NODE,
    ATLAS_STEPS,
    CHANNEL,
    CHECKPOINT,
    CLASS,
    DATASET_INDEX,
    FEATUREVIS_CHANNEL,
    FEATUREVIS_NODE,
    IMAGE_SIDE,
    NODE,
    PROJECTED_IMAGES,
    SPRITE_SHEET,
    STRIP_CHANNEL,
    Facts,
    declare_facts,
)
from deepling.server.session import Session
from deepling.server.strips import routes as strips
from deepling.server.tray import routes as tray
from deepling.server.trust import routes as trust
from deepling.server.whatif import routes as whatif

# The whole API, one router per feature (each package holds its routes, schemas and jobs).
ROUTERS = [
    model.router,
    dataset.router,
    images.router,
    evaluation.router,
    channels.router,
    projection.router,
    strips.router,
    featurevis.router,
    attribution.router,
    trust.router,
    whatif.router,
    tray.router,
    ablation.router,
    checkpoints.router,
    jobs.router,
]
TITLE = "Deepling"
DESCRIPTION = "See inside a trained CNN: graph, activations, evaluation."

BUNDLED_UI = Path(__file__).resolve().parent.parent / "_static"


def ui_dir() -> Path:
    """The built front end: the package's bundle, or ``$DEEPLING_UI_DIR`` (front-end work)."""
    override = os.environ.get("DEEPLING_UI_DIR")
    return Path(override) if override else BUNDLED_UI


log = logging.getLogger("deepling.server")
MISSING_UI = (
    "<!doctype html><title>Deepling</title><h1>Deepling</h1><p>The browser UI has not been "
    "built. Reinstall with <code>pip install .</code> (it builds <code>frontend/</code> with "
    "npm), or run <code>npm ci && npm run build</code> in <code>frontend/</code>. The API is "
    "at <a href='/docs'>/docs</a>.</p>"
)


def create_app(session: Session, *, access: Access | None = None) -> FastAPI:
    """An app serving ``session``'s model and dataset: the JSON API under ``/api`` and the UI.

    ``access``: the token and Host allow-list to enforce (``serve``/``show`` derive them from the
    bound address); without it any Host is served and no token asked, but cross-origin requests
    are still refused and the security headers sent.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # Cancel running jobs so the process can exit; restore the model. A switched session
        # shares the jobs and the user's flags, so closing the one serving now closes all.
        app.state.session.close()

    app = _api(lifespan, facts=lambda: session_facts(session))
    app.state.session = session
    app.add_middleware(AccessMiddleware, access=access or Access())

    @app.exception_handler(DeeplingError)
    async def user_error(request: Request, exc: DeeplingError) -> JSONResponse:
        # A busy job queue (jobs.QueueFull) tells the client when to retry.
        headers: dict[str, str] | None = getattr(exc, "headers", None)
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unexpected error on %s", request.url.path)
        return JSONResponse(
            {"detail": f"Internal error ({type(exc).__name__}); see the server log."},
            status_code=500,
        )

    static = ui_dir()
    if (static / "index.html").is_file():
        app.mount("/", StaticFiles(directory=static, html=True), name="ui")
    else:

        @app.get("/", include_in_schema=False)
        def missing_ui() -> HTMLResponse:
            return HTMLResponse(MISSING_UI, status_code=503)

    return app


def _api(
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    facts: Callable[[], Facts] | None = None,
) -> FastAPI:
    """The API's routes; its OpenAPI document has the links between them and, given ``facts``,
    the constraints that depend on the session (see ``server.schemas``)."""
    app = FastAPI(title=TITLE, version=__version__, description=DESCRIPTION, lifespan=lifespan)
    for router in ROUTERS:
        app.include_router(router)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = app.openapi_schema
        if document is None:
            document = generate()  # FastAPI keeps it as app.openapi_schema: completed once
            add_links(document)
            declare_facts(document, facts() if facts is not None else None)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document without a session: what every server has in common (the
    served ``/openapi.json`` adds the session's facts: node names, how many images, ...)."""
    return _api().openapi()


def session_facts(session: Session) -> Facts:
    """What the served schema states beyond the session-free document: the graph's node names,
    the dataset's index range, the class count and each node's channels."""
    model, size = session.model, len(session.dataset)
    graph = model.graph()
    channels = {n.name: int(n.shape[0]) if n.shape else 1 for n in graph.nodes}
    # Feature visualisation: every node after the input, and "output" for the logits.
    visual = {name: channels[name] for name in graph.names[1:]}
    visual.setdefault("output", channels[graph.output.name])
    ablatable = {n.name: int(n.shape[0]) for n in graph.nodes if n.shape}
    values: dict[str, dict[str, Any]] = {
        NODE: {"enum": graph.names},
        FEATUREVIS_NODE: {"enum": [*visual]},
        ABLATION_NODE: {"enum": [*ablatable]},
        CLASS: {"maximum": len(model.classes) - 1},
        CHANNEL: {"maximum": max(channels.values()) - 1},
        IMAGE_SIDE: {"maximum": min(model.input_shape[1:])},
        # One layer's bound: a request naming fewer layers may hold more images.
        PROJECTED_IMAGES: {"maxItems": min(MAX_REQUESTED, MAX_RESULT_VALUES // 2)},
    }
    series = session.checkpoints
    values[CHECKPOINT] = {"maximum": (len(series) if series is not None else 1) - 1}
    if size:
        values[DATASET_INDEX] = {"maximum": size - 1}
        values[SPRITE_SHEET] = {"maximum": (size - 1) // dataset.SPRITE_IMAGES}
    steps = {name: min(MAX_STEPS, MAX_ATLAS_IMAGE_STEPS // c) for name, c in visual.items()}
    by_node = {
        FEATUREVIS_CHANNEL: {name: c - 1 for name, c in visual.items()},
        ATLAS_STEPS: {name: n for name, n in steps.items() if n >= 1},
        ABLATION_CHANNEL: {name: c - 1 for name, c in ablatable.items()},
        # Channel targets need a graph traced by torch.fx.
        STRIP_CHANNEL: {name: c - 1 for name, c in channels.items()} if model.fx_module else {},
    }
    return Facts(values, by_node)

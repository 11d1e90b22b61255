"""The FastAPI app factory: thin routes over the analysis library, and the built front end."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from deepling._version import __version__
from deepling.errors import DeeplingError
from deepling.server import (
    routes_ablation,
    routes_attribution,
    routes_images,
    routes_jobs,
    routes_model,
    routes_semantics,
    routes_strips,
    routes_whatif,
)
from deepling.server.access import Access, AccessMiddleware
from deepling.server.session import Session

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
        session.close()  # cancel running jobs so the process can exit; restore the model

    app = FastAPI(
        title="Deepling",
        version=__version__,
        lifespan=lifespan,
        description="See inside a trained CNN: graph, activations, evaluation.",
    )
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

    for module in (
        routes_model,
        routes_images,
        routes_jobs,
        routes_strips,
        routes_semantics,
        routes_attribution,
        routes_whatif,
        routes_ablation,
    ):
        app.include_router(module.router)
    static = ui_dir()
    if (static / "index.html").is_file():
        app.mount("/", StaticFiles(directory=static, html=True), name="ui")
    else:

        @app.get("/", include_in_schema=False)
        def missing_ui() -> HTMLResponse:
            return HTMLResponse(MISSING_UI, status_code=503)

    return app

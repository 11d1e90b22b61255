"""The FastAPI app factory: thin routes over the analysis library, and the built front end."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from deepling._version import __version__
from deepling.errors import DeeplingError
from deepling.server import routes_images, routes_jobs, routes_model
from deepling.server.session import Session

STATIC_DIR = Path(__file__).resolve().parent.parent / "_static"
log = logging.getLogger("deepling.server")


def create_app(session: Session) -> FastAPI:
    """An app serving ``session``'s model and dataset: the JSON API under ``/api`` and the UI."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        session.close()  # cancel running jobs so the process can exit; restore the model

    app = FastAPI(title="Deepling", version=__version__, lifespan=lifespan,
                  description="See inside a trained CNN: graph, activations, evaluation.")
    app.state.session = session

    @app.exception_handler(DeeplingError)
    async def user_error(request: Request, exc: DeeplingError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unexpected error on %s", request.url.path)
        return JSONResponse(
            {"detail": f"Internal error ({type(exc).__name__}); see the server log."},
            status_code=500,
        )

    for module in (routes_model, routes_images, routes_jobs):
        app.include_router(module.router)
    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="ui")

    return app

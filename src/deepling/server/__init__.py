"""The HTTP server: app factory, routes, jobs."""

from deepling.server.app import create_app
from deepling.server.run import serve
from deepling.server.session import Session

__all__ = ["Session", "create_app", "serve"]

"""The HTTP server: app factory, routes, jobs."""

from deepling.server.app import create_app
from deepling.server.run import BackgroundServer, serve, show
from deepling.server.session import Session

__all__ = ["BackgroundServer", "Session", "create_app", "serve", "show"]

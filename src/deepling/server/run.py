"""``serve``: run the app with uvicorn on a free loopback port and open the browser."""

from __future__ import annotations

import html
import ipaddress
import os
import socket
import sys
import threading
import time
import webbrowser
from dataclasses import dataclass
from urllib.parse import quote

import uvicorn

from deepling.data.base import Dataset
from deepling.engine.choice import Engine, RaySettings
from deepling.errors import DeeplingError
from deepling.models.checkpoints import Checkpoints
from deepling.models.model import Model
from deepling.server.access import TOKEN_PATTERN, Access, new_token
from deepling.server.app import create_app
from deepling.server.session import Session


def bind_socket(host: str, port: int | None) -> socket.socket:
    """A listening socket on ``host:port`` (port None or 0: a free one chosen by the OS)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port or 0))
    except OSError as exc:
        sock.close()
        raise DeeplingError(
            f"Cannot listen on {host}:{port or 0}: {exc.strerror or exc}.",
            "Choose another --port, or leave it out to take a free one.",
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def access_for(host: str, token: str | None) -> Access:
    """The access rules for a server bound to ``host``. ``token``: the token to require, ``""``
    for a fresh one, or None: ``$DEEPLING_TOKEN`` if set, else a fresh one off loopback only."""
    if token is None:
        token = os.environ.get("DEEPLING_TOKEN") or None
    if token == "":
        token = new_token()
    if token is not None and not TOKEN_PATTERN.fullmatch(token):
        raise DeeplingError(
            "The access token must be 8 to 256 characters: letters, digits, '-', '_', '.', '~'.",
            "Fix --token or $DEEPLING_TOKEN, or leave both out for a generated token.",
        )
    return Access.for_bind(host, token)


def browser_urls(sock: socket.socket, access: Access) -> list[str]:
    """Where a browser can open the app (with the token in the query, as Jupyter prints it).
    A wildcard address (0.0.0.0, ::) is shown as this machine's name, then as localhost."""
    host, port = sock.getsockname()[:2]
    suffix = f"?token={quote(access.token, safe='')}" if access.token else ""
    if ipaddress.ip_address(host.split("%")[0]).is_unspecified:
        return [
            f"http://{socket.gethostname()}:{port}/{suffix}",
            f"http://localhost:{port}/{suffix}",
        ]
    return [url_of(sock) + suffix]


def serve(
    model: Model,
    dataset: Dataset,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    open_browser: bool = True,
    token: str | None = None,
    checkpoints: Checkpoints | None = None,
    compare: Model | None = None,
    engine: Engine = "local",
    ray: RaySettings | None = None,
) -> None:
    """Serve ``model`` and ``dataset`` in the browser until interrupted (Ctrl-C).

    ``checkpoints``: the series ``model`` is one of (its header selector picks which one every
    view shows); ``compare``: a second model to compare with (any architecture, same classes);
    ``engine="ray"``: the evaluation's pass runs on a Ray cluster (``ray``: its settings).

    Binds the loopback address by default and a free port if ``port`` is None; prints the URL.
    Bound to any other address, every request needs an access token (``token``, else
    ``$DEEPLING_TOKEN``, else a generated one), which the printed URL carries; ``token`` also
    forces one on loopback (``""``: generate it).
    """
    access = access_for(host, token)
    sock = bind_socket(host, port)
    session = Session.open(
        model, dataset, checkpoints=checkpoints, compare=compare, engine=engine, ray=ray
    )
    app = create_app(session, access=access)
    urls = browser_urls(sock, access)
    print(f"Deepling is serving {model.name} on {dataset.name} at {urls[0]}", flush=True)
    for other in urls[1:]:
        print(f"  or at {other}", file=sys.stderr, flush=True)
    print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(urls[-1],)).start()
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


@dataclass
class BackgroundServer:
    """A server running in a background thread; Jupyter shows it inline as an iframe."""

    url: str
    height: int
    _server: uvicorn.Server
    _thread: threading.Thread
    token: str | None = None  # the access token, if the server asks for one

    @property
    def browser_url(self) -> str:
        """``url`` with the token (if any) in the query: opens the app in a browser or frame."""
        return self.url + (f"?token={quote(self.token, safe='')}" if self.token else "")

    def _repr_html_(self) -> str:
        src = html.escape(self.browser_url, quote=True)
        return (
            f'<iframe src="{src}" width="100%" height="{self.height}" '
            'style="border: 1px solid #e1e4e8; border-radius: 6px"></iframe>'
        )

    def __repr__(self) -> str:
        return f"Deepling at {self.url}"

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server (running jobs are cancelled; the model is handed back as found)."""
        self._server.should_exit = True
        self._thread.join(timeout)


def show(
    model: Model,
    dataset: Dataset,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    height: int = 820,
    startup_timeout: float = 30.0,
    token: str | None = None,
    checkpoints: Checkpoints | None = None,
    compare: Model | None = None,
) -> BackgroundServer:
    """Serve ``model`` and ``dataset`` in the background and return a handle that Jupyter
    displays as the UI inline; ``handle.stop()`` ends it. From scripts, use ``serve``.
    ``host``, ``token``, ``checkpoints`` and ``compare`` as in ``serve``; the inline frame
    carries the token."""
    access = access_for(host, token)
    sock = bind_socket(host, port)
    session = Session.open(model, dataset, checkpoints=checkpoints, compare=compare)
    app = create_app(session, access=access)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="deepling-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            sock.close()
            session.close()
            raise DeeplingError(f"The Deepling server did not start on {url_of(sock)}.")
        time.sleep(0.02)
    return BackgroundServer(url_of(sock), height, server, thread, access.token)

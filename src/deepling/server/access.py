"""Who may talk to the server, and what the browser may do with its pages.

- An access token, required off loopback (or when the user asks): ``Authorization: Bearer``,
  a ``token`` query parameter (which sets an HttpOnly, SameSite=Strict cookie; pages then
  redirect to the URL without it, as Jupyter does), or that cookie. Compared in constant time.
- Same-origin only: a request whose ``Origin`` is not the server's own host is refused, and so
  is an API request the browser marks as cross-site (``Sec-Fetch-Site``), e.g. an ``<img>`` on
  another site pointing at the API.
- On loopback, a ``Host`` allow-list: a DNS-rebinding page (``evil.example`` resolving to
  127.0.0.1) reaches the socket but names its own host, and is refused.
- Security headers on every response (CSP with the app's own scripts only, nosniff, no referrer).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
import secrets
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import HTTPConnection

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{8,256}")
_HOSTNAME = re.compile(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")

# The app is one module script, its CSS and same-origin images. Style *attributes* are set by
# the views (el(..., {style}) for colours and sizes), so they need 'unsafe-inline'; browsers
# that know style-src-elem still refuse inline <style> elements and foreign stylesheets.
# Canvas downloads and PNGs read with fetch become data:/blob: images.
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "style-src-elem 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "worker-src 'self' blob:; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)
# FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from a CDN with an inline start-up
# script; they show only this server's own schema.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com"
    " https://cdn.redoc.ly; worker-src 'self' blob:; object-src 'none'; base-uri 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
# Who may frame the app. deepling.show() embeds it in a notebook whose origin the server cannot
# know, but the notebook server runs on the machine that serves Deepling: it is reached under the
# same host name as the request (any port), or at localhost through a tunnel; VS Code renders
# notebooks in vscode-webview: frames. Any other site gets a blank frame (no clickjacking); a
# cross-site frame of a token-protected server gets no cookie anyway (SameSite=Strict).
# (CSP host sources cannot name an IPv6 literal such as [::1]; browsers reject the directive.)
LOCAL_FRAMERS = (
    "http://localhost:*",
    "https://localhost:*",
    "http://127.0.0.1:*",
    "https://127.0.0.1:*",
    "vscode-webview:",
)

UNAUTHORISED_PAGE = (
    "<!doctype html><html lang='en'><meta charset='utf-8'><title>Deepling: token needed</title>"
    "<h1>This Deepling server needs its access token</h1><p>Open the address that "
    "<code>deepling serve</code> printed when it started (it ends in <code>?token=...</code>), "
    "or ask whoever started it for the token.</p></html>"
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or a name) only ever means this machine."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if host.lower() == "localhost":
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos
    )


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Access:
    """``token``: required on every request when set. ``allowed_hosts``: host names (no port) a
    request's ``Host`` header may name; None accepts any (the token guards such a server)."""

    token: str | None = None
    allowed_hosts: frozenset[str] | None = None

    @classmethod
    def for_bind(cls, host: str, token: str | None = None) -> Access:
        """Loopback: the Host allow-list, and ``token`` only if given. Any other address: a
        token (``token``, else a fresh one)."""
        if is_loopback(host):
            return cls(token, LOOPBACK_NAMES | {host.strip("[]").lower()})
        return cls(token or new_token(), None)

    def cookie_name(self, port: int | None) -> str:
        # Cookies ignore ports: one name per port keeps two servers on one host apart.
        return f"deepling_token_{port}" if port else "deepling_token"


def _host_name(host_header: str) -> str:
    """``Host`` without its port, lower case; brackets kept off IPv6 literals."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _same_origin(origin: str, host_header: str) -> bool:
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.lower()


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/api" or path == "/openapi.json"


def security_headers(path: str, host_header: str) -> list[tuple[bytes, bytes]]:
    docs = any(path == p or path.startswith(p + "/") for p in DOCS_PATHS)
    framers = list(LOCAL_FRAMERS)
    host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
    if _HOSTNAME.fullmatch(host) and host not in ("localhost", "127.0.0.1", "[::1]"):
        framers[:0] = [f"http://{host}:*", f"https://{host}:*"]
    csp = f"{DOCS_CSP if docs else APP_CSP}; frame-ancestors 'self' {' '.join(framers)}"
    return [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-resource-policy", b"same-origin"),
    ]


class AccessMiddleware:
    """ASGI middleware enforcing ``access`` (see the module docstring) on HTTP and WebSocket."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        path: str = scope["path"]
        host_header = conn.headers.get("host", "")
        extra = security_headers(path, host_header)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(h for h in extra if h[0] not in names),
                ]
            await send(message)

        refusal = self._refusal(conn, path, host_header)
        if refusal is not None:
            status, detail = refusal
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await _respond(send_with_headers, status, detail, path, extra=self._challenge(status))
            return
        if self.access.token is None:
            await self.app(scope, receive, send_with_headers)
            return
        query_token = conn.query_params.get("token")
        if query_token is None or not self._matches(query_token):
            await self.app(scope, receive, send_with_headers)
            return
        # The token came in the URL: keep it in a cookie from now on.
        cookie = self._cookie(scope)
        if scope["type"] == "http" and not _is_api(path) and scope["method"] in ("GET", "HEAD"):
            rest = [(k, v) for k, v in conn.query_params.multi_items() if k != "token"]
            target = (scope.get("root_path", "") + path) or "/"
            location = target + (f"?{urlencode(rest)}" if rest else "")
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 303,
                    "headers": [
                        (b"location", location.encode("latin-1", "replace")),
                        (b"set-cookie", cookie),
                        (b"cache-control", b"no-store"),
                        (b"content-length", b"0"),
                    ],
                }
            )
            await send_with_headers({"type": "http.response.body", "body": b""})
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send_with_headers(message)

        await self.app(scope, receive, send_with_cookie)

    def _refusal(self, conn: HTTPConnection, path: str, host_header: str) -> tuple[int, str] | None:
        """(status, message) if the request must be refused, else None."""
        allowed = self.access.allowed_hosts
        if allowed is not None and _host_name(host_header) not in allowed:
            return 403, (
                f"Host {host_header!r} is not allowed: this Deepling server listens on "
                "loopback and answers to localhost or 127.0.0.1 only."
            )
        origin = conn.headers.get("origin")
        if origin is not None and not _same_origin(origin, host_header):
            return 403, f"Cross-origin request from {origin!r} refused."
        site = conn.headers.get("sec-fetch-site")
        if _is_api(path) and site not in (None, "same-origin", "none"):
            return 403, f"Cross-site API request refused (Sec-Fetch-Site: {site})."
        if self.access.token is not None and not self._authorised(conn):
            return 401, (
                "This Deepling server needs its access token: open the URL it printed "
                "(with ?token=...), or send 'Authorization: Bearer <token>'."
            )
        return None

    def _authorised(self, conn: HTTPConnection) -> bool:
        auth = conn.headers.get("authorization", "")
        scheme, _, credentials = auth.partition(" ")
        server = conn.scope.get("server") or (None, None)
        presented = [
            credentials.strip() if scheme.lower() == "bearer" else None,
            conn.query_params.get("token"),
            conn.cookies.get(self.access.cookie_name(server[1])),
        ]
        return any(p is not None and self._matches(p) for p in presented)

    def _matches(self, presented: str) -> bool:
        assert self.access.token is not None
        return hmac.compare_digest(presented.encode(), self.access.token.encode())

    def _cookie(self, scope: Scope) -> bytes:
        assert self.access.token is not None
        server = scope.get("server") or (None, None)
        secure = "; Secure" if scope.get("scheme") in ("https", "wss") else ""
        return (
            f"{self.access.cookie_name(server[1])}={self.access.token}; Path=/; HttpOnly; "
            f"SameSite=Strict{secure}"
        ).encode()

    def _challenge(self, status: int) -> list[tuple[bytes, bytes]]:
        return [(b"www-authenticate", b'Bearer realm="deepling"')] if status == 401 else []


async def _respond(
    send: Send, status: int, detail: str, path: str, extra: list[tuple[bytes, bytes]]
) -> None:
    if _is_api(path) or status != 401:
        body, kind = json.dumps({"detail": detail}).encode(), b"application/json"
    else:
        body, kind = UNAUTHORISED_PAGE.encode(), b"text/html; charset=utf-8"
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

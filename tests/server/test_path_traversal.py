"""No route reads a file outside the front-end bundle: traversal, encoded or not, answers 404.

Raw request lines go to a real uvicorn server (``deepling.show``), since HTTP clients would
normalise ``..`` away before sending. A secret file sits right beside the served bundle.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import torch

import deepling
from deepling.data.base import ArrayDataset
from deepling.data.demo_mnist import load_demo_mnist
from deepling.server.app import BUNDLED_UI
from deepling.server.run import BackgroundServer

SECRET = "TOP-SECRET-NEXT-TO-THE-BUNDLE"
# Ways to write "../" in a URL path, as servers and proxies have been tricked with.
DOT_DOT = [
    "../",
    "..%2f",
    "..%2F",
    "%2e%2e/",
    "%2e%2e%2f",
    ".%2e/",
    "%252e%252e%252f",
    "..%252f",
    "..\\",
    "..%5c",
    "%2e%2e%5c",
    "..%c0%af",
    "....//",
    "..;/",
]


def _raw_get(url: str, target: str) -> tuple[int, bytes]:
    """Send ``GET target`` exactly as written; (status, whole response)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode(
                "latin-1"
            )
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    return int(answer.split(b" ", 2)[1]), answer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    if not (BUNDLED_UI / "index.html").is_file():
        pytest.skip("the front end is not built")
    root = tmp_path_factory.mktemp("traversal")
    shutil.copytree(BUNDLED_UI, root / "ui")
    (root / "secret.txt").write_text(SECRET)
    (root / "ui" / "assets" / "..x").mkdir()  # a real name starting with dots, for contrast
    digits = load_demo_mnist()
    data = ArrayDataset(digits.pixels[:8], digits.labels[:8], digits.classes, "digits-8")
    torch.manual_seed(0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEEPLING_UI_DIR", str(root / "ui"))
        patch.setenv("DEEPLING_CACHE_DIR", str(root / "cache"))
        handle = deepling.show(deepling.load_model("mnist-cnn"), data)
    yield handle
    handle.stop()


def test_the_bundle_itself_is_served(server: BackgroundServer) -> None:
    assert _raw_get(server.url, "/")[0] == 200
    assert _raw_get(server.url, "/favicon.svg")[0] == 200


@pytest.mark.parametrize("dots", DOT_DOT)
@pytest.mark.parametrize("prefix", ["/", "/assets/", "/assets/..x/"])
def test_static_mount_never_leaves_the_bundle(
    server: BackgroundServer, prefix: str, dots: str
) -> None:
    for target in (
        f"{prefix}{dots}secret.txt",
        f"{prefix}{dots * 2}secret.txt",
        f"{prefix}{dots * 12}etc/passwd",
    ):
        status, answer = _raw_get(server.url, target)
        assert status == 404, (target, answer[:300])
        assert SECRET.encode() not in answer and b"root:" not in answer


# Every path parameter of the API, with {} where the hostile text goes.
PATH_PARAMETERS = [
    "/api/image/activations/{}?index=0",
    "/api/channel-stats/{}",
    "/api/projections/{}",
    "/api/projections/{}/layers/0",
    "/api/jobs/{}",
]
INT_PARAMETERS = [
    "/api/image/image.png?index={}",
    "/api/image/predictions?index={}",
    "/api/dataset/sprites/{}.png",
]


@pytest.mark.parametrize("route", PATH_PARAMETERS + INT_PARAMETERS)
def test_path_parameters_name_no_files(server: BackgroundServer, route: str) -> None:
    for dots in DOT_DOT:
        for name in (f"{dots}secret.txt", f"{dots * 12}etc/passwd", f"{dots * 12}etc%2fpasswd"):
            status, answer = _raw_get(server.url, route.format(name))
            # A non-integer where an integer goes is a 422 naming the parameter; nothing else
            # may be found.
            allowed = (404, 422) if route in INT_PARAMETERS else (404,)
            assert status in allowed, (route.format(name), answer[:300])
            assert SECRET.encode() not in answer and b"root:" not in answer

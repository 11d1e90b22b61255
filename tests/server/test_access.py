"""Access control: the token, same-origin requests, the Host allow-list and security headers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import torch
from fastapi.testclient import TestClient

import deepling
from deepling import create_app, load_model
from deepling.data.base import ArrayDataset
from deepling.data.demo_mnist import load_demo_mnist
from deepling.server.access import Access, is_loopback
from deepling.server.run import access_for
from deepling.server.session import Session
from live_server import LiveServer

TOKEN = "s3cret-token-for-tests"


@pytest.fixture(scope="module")
def digits() -> ArrayDataset:
    data = load_demo_mnist()
    return ArrayDataset(data.pixels[::250], data.labels[::250], data.classes, "digits-20")


def _client(digits: ArrayDataset, tmp_path: Path, access: Access) -> Iterator[TestClient]:
    torch.manual_seed(0)
    session = Session.open(load_model("mnist-cnn"), digits, tmp_path)
    with TestClient(create_app(session, access=access)) as client:
        yield client


@pytest.fixture()
def guarded(digits: ArrayDataset, tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(digits, tmp_path, Access(token=TOKEN))


@pytest.fixture()
def loopback(digits: ArrayDataset, tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(digits, tmp_path, Access.for_bind("127.0.0.1"))


def test_without_the_token_api_and_pages_answer_401(guarded: TestClient) -> None:
    for path in ("/api/model", "/api/image/image.png?index=0", "/openapi.json"):
        response = guarded.get(path)
        assert response.status_code == 401, path
        assert "token" in response.json()["detail"]
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert guarded.post("/api/jobs/evaluation").status_code == 401
    page = guarded.get("/")
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert "access token" in page.text and "<script" not in page.text  # not the app
    assert (
        guarded.get("/api/model", headers={"Authorization": "Bearer wrong-token"}).status_code
        == 401
    )
    assert guarded.get("/api/model", params={"token": TOKEN[:-1]}).status_code == 401
    assert guarded.get("/api/model", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401


def test_bearer_header_opens_the_api(guarded: TestClient) -> None:
    response = guarded.get("/api/model", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.json()["name"] == "mnist-cnn"
    assert "set-cookie" not in response.headers  # a header client needs no cookie


def test_query_token_sets_a_strict_cookie_that_opens_the_api(guarded: TestClient) -> None:
    first = guarded.get("/api/dataset", params={"token": TOKEN})
    assert first.status_code == 200 and first.json()["size"] == 20
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"deepling_token_80={TOKEN};")
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in cookie
    assert guarded.get("/api/dataset").status_code == 200  # the client kept the cookie
    guarded.cookies.clear()
    assert guarded.get("/api/dataset").status_code == 401


def test_page_with_token_redirects_to_the_url_without_it(guarded: TestClient) -> None:
    response = guarded.get("/", params={"token": TOKEN, "section": "data"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/?section=data"
    assert "HttpOnly" in response.headers["set-cookie"]
    page = guarded.get(response.headers["location"])
    assert page.status_code == 200 and "<title>Deepling</title>" in page.text


def test_loopback_refuses_foreign_host_names(loopback: TestClient) -> None:
    """DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own Host."""
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""):
        response = loopback.get("/api/model", headers={"host": host})
        assert response.status_code == 403, host
        assert "not allowed" in response.json()["detail"]
    for host in ("127.0.0.1:5000", "localhost:5000", "LOCALHOST", "[::1]:5000"):
        assert loopback.get("/api/model", headers={"host": host}).status_code == 200, host
    assert loopback.get("/", headers={"host": "evil.example"}).status_code == 403


def test_cross_origin_requests_are_refused(loopback: TestClient) -> None:
    own = {"host": "127.0.0.1:5000"}
    for origin in ("http://evil.example", "http://127.0.0.1:6000", "null", "file://"):
        response = loopback.post("/api/jobs/evaluation", headers={**own, "origin": origin})
        assert response.status_code == 403, origin
        assert loopback.get("/api/model", headers={**own, "origin": origin}).status_code == 403
    same = loopback.post("/api/jobs/evaluation", headers={**own, "origin": "http://127.0.0.1:5000"})
    assert same.status_code == 202
    # An <img> or <script> on another site carries no Origin, but the browser says where from.
    cross = {**own, "sec-fetch-site": "cross-site"}
    assert loopback.get("/api/image/image.png?index=0", headers=cross).status_code == 403
    assert (
        loopback.get(
            "/api/image/image.png?index=0", headers={**own, "sec-fetch-site": "same-origin"}
        ).status_code
        == 200
    )
    # The page itself may be opened from elsewhere: a link, or a notebook's frame.
    assert loopback.get("/", headers=cross).status_code == 200


def test_security_headers_on_every_response(guarded: TestClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}", "host": "gpubox:7000"}
    responses = [
        guarded.get("/", headers=auth),
        guarded.get("/favicon.svg", headers=auth),
        guarded.get("/api/model", headers=auth),
        guarded.get("/api/image/image.png?index=0", headers=auth),
        guarded.get("/api/image/predictions?index=99", headers=auth),  # 404
        guarded.get("/api/image/predictions?index=x", headers=auth),  # 422
        guarded.get("/api/model", headers={"host": "gpubox:7000"}),  # 401
    ]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-eval" not in csp
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "frame-ancestors 'self' http://gpubox:* https://gpubox:*" in csp
        assert "http://localhost:*" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404, 422, 401]


def test_a_hostile_host_header_does_not_reach_the_csp(guarded: TestClient) -> None:
    response = guarded.get(
        "/api/model", headers={"host": "a; script-src *", "Authorization": f"Bearer {TOKEN}"}
    )
    assert "script-src *" not in response.headers["content-security-policy"]


def test_binding_decides_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEEPLING_TOKEN", raising=False)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.7")
    local = access_for("127.0.0.1", None)
    assert local.token is None and local.allowed_hosts is not None
    assert "localhost" in local.allowed_hosts
    remote = access_for("0.0.0.0", None)
    assert remote.allowed_hosts is None
    assert remote.token is not None and len(remote.token) >= 40
    assert access_for("0.0.0.0", None).token != remote.token  # fresh each time
    assert access_for("127.0.0.1", "").token is not None  # forced on loopback
    assert access_for("0.0.0.0", TOKEN).token == TOKEN
    monkeypatch.setenv("DEEPLING_TOKEN", "from-the-environment")
    assert access_for("127.0.0.1", None).token == "from-the-environment"
    assert access_for("0.0.0.0", TOKEN).token == TOKEN  # the option wins
    monkeypatch.setenv("DEEPLING_TOKEN", "short")
    with pytest.raises(Exception, match="8 to 256 characters"):
        access_for("0.0.0.0", None)


def _serve(extra: list[str], env: dict[str, str]) -> LiveServer:
    return LiveServer(["--model", "mnist-cnn", "--data", "mnist-demo", *extra], env)


def test_a_server_off_loopback_prints_its_token_and_asks_for_it(isolated_cache: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DEEPLING_TOKEN"}
    server = _serve(["--host", "0.0.0.0"], env)
    try:
        assert server.token is not None and len(server.token) >= 40
        local = "http://127.0.0.1:" + server.url.rsplit(":", 1)[1]
        with httpx.Client(base_url=local, timeout=30, follow_redirects=True) as http:
            assert http.get("/api/model").status_code == 401
            assert http.get("/").status_code == 401
            opened = http.get("/", params={"token": server.token})  # follows the redirect
            assert opened.status_code == 200 and "<title>Deepling</title>" in opened.text
            assert opened.url.query == b"" and http.get("/api/model").status_code == 200
    finally:
        server.stop()


def test_a_token_can_be_forced_on_loopback(isolated_cache: Path) -> None:
    server = _serve([], {**os.environ, "DEEPLING_TOKEN": TOKEN})
    try:
        assert server.url.startswith("http://127.0.0.1:") and server.token == TOKEN
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.get("/api/dataset").status_code == 401
            bearer = {"Authorization": f"Bearer {TOKEN}"}
            assert http.get("/api/dataset", headers=bearer).json()["size"] == 5000
    finally:
        server.stop()


def test_show_with_a_token_frames_the_app_with_it(digits: ArrayDataset) -> None:
    torch.manual_seed(0)
    handle = deepling.show(load_model("mnist-cnn"), digits, token="")
    try:
        assert handle.token is not None and handle.url.startswith("http://127.0.0.1:")
        assert f'src="{handle.url}?token={handle.token}"' in handle._repr_html_()
        assert httpx.get(handle.url + "api/model", timeout=10).status_code == 401
        with httpx.Client(timeout=10, follow_redirects=True) as http:
            assert http.get(handle.browser_url).status_code == 200
            assert http.get(handle.url + "api/model").json()["name"] == "mnist-cnn"
    finally:
        handle.stop()

"""A real server process: it starts on a free loopback port, prints its URL and answers."""

from __future__ import annotations

import httpx

from live_server import LiveServer


def test_real_server_binds_loopback_and_answers(mnist_server: LiveServer) -> None:
    assert mnist_server.url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=mnist_server.url, timeout=30) as http:
        assert http.get("/api/model").json()["name"] == "mnist-cnn"
        assert http.get("/api/dataset").json()["size"] == 5000
        page = http.get("/")
        assert page.status_code == 200 and "<title>Deepling</title>" in page.text
        job = http.post("/api/jobs/evaluation").json()
        assert job["kind"] == "evaluation"
        assert http.get("/api/image/predictions?index=4999").status_code == 200
        assert http.get("/api/image/predictions?index=5000").status_code == 404

"""Strip jobs over HTTP: progress, the cached result, frames as float32 and PNG, bad requests."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from deepling import create_app
from deepling.server.session import Session
from job_client import finish_job


@pytest.fixture()
def client(trained_mnist, mnist_split, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(Session.open(trained_mnist[0], mnist_split[1], tmp_path))) as c:
        yield c


def _finish(client: TestClient, body: dict) -> dict:  # type: ignore[type-arg]
    return finish_job(client, "/api/jobs/strip", body)


def _floats(response) -> np.ndarray:  # type: ignore[no-untyped-def]
    shape = tuple(int(v) for v in response.headers["X-Shape"].split(","))
    return np.frombuffer(response.content, dtype="<f4").reshape(shape)


def test_strip_job_serves_numbers_frames_and_pngs(client: TestClient, mnist_split) -> None:  # type: ignore[no-untyped-def]
    label = int(mnist_split[1].labels[4])
    job = _finish(client, {"image": {"index": 4}, "frames": 6, "mode": "minimal"})
    assert job["state"] == "done" and job["result_url"].startswith("api/strips/")
    assert job["total"] == 64
    strip = client.get("/" + job["result_url"]).json()
    assert strip["mode"] == "minimal" and strip["averaged_probs"] is None
    target = strip["target"]["index"]
    assert strip["target"]["kind"] == "class" and target != label  # runner-up of a right one
    assert strip["classes"] == [str(d) for d in range(10)] and strip["title"] == "image #4"
    assert strip["label"] == label
    probs = np.array(strip["probs"])
    assert probs.shape == (6, 10) and (np.diff(probs[:, target]) >= 0).all()
    assert strip["predictions"][-1] == target and strip["flip_frame"] is not None
    assert strip["predictions"][strip["flip_frame"]] == target
    frames = _floats(client.get("/" + strip["frames_url"]))
    diffs = _floats(client.get("/" + strip["diffs_url"]))
    assert frames.shape == diffs.shape == (6, 1, 28, 28) and strip["shape"] == [1, 28, 28]
    assert np.allclose(diffs, frames - frames[0]) and np.abs(diffs[0]).max() == 0
    assert np.abs(diffs).max() <= strip["budget"] + 1e-6
    png = client.get("/" + strip["frame_png_urls"][-1] + "?scale=2")
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    again = client.post(
        "/api/jobs/strip", json={"image": {"index": 4}, "frames": 6, "mode": "minimal"}
    )
    for _ in range(100):  # cached: finishes at once with the same result
        state = client.get(f"/api/jobs/{again.json()['id']}").json()
        if state["state"] == "done":
            break
        time.sleep(0.02)
    assert state["result_url"] == job["result_url"]


def test_robust_strip_by_default_says_how_robust_it_is(client: TestClient) -> None:
    job = _finish(client, {"image": {"index": 4}, "target": 2, "frames": 5, "steps": 48})
    assert job["total"] == 48
    strip = client.get("/" + job["result_url"]).json()
    assert strip["mode"] == "robust" and strip["budget"] == 1.0
    averaged = np.array(strip["averaged_probs"])[:, 2]
    robust = np.array(strip["robust_probs"])
    assert (np.diff(averaged) >= 0).all() and robust.shape == (5, 10)
    assert strip["robustness"] == pytest.approx(robust[-1, 2], abs=1e-6)
    assert strip["robustness_samples"] >= 16 and "flip" in strip["transforms"]
    change = np.abs(_floats(client.get("/" + strip["diffs_url"]))).reshape(5, -1).mean(1)
    assert np.allclose(strip["mean_change"], change, atol=1e-6)
    body = {"image": {"index": 4}, "target": 2, "frames": 5, "mode": "minimal"}
    minimal = client.get("/" + _finish(client, body)["result_url"]).json()
    assert minimal["key"] != strip["key"]  # the mode is part of the cache key
    # The default budget and the same value given are one strip.
    same = {"image": {"index": 4}, "target": 2, "frames": 5, "steps": 48, "budget": 1.0}
    assert _finish(client, same)["result_url"] == "api/strips/" + strip["key"]


def test_chosen_class_and_channel_strips(client: TestClient) -> None:
    job = _finish(
        client, {"image": {"index": 1}, "target": 3, "frames": 4, "norm": "l2", "budget": 5.0}
    )
    strip = client.get("/" + job["result_url"]).json()
    assert strip["target"] == {"kind": "class", "index": 3, "node": None, "name": "3"}
    assert strip["norm"] == "l2" and max(strip["norms"]) <= 5.0 + 1e-4
    job = _finish(client, {"image": {"index": 1}, "target": 5, "node": "conv2", "steps": 8})
    strip = client.get("/" + job["result_url"]).json()
    assert strip["target"]["kind"] == "channel" and strip["target"]["node"] == "conv2"
    assert strip["scores"][-1] > strip["scores"][0]


def test_strip_job_can_be_cancelled(client: TestClient) -> None:
    job = client.post(
        "/api/jobs/strip", json={"image": {"index": 2}, "steps": 512, "until": None, "smoothing": 3}
    ).json()
    client.delete(f"/api/jobs/{job['id']}")
    for _ in range(600):
        state = client.get(f"/api/jobs/{job['id']}").json()
        if state["state"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert state["state"] == "cancelled" and state["result_url"] is None


@pytest.mark.parametrize(
    ("body", "status", "names"),
    [
        ({"image": {"index": 0}, "frames": 1000}, 422, "frames"),
        ({"image": {"index": 0}, "steps": 10**6}, 422, "steps"),
        ({"image": {"index": 0}, "budget": -1}, 422, "budget"),
        ({"image": {"index": 0}, "norm": "l7"}, 422, "norm"),
        ({"image": {"index": 0}, "mode": "fast"}, 422, "mode"),
        ({"image": {"index": 0}, "samples": 0}, 422, "samples"),
        ({"image": {"index": 0}, "visible": 1.5}, 422, "visible"),
        ({"image": {"index": 0}, "budget": 0.05}, 400, "visible"),
        ({"image": {"index": 0}, "target": 10}, 400, "target"),
        ({"image": {"index": 0}, "target": 64, "node": "conv2"}, 400, "channel 64"),
        ({"image": {"index": 0}, "target": 1, "node": "nope"}, 404, "nope"),
        ({"image": {"index": 10**6}}, 404, "1000000"),
        ({"image": {}}, 422, "index"),
        ({"image": {"tray": "missing"}}, 404, "missing"),
    ],
)
def test_bad_strip_requests(client: TestClient, body: dict, status: int, names: str) -> None:  # type: ignore[type-arg]
    response = client.post("/api/jobs/strip", json=body)
    assert response.status_code == status and names in response.text, response.text


def test_unknown_or_hostile_strip_keys_are_404(client: TestClient) -> None:
    for path in (
        "0" * 32,
        "..%2F..%2Fetc%2Fpasswd",
        "zz",
        "0" * 32 + "/frames",
        "0" * 32 + "/frames/0.png",
    ):
        assert client.get(f"/api/strips/{path}").status_code == 404

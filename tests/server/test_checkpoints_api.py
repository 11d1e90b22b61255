"""Checkpoints and comparison over HTTP: selecting a checkpoint switches every view's model,
the history, the projection over checkpoints, the comparison, CKA and weight change; and the
clear 4xx of each misuse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from deepling import create_app, evaluate, load_checkpoints
from deepling.analysis.channel_stats import channel_statistics
from deepling.server.session import Session
from job_client import finish_job


@pytest.fixture()
def series_client(mnist_series: Path, mnist_split, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    series = load_checkpoints("mnist-cnn", mnist_series)
    session = Session.open(series[2], mnist_split[1], tmp_path, checkpoints=series)
    with TestClient(create_app(session)) as client:
        yield client


@pytest.fixture()
def lone_client(trained_mnist, mnist_split, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(Session.open(trained_mnist[0], mnist_split[1], tmp_path))) as c:
        yield c


def _result(client: TestClient, path: str, body: dict | None = None) -> dict:  # type: ignore[type-arg]
    job = finish_job(client, path, body or {})
    assert job["state"] == "done", job
    return client.get("/" + job["result_url"]).json()  # type: ignore[no-any-return]


def test_selecting_a_checkpoint_switches_every_view(series_client: TestClient, mnist_split) -> None:  # type: ignore[no-untyped-def]
    listed = series_client.get("/api/checkpoints").json()
    assert listed["checkpoints"] == ["epoch_1", "epoch_2", "epoch_3"] and listed["series"]
    assert listed["selected"] == 2 and listed["compare_checkpoint"] == 0  # last vs first
    assert listed["model"] == "mnist-cnn epoch_3"
    last = series_client.get("/api/image/predictions?index=5&top=10").json()
    chosen = series_client.put("/api/checkpoints/selected", json={"checkpoint": 0}).json()
    assert chosen["selected"] == 0 and chosen["model"] == "mnist-cnn epoch_1"
    first = series_client.get("/api/image/predictions?index=5&top=10").json()
    assert first != last  # the views now run epoch 1
    job = finish_job(series_client, "/api/jobs/evaluation", {})
    assert job["state"] == "done"
    accuracy = series_client.get("/api/evaluation").json()["accuracy"]
    series = load_checkpoints("mnist-cnn", series_client.app.state.session.checkpoints.paths)  # type: ignore[attr-defined]
    assert accuracy == pytest.approx(evaluate(series[0], mnist_split[1]).accuracy)
    response = series_client.put("/api/checkpoints/selected", json={"checkpoint": 3})
    assert response.status_code == 400 and "out of range" in response.text


def test_history_comparison_cka_and_weight_change(series_client: TestClient, mnist_split) -> None:  # type: ignore[no-untyped-def]
    history = _result(series_client, "/api/jobs/checkpoint-history")
    assert history["names"] == ["epoch_1", "epoch_2", "epoch_3"]
    assert history["accuracy"][-1] > history["accuracy"][0]
    assert history["loss"][-1] < history["loss"][0]
    found = _result(series_client, "/api/jobs/comparison")
    assert (found["a"], found["b"]) == ("mnist-cnn epoch_3", "mnist-cnn epoch_1")
    confusion = np.array(found["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 0  # same images, A minus B
    assert found["accuracy_a"] == pytest.approx(history["accuracy"][2])
    # Fixed: wrong under B (epoch 1), right under A (epoch 3): what training fixed; so fixed -
    # broken is A's gain over B, in images.
    gained = len(found["fixed"]) - len(found["broken"])
    assert gained > 0 and gained == round((found["accuracy_a"] - found["accuracy_b"]) * 1000)
    similarity = _result(series_client, "/api/jobs/cka", {"indices": list(range(256))})
    values = np.array(similarity["values"], dtype=float)
    assert values.shape == (len(similarity["nodes_a"]), len(similarity["nodes_b"]))
    assert similarity["images"] == 256 and np.nanmax(values) <= 1 + 1e-6
    change = series_client.get("/api/checkpoints/weight-change").json()
    assert [layer["node"] for layer in change["layers"]] == [
        "conv1",
        "conv2",
        "conv3",
        "fc1",
        "fc2",
    ]
    assert all(layer["relative"] > 0 for layer in change["layers"])
    maps = series_client.get("/api/image/activations/conv1?index=3&model=compare")
    mine = series_client.get("/api/image/activations/conv1?index=3")
    assert maps.status_code == 200 and maps.content != mine.content
    series_client.put("/api/checkpoints/compare", json={"checkpoint": None})
    for path in ("/api/jobs/comparison", "/api/jobs/cka"):
        response = series_client.post(path, json={})
        assert response.status_code == 400 and "compare" in response.text


def test_projection_over_checkpoints(series_client: TestClient) -> None:
    job = finish_job(
        series_client,
        "/api/jobs/checkpoint-projection",
        {"nodes": ["fc1"], "indices": list(range(200))},
    )
    assert job["state"] == "done" and job["result_url"].startswith("api/projections/")
    whole = series_client.get("/" + job["result_url"])
    assert whole.headers["X-Frames"] == "epoch_1,epoch_2,epoch_3"
    assert whole.headers["X-Shape"] == "3,200,2"
    frame = series_client.get("/" + job["result_url"] + "/layers/2")
    assert frame.headers["X-Frame"] == "epoch_3" and frame.headers["X-Node"] == "fc1"
    scores = series_client.get("/" + job["result_url"] + "/scores").json()
    assert len(scores["knn_layout"]) == 3
    bad = series_client.post("/api/jobs/checkpoint-projection", json={"nodes": ["nope"]})
    assert bad.status_code == 404 and "nope" in bad.text


def test_the_layers_by_checkpoints_grid(series_client: TestClient) -> None:
    body = {"nodes": ["conv3", "fc1"], "indices": list(range(100)), "pivots": 10}
    job = finish_job(series_client, "/api/jobs/checkpoint-projection", body)
    assert job["state"] == "done", job
    url = "/" + job["result_url"]
    assert series_client.get(url).headers["X-Shape"] == "6,100,2"
    frame = series_client.get(url + "/layers/4")  # row 1 (fc1), checkpoint 1
    assert (frame.headers["X-Node"], frame.headers["X-Frame"]) == ("fc1", "epoch_2")
    assert len(series_client.get(url + "/scores").json()["knn_layout"]) == 6
    twice = series_client.post("/api/jobs/checkpoint-projection", json={"nodes": ["fc1", "fc1"]})
    assert twice.status_code == 400 and "each layer once" in twice.text, twice.text
    for wrong in ({}, {"nodes": []}, {"node": "fc1"}):
        response = series_client.post("/api/jobs/checkpoint-projection", json=wrong)
        assert response.status_code == 422, response.text
    missing = series_client.post("/api/jobs/checkpoint-projection", json={"nodes": ["fc1", "nope"]})
    assert missing.status_code == 404 and "nope" in missing.text


def test_channel_statistics_under_a_and_b(
    series_client: TestClient, mnist_series, mnist_split
) -> None:  # type: ignore[no-untyped-def]
    assert series_client.get("/api/checkpoints").json()["compare_checkpoint"] == 0
    for model in ("selected", "compare"):
        absent = series_client.get(f"/api/channel-stats/conv2?model={model}&if_cached=true")
        assert absent.status_code == 204
        job = finish_job(series_client, f"/api/jobs/channel-stats/conv2?model={model}", None)
        assert job["state"] == "done", job
    a = series_client.get("/api/channel-stats/conv2").json()
    b = series_client.get("/api/channel-stats/conv2?model=compare").json()
    direct = channel_statistics(
        load_checkpoints("mnist-cnn", mnist_series)[0], mnist_split[1], "conv2"
    )
    np.testing.assert_allclose(b["mean"], direct.mean, rtol=1e-5)
    assert not np.allclose(a["mean"], b["mean"])  # epoch 3 against epoch 1
    # Another B: its own statistics, none yet (never epoch 1's).
    series_client.put("/api/checkpoints/compare", json={"checkpoint": 1})
    other = series_client.get("/api/channel-stats/conv2?model=compare&if_cached=true")
    assert other.status_code == 204
    series_client.put("/api/checkpoints/compare", json={})
    nothing = series_client.get("/api/channel-stats/conv2?model=compare")
    assert nothing.status_code == 400 and "compare" in nothing.text


def test_a_lone_model_has_no_series(lone_client: TestClient) -> None:
    listed = lone_client.get("/api/checkpoints").json()
    assert listed["series"] is False and listed["checkpoints"] == [listed["model"]]
    for method, path, body in (
        ("put", "/api/checkpoints/selected", {"checkpoint": 1}),
        ("post", "/api/jobs/checkpoint-history", {}),
        ("post", "/api/jobs/checkpoint-projection", {"nodes": ["conv1"]}),
        ("put", "/api/checkpoints/compare", {"external": True}),
        ("get", "/api/checkpoints/weight-change", None),
    ):
        response = getattr(lone_client, method)(
            path, **({"json": body} if body is not None else {})
        )
        assert response.status_code == 400, (path, response.text)
        assert "detail" in response.json()


def test_strips_report_their_transfer_to_the_compared_model(series_client: TestClient) -> None:
    body = {"image": {"index": 3}, "target": 2, "frames": 4, "steps": 8}
    strip = _result(series_client, "/api/jobs/strip", body)
    assert strip["reference"] == "mnist-cnn epoch_1"
    transfer = np.array(strip["transfer_probs"])
    frames = np.frombuffer(series_client.get("/" + strip["frames_url"]).content, dtype="<f4")
    compared = series_client.app.state.session.compare  # type: ignore[attr-defined]
    expected = compared.predict(torch.from_numpy(frames.reshape(4, 1, 28, 28).copy())).numpy()
    np.testing.assert_allclose(transfer, expected, atol=1e-5)
    assert strip["transfer"] == pytest.approx(transfer[-1, 2], abs=1e-6)
    series_client.put("/api/checkpoints/compare", json={"checkpoint": None})
    alone = _result(series_client, "/api/jobs/strip", body)
    assert alone["key"] != strip["key"] and alone["reference"] is None  # the key names B
    assert alone["transfer_probs"] is None and alone["transfer"] is None

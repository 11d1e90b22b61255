"""The JSON/binary API, in process: answers agree with the library; bad input is a 4xx."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from deepling import create_app, evaluate
from deepling.server.session import Session


@pytest.fixture()
def session(trained_mnist, mnist_split, tmp_path) -> Session:  # type: ignore[no-untyped-def]
    return Session.open(trained_mnist[0], mnist_split[1], tmp_path)


@pytest.fixture()
def client(session: Session) -> Iterator[TestClient]:
    with TestClient(create_app(session)) as c:
        yield c


def _wait(client: TestClient, job_id: str, timeout: float = 60) -> dict:  # type: ignore[type-arg]
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_model_graph_and_dataset_describe_the_session(client: TestClient, session: Session) -> None:
    info = client.get("/api/model").json()
    assert info["input_shape"] == [1, 28, 28] and info["classes"] == [str(d) for d in range(10)]
    assert info["parameters"] == sum(p.numel() for p in session.model.module.parameters())
    graph = client.get("/api/graph").json()
    assert [n["name"] for n in graph["nodes"]] == session.model.graph().names
    data = client.get("/api/dataset").json()
    assert data["size"] == 1000 and sum(data["class_counts"]) == 1000
    page = client.get("/api/dataset/images", params={"offset": 990, "limit": 100}).json()
    assert [e["index"] for e in page["images"]] == list(range(990, 1000))
    assert [e["label"] for e in page["images"]] == session.dataset.labels[990:].tolist()


def test_image_png_is_the_stored_image(client: TestClient, session: Session) -> None:
    response = client.get("/api/image/image.png", params={"index": 7, "scale": 2})
    assert response.headers["content-type"] == "image/png"
    pixels = np.asarray(Image.open(io.BytesIO(response.content)))
    assert pixels.shape == (56, 56)
    assert np.array_equal(pixels[::2, ::2], session.dataset.pixels[7, 0].numpy())


def test_predictions_and_activations_match_the_library(
    client: TestClient, session: Session
) -> None:
    model = session.model
    x = session.dataset.batch([5], model.input_shape)
    probs = model.predict(x)[0]
    top = client.get("/api/image/predictions", params={"index": 5, "top": 3}).json()
    assert top["label"] == int(session.dataset.labels[5])
    assert [s["index"] for s in top["top"]] == probs.topk(3).indices.tolist()
    assert top["top"][0]["probability"] == pytest.approx(float(probs.max()), abs=1e-6)

    response = client.get("/api/image/activations/conv2", params={"index": 5})
    shape = tuple(int(v) for v in response.headers["X-Shape"].split(","))
    values = np.frombuffer(response.content, dtype="<f4").reshape(shape)
    expected = model.activations(x, ["conv2"])["conv2"][0].numpy()
    assert shape == (32, 14, 14) and np.allclose(values, expected, atol=1e-6)

    tiles = client.get("/api/image/activations/conv2", params={"index": 5, "format": "png"})
    atlas = np.asarray(Image.open(io.BytesIO(tiles.content)))
    assert tiles.headers["X-Grid"] == "6,6" and tiles.headers["X-Tile"] == "14,14"
    assert atlas.shape == (6 * 15 - 1, 6 * 15 - 1)
    brightest = np.unravel_index(expected.argmax(), expected.shape)
    c, r, q = brightest
    assert atlas[(c // 6) * 15 + r, (c % 6) * 15 + q] == 255  # shared scale: max is white


@pytest.mark.parametrize(
    ("path", "status", "names"),
    [
        ("/api/image/predictions?index=1000", 404, "out of range"),
        ("/api/image/predictions?index=-1", 422, "index"),
        ("/api/image/predictions?index=abc", 422, "index"),
        ("/api/image/predictions?index=0&top=0", 422, "top"),
        ("/api/image/activations/nope?index=0", 404, "nope"),
        ("/api/image/activations/conv1?index=0&format=jpeg", 422, "format"),
        ("/api/image/image.png?index=0&scale=1000", 422, "scale"),
        ("/api/dataset/images?limit=100000", 422, "limit"),
        ("/api/jobs/doesnotexist", 404, "doesnotexist"),
        ("/api/evaluation", 404, "not been evaluated"),
    ],
)
def test_bad_requests_are_4xx_naming_the_problem(
    client: TestClient, path: str, status: int, names: str
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert names in response.text


def test_evaluation_job_runs_reports_and_is_served(client: TestClient, session: Session) -> None:
    started = client.post("/api/jobs/evaluation")
    assert started.status_code == 202
    job = _wait(client, started.json()["id"])
    assert job["state"] == "done" and job["progress"] == 1.0 and job["total"] == 1000
    summary = client.get("/api/evaluation").json()
    expected = evaluate(session.model, session.dataset)
    assert summary["accuracy"] == pytest.approx(expected.accuracy)
    assert np.array_equal(np.array(summary["confusion"]), expected.confusion)
    per_image = client.get("/api/evaluation/images").json()
    assert per_image["predictions"] == expected.predictions.tolist()


def test_finished_evaluation_survives_a_restart(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(session)) as first:
        _wait(first, first.post("/api/jobs/evaluation").json()["id"])
    reopened = Session.open(session.model, session.dataset, tmp_path)
    with TestClient(create_app(reopened)) as second:
        assert second.get("/api/evaluation").status_code == 200


def test_jobs_can_be_cancelled_queued_or_running(client: TestClient, session: Session) -> None:
    release = threading.Event()

    def blocking(job) -> None:  # type: ignore[no-untyped-def]
        while not release.is_set():
            job.report(0, 1)  # raises Cancelled once the job is cancelled
            time.sleep(0.01)

    running = session.jobs.submit("blocker", blocking)
    queued = client.post("/api/jobs/evaluation").json()
    assert client.delete(f"/api/jobs/{queued['id']}").json()["state"] == "cancelled"
    client.delete(f"/api/jobs/{running.id}")
    assert _wait(client, running.id)["state"] == "cancelled"
    assert session.evaluation is None


def test_openapi_and_page_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/image/activations/{node}" in spec["paths"]
    page = client.get("/")
    assert page.status_code == 200 and "<title>Deepling</title>" in page.text
    script = re.search(r'src="\./(assets/[^"]+\.js)"', page.text)
    assert script is not None, "the page loads no bundled script"
    assert client.get("/" + script.group(1)).status_code == 200


def test_sprite_sheets_hold_256_thumbnails_in_order(client: TestClient, session: Session) -> None:
    response = client.get("/api/dataset/sprites/1.png", params={"size": 28})
    sheet = np.asarray(Image.open(io.BytesIO(response.content)).convert("L"))
    assert sheet.shape == (16 * 28, 16 * 28)
    for index in (256, 256 + 17, 511):
        row, col = divmod(index - 256, 16)
        tile = sheet[row * 28 : (row + 1) * 28, col * 28 : (col + 1) * 28]
        assert np.array_equal(tile, session.dataset.pixels[index, 0].numpy())
    last = client.get("/api/dataset/sprites/3.png", params={"size": 28})  # images 768-999
    assert last.status_code == 200
    assert client.get("/api/dataset/sprites/4.png").status_code == 404
    assert client.get("/api/dataset/sprites/0.png", params={"size": 4}).status_code == 422


def test_channel_statistics_job_and_route(client: TestClient, session: Session) -> None:
    assert client.get("/api/channel-stats/relu_1").status_code == 404
    assert client.get("/api/channel-stats/relu_1?if_cached=true").status_code == 204
    assert client.post("/api/jobs/channel-stats/nope").status_code == 404
    job = _wait(client, client.post("/api/jobs/channel-stats/relu_1").json()["id"])
    assert job["state"] == "done"
    stats = client.get("/api/channel-stats/relu_1").json()
    acts = session.model.activations(
        session.dataset.batch(range(len(session.dataset)), session.model.input_shape), ["relu_1"]
    )["relu_1"]
    assert stats["images"] == 1000 and len(stats["mean"]) == 32
    assert np.allclose(stats["mean"], acts.mean(dim=(0, 2, 3)).numpy(), atol=1e-5)
    dead = (acts.amax(dim=(2, 3)) <= 0).float().mean(dim=0).numpy()
    assert np.allclose(stats["dead_fraction"], dead)

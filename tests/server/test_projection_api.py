"""Projection jobs over HTTP: coordinates as binary float32, cached, bad requests refused."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from deepling import create_app
from deepling.analysis.projection import default_nodes
from deepling.server.session import Session
from job_client import finish_job


@pytest.fixture()
def client(trained_mnist, mnist_split, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(Session.open(trained_mnist[0], mnist_split[1], tmp_path))) as c:
        yield c


def _finish(client: TestClient, body: dict) -> dict:  # type: ignore[type-arg]
    return finish_job(client, "/api/jobs/projection", body)


def test_projection_job_serves_binary_coordinates(client: TestClient, mnist_split) -> None:  # type: ignore[no-untyped-def]
    data = mnist_split[1]
    indices = [i for i in range(len(data)) if data.labels[i] in (3, 8)][:60]
    job = _finish(client, {"indices": indices, "pivots": 20})
    assert job["state"] == "done" and job["result_url"].startswith("api/projections/")
    response = client.get("/" + job["result_url"])
    layers, points, two = (int(v) for v in response.headers["X-Shape"].split(","))
    coords = np.frombuffer(response.content, dtype="<f4").reshape(layers, points, two)
    nodes = response.headers["X-Nodes"].split(",")
    assert nodes == client.get("/api/projection-layers").json()["all"]
    assert (layers, points, two) == (len(nodes), 60, 2)
    assert np.abs(coords).max() <= 1.0 + 1e-6 and np.isfinite(coords).all()
    again = _finish(client, {"indices": indices, "pivots": 20})  # cached: the same result
    assert again["result_url"] == job["result_url"]


def test_projection_of_chosen_layers(client: TestClient) -> None:
    layers = client.get("/api/projection-layers").json()
    assert layers["conv_pool"][0] == "x" and layers["conv_pool"][-1] == "fc2"
    assert all(n.startswith(("conv", "pool")) for n in layers["conv_pool"][1:-1])
    job = _finish(client, {"indices": list(range(30)), "nodes": layers["conv_pool"]})
    response = client.get("/" + job["result_url"])
    assert response.headers["X-Nodes"].split(",") == layers["conv_pool"]


@pytest.mark.parametrize(
    ("body", "status", "names"),
    [
        ({"indices": [0, 5000]}, 400, "indices[1] = 5000"),
        ({"indices": [-1]}, 400, "indices[0] = -1"),
        ({"indices": []}, 422, "indices"),
        ({"indices": [1, 2], "nodes": ["nope"]}, 404, "nope"),
        ({"indices": [1, 2], "pivots": 1}, 422, "pivots"),
        ({"indices": "all"}, 422, "indices"),
    ],
)
def test_bad_projection_requests(client: TestClient, body: dict, status: int, names: str) -> None:  # type: ignore[type-arg]
    response = client.post("/api/jobs/projection", json=body)
    assert response.status_code == status and names in response.text


def test_unknown_or_hostile_projection_keys_are_404(client: TestClient) -> None:
    for key in ("0" * 32, "..%2F..%2Fetc%2Fpasswd", "zz"):
        assert client.get(f"/api/projections/{key}").status_code == 404


def test_default_layers_skip_reshapes(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    assert "flatten" not in default_nodes(trained_mnist[0].graph())


def test_results_too_big_are_refused(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from deepling.server.projection import job

    monkeypatch.setattr(job, "MAX_RESULT_VALUES", 2 * 2 * 10)  # ten images at two layers
    nodes = ["conv1", "fc2"]
    response = client.post(
        "/api/jobs/projection", json={"indices": list(range(11)), "nodes": nodes}
    )
    assert response.status_code == 400 and "at most 20 image-layers" in response.text
    body = {"indices": list(range(10)), "nodes": nodes}
    assert client.post("/api/jobs/projection", json=body).status_code == 202


def test_without_indices_every_image_is_projected(client: TestClient, mnist_split) -> None:  # type: ignore[no-untyped-def]
    job = _finish(client, {"nodes": ["conv1", "fc2"], "pivots": 10})
    coords = _coords(client, job)
    assert coords.shape == (2, len(mnist_split[1]), 2) and np.isfinite(coords).all()


def _keep(client: TestClient, index: int, edits: list[dict]) -> str:  # type: ignore[type-arg]
    entry = client.post("/api/tray", json={"image": {"index": index}, "edits": edits})
    assert entry.status_code == 201, entry.text
    assert entry.json()["source"] == index
    return str(entry.json()["id"])


def _coords(client: TestClient, job: dict) -> np.ndarray:  # type: ignore[type-arg]
    response = client.get("/" + job["result_url"])
    shape = tuple(int(v) for v in response.headers["X-Shape"].split(","))
    return np.frombuffer(response.content, dtype="<f4").reshape(shape)


def test_tray_images_are_projected_after_the_dataset_images(client: TestClient) -> None:
    indices = list(range(40))
    same = _keep(client, 7, [])  # unedited: the same pixels as dataset image 7
    flipped = _keep(client, 7, [{"op": "flip", "axis": "vertical"}])
    job = _finish(client, {"indices": indices, "pivots": 10, "tray": [flipped, same]})
    assert job["state"] == "done", job
    coords = _coords(client, job)
    assert coords.shape[1] == 42
    # Point 41 is the unedited copy of image 7: the same activations, so the same place at
    # every layer; point 40 (flipped) is elsewhere at the input layer.
    np.testing.assert_allclose(coords[:, 41], coords[:, 7], atol=1e-4)
    assert np.linalg.norm(coords[0, 40] - coords[0, 7]) > 1e-2
    plain = _coords(client, _finish(client, {"indices": indices, "pivots": 10}))
    assert plain.shape[1] == 40


def test_projection_cache_key_follows_the_tray_pixels(client: TestClient) -> None:
    body = {"indices": list(range(20)), "pivots": 5}
    flipped = _keep(client, 3, [{"op": "flip", "axis": "horizontal"}])
    brighter = _keep(client, 3, [{"op": "brightness", "delta": 0.3}])
    again = _keep(client, 3, [{"op": "flip", "axis": "horizontal"}])  # new id, same pixels
    urls = [_finish(client, body | {"tray": [t]})["result_url"] for t in (flipped, brighter, again)]
    assert urls[0] != urls[1] and urls[0] == urls[2]
    assert _finish(client, body)["result_url"] not in urls


def test_unknown_or_too_many_tray_images_are_refused(client: TestClient) -> None:
    known = _keep(client, 1, [])
    body = {"indices": [1, 2, 3], "tray": [known, "nothere"]}
    response = client.post("/api/jobs/projection", json=body)
    assert response.status_code == 404 and "nothere" in response.text
    response = client.post("/api/jobs/projection", json={"indices": [1], "tray": [known] * 33})
    assert response.status_code == 422 and "tray" in response.text


def test_projection_scores_route(client: TestClient, mnist_split) -> None:  # type: ignore[no-untyped-def]
    data = mnist_split[1]
    indices = [i for i in range(len(data)) if data.labels[i] in (4, 9)][:80]
    tray = _keep(client, indices[0], [{"op": "flip", "axis": "vertical"}])
    job = _finish(client, {"indices": indices, "pivots": 20, "tray": [tray]})
    response = client.get("/" + job["result_url"] + "/scores")
    assert response.status_code == 200, response.text
    scores = response.json()
    nodes = client.get("/" + job["result_url"]).headers["X-Nodes"].split(",")
    assert scores["nodes"] == nodes
    for name in ("knn_layout", "knn_full", "silhouette"):
        assert len(scores[name]) == len(nodes) and all(v is not None for v in scores[name])
    assert all(0 <= v <= 1 for v in scores["knn_layout"] + scores["knn_full"])
    assert all(-1 <= v <= 1 for v in scores["silhouette"])
    # The dataset images are scored by their true classes, the tray image is not.
    assert scores["layout_points"] == scores["full_points"] == 80 and scores["neighbours"] == 5
    share = max(np.mean(data.labels[indices] == 4), np.mean(data.labels[indices] == 9))
    assert scores["chance"] == pytest.approx(share, abs=1e-5)
    # The trained network tells 4 from 9 at its last layer better than the pixels do.
    assert scores["knn_full"][-1] > 0.9 and scores["silhouette"][-1] > scores["silhouette"][0]


def test_projection_scores_of_unknown_keys_are_404(client: TestClient) -> None:
    for key in ("0" * 32, "zz", "..%2F..%2Fetc%2Fpasswd"):
        response = client.get(f"/api/projections/{key}/scores")
        assert response.status_code == 404
        assert "No projection" in response.text or "%2F" in key  # that one matches no route

"""Channel semantics over HTTP: feature visualisation and layer atlas jobs serving PNGs, the
top-activation table and its per-channel rankings and overlays, bad requests refused."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from deepling import create_app
from deepling.server.session import Session
from job_client import finish_job


@pytest.fixture()
def client(trained_mnist, mnist_split, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(Session.open(trained_mnist[0], mnist_split[1], tmp_path))) as c:
        yield c


def _finish(client: TestClient, path: str, body: dict | None = None) -> dict:  # type: ignore[type-arg]
    state = finish_job(client, path, body, timeout=60)
    assert state["state"] == "done", state
    return state


def _png(response) -> np.ndarray:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(response.content)))


def test_featurevis_job_serves_a_png_and_is_cached(client: TestClient) -> None:
    body = {"node": "relu_1", "channel": 3, "steps": 32}
    job = _finish(client, "/api/jobs/featurevis", body)
    pixels = _png(client.get("/" + job["result_url"] + "?scale=2"))
    assert pixels.shape == (56, 56) and pixels.max() > pixels.min()  # grayscale, enlarged
    started = time.perf_counter()
    again = _finish(client, "/api/jobs/featurevis", body)
    assert again["result_url"] == job["result_url"]
    assert time.perf_counter() - started < 2, "the cached result comes at once"
    other = _finish(client, "/api/jobs/featurevis", {**body, "channel": 4})
    assert other["result_url"] != job["result_url"]


def test_featurevis_cache_misses_after_an_algorithm_change(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Results of older code are recomputed, not served: the version is part of the key."""
    from deepling.analysis import featurevis

    body = {"node": "relu_1", "channel": 3, "steps": 8}
    old = _finish(client, "/api/jobs/featurevis", body)
    monkeypatch.setattr(featurevis, "FEATUREVIS_VERSION", featurevis.FEATUREVIS_VERSION + 1)
    new = _finish(client, "/api/jobs/featurevis", body)
    assert new["result_url"] != old["result_url"]


def test_layer_atlas_grid_png(client: TestClient) -> None:
    job = _finish(client, "/api/jobs/layer-atlas", {"node": "relu", "steps": 8})
    response = client.get("/" + job["result_url"])
    pixels = _png(response)
    assert response.headers["X-Channels"] == "16" and response.headers["X-Grid"] == "4,4"
    assert response.headers["X-Tile"] == "28,28" and response.headers["X-Node"] == "relu"
    assert pixels.shape == (4 * 29 - 1, 4 * 29 - 1)


def test_top_activations_table_rankings(
    client: TestClient,
    trained_mnist,  # type: ignore[no-untyped-def]
    mnist_split,
) -> None:
    assert client.get("/api/top-activations/conv2/0").status_code == 404  # not computed yet
    assert client.get("/api/top-activations/conv2/0?if_cached=true").status_code == 204
    _finish(client, "/api/jobs/top-activations/conv2")
    model, held = trained_mnist[0], mnist_split[1]
    acts = model.activations(held.batch(range(len(held)), (1, 28, 28)), ["conv2"])["conv2"]
    for channel in (0, 17):
        top = client.get(f"/api/top-activations/conv2/{channel}?k=6").json()
        means = acts[:, channel].flatten(1).mean(dim=1).numpy()
        assert np.allclose(top["scores"], np.sort(means)[::-1][:6], atol=1e-5)
        assert top["labels"] == [int(held.labels[i]) for i in top["indices"]]
        assert top["images"] == len(held) and top["overlay_max"] >= top["scores"][0]
    by_max = client.get("/api/top-activations/conv2/0?k=3&reduce=max").json()
    assert by_max["reduce"] == "max"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "name"),
    [
        ("post", "/api/jobs/featurevis", {"node": "nope", "channel": 0}, 404, "nope"),
        ("post", "/api/jobs/featurevis", {"node": "relu", "channel": 16}, 400, "channel"),
        ("post", "/api/jobs/featurevis", {"node": "relu", "channel": 0, "steps": 0}, 422, "steps"),
        (
            "post",
            "/api/jobs/featurevis",
            {"node": "relu", "channel": 0, "steps": 99999},
            422,
            "steps",
        ),
        ("post", "/api/jobs/layer-atlas", {"node": "relu", "steps": -1}, 422, "steps"),
        ("post", "/api/jobs/top-activations/nope", None, 404, "nope"),
        ("get", "/api/top-activations/relu/99", None, 400, "channel"),
        ("get", "/api/top-activations/relu/0?k=0", None, 422, "k"),
        ("get", "/api/top-activations/relu/0?reduce=median", None, 422, "reduce"),
        ("get", "/api/featurevis/../../etc.png", None, 404, ""),
        ("get", "/api/featurevis/" + "a" * 32 + ".png", None, 404, "feature"),
    ],
)
def test_bad_requests_are_refused_naming_the_parameter(  # type: ignore[no-untyped-def]
    client: TestClient, method, path, body, status, name
) -> None:
    response = client.post(path, json=body) if method == "post" else client.get(path)
    assert response.status_code == status, response.text
    assert name in response.text

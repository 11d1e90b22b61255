"""Attribution maps over HTTP: fast methods at once, slow ones as cached jobs, bad input 4xx."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

import deepling
from deepling import create_app
from deepling.server.session import Session
from job_client import finish_job


@pytest.fixture()
def client(trained_mnist, mnist_split, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(Session.open(trained_mnist[0], mnist_split[1], tmp_path))) as c:
        yield c


def _map(response) -> np.ndarray:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    shape = tuple(int(v) for v in response.headers["X-Shape"].split(","))
    return np.frombuffer(response.content, dtype="<f4").reshape(shape)


def _finish(client: TestClient, body: dict) -> dict:  # type: ignore[type-arg]
    return finish_job(client, "/api/jobs/attribution", body)


def test_method_list_names_the_node_methods(client: TestClient) -> None:
    body = client.get("/api/attribution/methods").json()
    names = [m["name"] for m in body["methods"]]
    assert set(names) == {"saliency", "integrated_gradients", "smoothgrad", "grad_cam", "occlusion"}
    assert [m["name"] for m in body["methods"] if m["takes_node"]] == ["grad_cam"]
    assert body["default_node"] == "conv3" and "conv1" in body["nodes"]
    assert "fc1" not in body["nodes"] and "x" not in body["nodes"]


def test_saliency_for_the_predicted_class_by_default(  # type: ignore[no-untyped-def]
    client: TestClient, trained_mnist, mnist_split
) -> None:
    model, data = trained_mnist[0], mnist_split[1]
    predicted = client.get("/api/image/predictions?index=7").json()["top"][0]["index"]
    response = client.get("/api/attribution?index=7&method=saliency")
    values = _map(response)
    assert values.shape == (28, 28) and np.isfinite(values).all() and (values >= 0).all()
    assert response.headers["X-Target"] == str(predicted)
    assert response.headers["X-Signed"] == "false"
    expected = deepling.attribute(model, data.batch([7], model.input_shape)[0], "saliency")
    np.testing.assert_allclose(values, expected.numpy(), rtol=1e-5)
    clip = float(response.headers["X-Clip"])
    assert 0 < clip <= values.max()
    png = client.get("/api/attribution?index=7&method=saliency&format=png")
    assert png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (28, 28)


def test_grad_cam_at_a_chosen_node(client: TestClient) -> None:
    default = client.get("/api/attribution?index=3&method=grad_cam&target=1")
    assert default.headers["X-Node"] == "conv3" and default.headers["X-Target"] == "1"
    early = client.get("/api/attribution?index=3&method=grad_cam&target=1&node=conv1")
    assert early.headers["X-Node"] == "conv1"
    assert not np.allclose(_map(default), _map(early))
    # Nodes mean nothing to the pixel methods: ignored there.
    assert client.get("/api/attribution?index=3&method=saliency&node=conv1").headers["X-Node"] == ""


def test_slow_methods_run_as_jobs_and_are_cached(client: TestClient) -> None:
    url = "/api/attribution?index=4&method=integrated_gradients&target=2"
    missing = client.get(url)
    assert missing.status_code == 404 and "POST /api/jobs/attribution" in missing.text
    assert client.get(url + "&if_cached=true").status_code == 204  # asked politely: no error
    body = {"image": {"index": 4}, "method": "integrated_gradients", "target": 2}
    job = _finish(client, body)
    assert job["state"] == "done" and job["result_url"].startswith("api/attribution?")
    values = _map(client.get("/" + job["result_url"]))
    assert values.shape == (28, 28) and (values < 0).any() and (values > 0).any()
    np.testing.assert_array_equal(values, _map(client.get(url)))
    np.testing.assert_array_equal(values, _map(client.get(url + "&if_cached=true")))
    again = _finish(client, body)
    assert again["result_url"] == job["result_url"]


def test_tray_images_have_maps_and_predictions(  # type: ignore[no-untyped-def]
    client: TestClient, mnist_split
) -> None:
    session: Session = client.app.state.session  # type: ignore[attr-defined]
    pixels = mnist_split[1].batch([5], (1, 28, 28))[0]
    pixels[:, :14] = 0  # an edit: the top half blacked out
    image = session.tray.add(pixels, "edited", label=int(mnist_split[1].labels[5]))
    prediction = client.get(f"/api/image/predictions?tray={image.id}&top=3").json()
    assert len(prediction["top"]) == 3 and prediction["label"] == int(mnist_split[1].labels[5])
    probabilities = [p["probability"] for p in prediction["top"]]
    assert probabilities == sorted(probabilities, reverse=True)
    values = _map(client.get(f"/api/attribution?tray={image.id}&method=grad_cam"))
    assert values.shape == (28, 28)
    job = _finish(client, {"image": {"tray": image.id}, "method": "occlusion"})
    assert f"tray={image.id}" in job["result_url"]
    assert _map(client.get("/" + job["result_url"])).shape == (28, 28)
    png = client.get(f"/api/image/image.png?tray={image.id}").content
    shown = Image.open(io.BytesIO(png))
    assert shown.size == (28, 28) and np.asarray(shown)[:14].max() == 0


@pytest.mark.parametrize(
    ("url", "status", "names"),
    [
        ("/api/attribution?index=0&method=lime", 400, "method 'lime'"),
        ("/api/attribution?index=0&method=saliency&target=10", 400, "target 10"),
        ("/api/attribution?index=0&method=saliency&target=-1", 400, "target -1"),
        ("/api/attribution?index=0&method=grad_cam&node=nope", 404, "nope"),
        ("/api/attribution?index=0&method=grad_cam&node=fc1", 400, "fc1"),
        ("/api/attribution?index=5000&method=saliency", 404, "5000"),
        ("/api/attribution?method=saliency", 400, "index"),
        ("/api/attribution?index=0&tray=ab&method=saliency", 400, "tray"),
        ("/api/attribution?tray=nope&method=saliency", 404, "nope"),
        ("/api/attribution?index=0", 422, "method"),
        ("/api/attribution?index=0&method=saliency&format=jpg", 422, "format"),
        ("/api/image/predictions?index=0&top=0", 422, "top"),
    ],
)
def test_bad_requests_name_the_parameter(
    client: TestClient, url: str, status: int, names: str
) -> None:
    response = client.get(url)
    assert response.status_code == status and names in response.text, response.text


@pytest.mark.parametrize(
    ("body", "status", "names"),
    [
        ({"image": {"index": 0}, "method": "nope"}, 400, "method 'nope'"),
        ({"image": {"index": 0}, "method": "occlusion", "target": 99}, 400, "target 99"),
        ({"image": {"index": 0, "tray": "x"}, "method": "occlusion"}, 422, "exactly one"),
        ({"image": {"index": 0}, "method": "grad_cam", "node": "bad"}, 404, "bad"),
        ({"method": "occlusion"}, 422, "image"),
    ],
)
def test_bad_job_requests_name_the_parameter(  # type: ignore[type-arg]
    client: TestClient, body: dict, status: int, names: str
) -> None:
    response = client.post("/api/jobs/attribution", json=body)
    assert response.status_code == status and names in response.text, response.text


def test_the_model_is_left_as_found(  # type: ignore[no-untyped-def]
    client: TestClient, trained_mnist
) -> None:
    module = trained_mnist[0].module
    before = {k: v.clone() for k, v in module.state_dict().items()}
    for method in ("saliency", "grad_cam"):
        assert client.get(f"/api/attribution?index=1&method={method}").status_code == 200
    assert _finish(client, {"image": {"index": 1}, "method": "smoothgrad"})["state"] == "done"
    assert all(p.requires_grad for p in module.parameters())
    assert all(torch.equal(v, before[k]) for k, v in module.state_dict().items())
    assert not any(m._forward_hooks for m in module.modules())

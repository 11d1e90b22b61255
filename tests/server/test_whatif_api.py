"""What-if routes in process: edit previews agree with the library, the tray feeds every
per-image route, uploads are refused cleanly, occlusion maps run as cached jobs."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

from deepling import apply_edits, create_app
from deepling.analysis.edits import parse_edits
from deepling.server.session import Session
from job_client import finish_job

OCCLUDE_ALL = {"op": "occlude", "x": 0, "y": 0, "w": 28, "h": 28, "fill": "grey"}


@pytest.fixture()
def session(trained_mnist, mnist_split, tmp_path) -> Session:  # type: ignore[no-untyped-def]
    return Session.open(trained_mnist[0], mnist_split[1], tmp_path)


@pytest.fixture()
def client(session: Session) -> Iterator[TestClient]:
    with TestClient(create_app(session)) as c:
        yield c


def _pixels(session: Session, index: int) -> torch.Tensor:
    return session.dataset.batch([index], session.model.input_shape)[0]


def _png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def test_preview_matches_the_library(client: TestClient, session: Session) -> None:
    edits = [{"op": "rotate", "degrees": 90}, {"op": "brightness", "delta": 0.2}]
    body = client.post("/api/whatif/preview", json={"image": {"index": 3}, "edits": edits}).json()
    original = _pixels(session, 3)
    edited = apply_edits(original, parse_edits(edits))
    expected = session.model.predict(torch.stack([original, edited]))
    assert np.allclose(body["original"], expected[0], atol=1e-5)
    assert np.allclose(body["probabilities"], expected[1], atol=1e-5)
    assert body["top"][0]["index"] == int(expected[1].argmax()) and len(body["top"]) == 5
    assert body["label"] == int(session.dataset.labels[3]) and body["activations"] is None
    image = _png(base64.b64decode(body["image"].split(",", 1)[1]))
    assert np.array_equal(image, (edited[0] * 255).round().byte().numpy())


def test_occluding_everything_changes_the_prediction(client: TestClient) -> None:
    body = client.post(
        "/api/whatif/preview", json={"image": {"index": 0}, "edits": [OCCLUDE_ALL]}
    ).json()
    assert body["probabilities"] != body["original"]
    image = _png(base64.b64decode(body["image"].split(",", 1)[1]))
    assert (image == 128).all()


def test_preview_with_a_node_returns_its_activations(client: TestClient, session: Session) -> None:
    node = session.model.graph().nodes[2]
    edits = [{"op": "occlude", "x": 4, "y": 4, "w": 10, "h": 10, "fill": "noise", "seed": 3}]
    body = client.post(
        "/api/whatif/preview", json={"image": {"index": 1}, "edits": edits, "node": node.name}
    ).json()
    acts = body["activations"]
    assert acts["node"] == node.name and acts["shape"] == list(node.shape)
    values = np.frombuffer(base64.b64decode(acts["data"]), "<f4").reshape(node.shape)
    edited = apply_edits(_pixels(session, 1), parse_edits(edits))
    expected = session.model.activations(edited[None], [node.name])[node.name][0]
    assert np.allclose(values, expected.numpy(), atol=1e-5)
    assert acts["min"] == pytest.approx(float(expected.min()), rel=1e-4, abs=1e-6)
    png = client.post(
        "/api/whatif/preview",
        json={"image": {"index": 1}, "edits": edits, "node": node.name, "format": "png"},
    ).json()
    cols, rows = png["activations"]["grid"]
    assert cols * rows >= node.shape[0] and png["activations"]["tile"] == list(node.shape[1:])
    assert _png(base64.b64decode(png["activations"]["data"])).ndim == 2


@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        ({"image": {"index": 0}, "node": "no_such_node"}, 404, "no_such_node"),
        ({"image": {"index": 10**6}}, 404, "10"),
        ({"image": {"index": 0, "tray": "x"}}, 422, "exactly one"),
        ({"image": {"index": 0}, "edits": [{"op": "explode"}]}, 422, "op"),
        ({"image": {"index": 0}, "edits": [{"op": "blur", "sigma": -2}]}, 422, "sigma"),
        (
            {"image": {"index": 0}, "edits": [{"op": "crop", "x": 100, "y": 0, "w": 5, "h": 5}]},
            400,
            "crop",
        ),
        ({"image": {"tray": "nothere"}}, 404, "nothere"),
    ],
)
def test_bad_previews_are_4xx_naming_the_problem(
    client: TestClient,
    body: dict,
    status: int,
    word: str,  # type: ignore[type-arg]
) -> None:
    response = client.post("/api/whatif/preview", json=body)
    assert response.status_code == status, response.text
    assert word in response.text


def test_tray_images_follow_every_per_image_route(client: TestClient, session: Session) -> None:
    edits = [{"op": "flip", "axis": "vertical"}, OCCLUDE_ALL | {"w": 14}]
    entry = client.post("/api/tray", json={"image": {"index": 2}, "edits": edits})
    assert entry.status_code == 201, entry.text
    tray_id = entry.json()["id"]
    assert entry.json()["label"] == int(session.dataset.labels[2])
    assert [e["id"] for e in client.get("/api/tray").json()] == [tray_id]
    edited = apply_edits(_pixels(session, 2), parse_edits(edits))
    png = client.get("/api/image/image.png", params={"tray": tray_id})
    assert np.array_equal(_png(png.content), (edited[0] * 255).round().byte().numpy())
    assert client.get(f"/api/image/image.png?tray={tray_id}").content == png.content
    prediction = client.get(f"/api/image/predictions?tray={tray_id}&top=3").json()
    expected = session.model.predict(edited[None])[0]
    assert prediction["top"][0]["index"] == int(expected.argmax()) and len(prediction["top"]) == 3
    node = session.model.graph().nodes[1].name
    acts = client.get(f"/api/image/activations/{node}?tray={tray_id}")
    values = np.frombuffer(acts.content, "<f4")
    want = session.model.activations(edited[None], [node])[node][0].numpy().ravel()
    assert np.allclose(values, want, atol=1e-5)
    # The same routes with ?index= agree with the dataset routes, which keep working.
    by_index = client.get("/api/image/predictions?index=2").json()["top"]
    assert by_index == client.get("/api/image/predictions?index=2").json()["top"]
    assert client.delete(f"/api/tray/{tray_id}").status_code == 204
    assert client.get(f"/api/image/predictions?tray={tray_id}").status_code == 404
    assert client.get("/api/image/predictions").status_code == 400
    assert client.get("/api/image/predictions?index=-1").status_code == 422


def _upload(client: TestClient, data: bytes, name: str = "mine.png"):  # type: ignore[no-untyped-def]
    return client.post("/api/tray/upload", files={"file": (name, data, "application/octet-stream")})


def test_uploads_are_fitted_or_refused(client: TestClient, session: Session) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (100, 60), (255, 255, 255)).save(buffer, format="JPEG")
    response = _upload(client, buffer.getvalue(), "white.jpg")
    assert response.status_code == 201, response.text
    tray_id = response.json()["id"]
    assert response.json()["name"] == "white.jpg" and response.json()["label"] == -1
    assert _png(client.get("/api/image/image.png", params={"tray": tray_id}).content).shape == (
        28,
        28,
    )
    assert client.get(f"/api/image/predictions?tray={tray_id}").status_code == 200
    assert _upload(client, b"not an image at all").status_code == 415
    assert "truncated" in _upload(client, buffer.getvalue()[:300]).text
    too_big = _upload(client, b"\0" * (21 * 2**20))
    assert too_big.status_code == 413 and "limited" in too_big.text
    not_form = client.post(
        "/api/tray/upload", content=buffer.getvalue(), headers={"content-type": "image/jpeg"}
    )
    assert not_form.status_code == 415
    no_file = client.post(
        "/api/tray/upload", data={"other": "x"}, files={"x": ("a", b"1", "text/plain")}
    )
    assert no_file.status_code == 400 and "file" in no_file.text


def _finish(client: TestClient, body: dict) -> dict:  # type: ignore[type-arg]
    return finish_job(client, "/api/jobs/occlusion", body)


def test_occlusion_job_serves_a_cached_map(client: TestClient, session: Session) -> None:
    job = _finish(client, {"image": {"index": 0}, "patch": 7, "stride": 7})
    assert job["state"] == "done", job
    response = client.get("/" + job["result_url"])
    drop = np.frombuffer(response.content, "<f4").reshape(28, 28)
    target = int(response.headers["X-Target"])
    probs = session.model.predict(_pixels(session, 0)[None])[0]
    assert target == int(probs.argmax())
    # Non-overlapping patches: each pixel's value is its patch's drop, checked for one patch.
    occluded = apply_edits(
        _pixels(session, 0), parse_edits([{"op": "occlude", "x": 7, "y": 14, "w": 7, "h": 7}])
    )
    manual = float(probs[target] - session.model.predict(occluded[None])[0, target])
    assert drop[14:21, 7:14] == pytest.approx(manual, abs=1e-5)
    again = _finish(client, {"image": {"index": 0}, "patch": 7, "stride": 7})
    assert again["result_url"] == job["result_url"]
    for body, word in (
        ({"patch": 40}, "patch"),
        ({"patch": 4, "stride": 5}, "stride"),
        ({"target": 10}, "target"),
    ):
        bad = client.post("/api/jobs/occlusion", json={"image": {"index": 0}, **body})
        assert bad.status_code == 400 and word in bad.text
    assert client.get("/api/occlusion/deadbeef").status_code == 404

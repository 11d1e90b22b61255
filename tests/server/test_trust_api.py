"""How far to trust a map, over HTTP: each check is a cached job whose result matches the
library's; the table ranks methods and exports as CSV; bad input is a 4xx naming the fix."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from deepling import create_app
from deepling.analysis.featurevis_check import featurevis_check
from deepling.analysis.trust_faithfulness import faithfulness_report
from deepling.analysis.trust_randomization import randomization_check
from deepling.server.session import Session
from job_client import finish_job


@pytest.fixture()
def client(trained_mnist, mnist_split, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(Session.open(trained_mnist[0], mnist_split[1], tmp_path))) as c:
        yield c


def _done(client: TestClient, path: str, body: dict) -> dict:  # type: ignore[type-arg]
    job = finish_job(client, path, body, timeout=240)
    assert job["state"] == "done", job
    return job


def test_randomization_job_matches_the_library_and_serves_its_maps(  # type: ignore[no-untyped-def]
    client: TestClient, trained_mnist, mnist_split
) -> None:
    model, data = trained_mnist[0], mnist_split[1]
    body = {"image": {"index": 5}, "method": "saliency"}
    job = _done(client, "/api/jobs/trust/randomization", body)
    result = client.get("/" + job["result_url"]).json()
    expected = randomization_check(model, data.batch([5], model.input_shape)[0], "saliency")
    assert result["layers"] == expected.layers == ["fc2", "fc1", "conv3", "conv2", "conv1"]
    np.testing.assert_allclose(result["spearman"], expected.spearman, rtol=1e-6)
    assert result["passed"] == expected.passed and result["signed"] is False
    maps = client.get("/" + result["maps_url"])
    shape = tuple(int(v) for v in maps.headers["X-Shape"].split(","))
    assert shape == (6, 28, 28)
    values = np.frombuffer(maps.content, dtype="<f4").reshape(shape)
    np.testing.assert_allclose(values[0], expected.maps[0].numpy(), rtol=1e-5)
    again = client.post("/api/jobs/trust/randomization", json=body).json()
    assert again["state"] == "done" and again["key"] == job["key"]  # cached


def test_faithfulness_job_gives_every_curve(  # type: ignore[no-untyped-def]
    client: TestClient, trained_mnist, mnist_split
) -> None:
    model, data = trained_mnist[0], mnist_split[1]
    body = {"image": {"index": 2}, "method": "grad_cam", "target": 1}
    job = _done(client, "/api/jobs/trust/faithfulness", body)
    result = client.get("/" + job["result_url"]).json()
    assert result["target"] == 1 and result["node"] == "conv3"
    assert set(result["curves"]) == {"deletion", "insertion", "road_morf", "road_lerf"}
    expected = faithfulness_report(model, data.batch([2], model.input_shape), "grad_cam", target=1)
    for name, curve in result["curves"].items():
        assert curve["area"] == pytest.approx(float(expected.areas[name][0]), rel=1e-6)
        assert len(curve["fractions"]) == len(curve["probabilities"])
    assert result["curves"]["deletion"]["lower_is_faithful"] is True
    assert result["max_sensitivity"] == pytest.approx(float(expected.areas["max_sensitivity"][0]))


def test_the_table_ranks_methods_and_exports_csv(client: TestClient) -> None:
    body = {"images": 6, "methods": ["saliency", "grad_cam", "random", "edges"]}
    job = _done(client, "/api/jobs/trust/table", body)
    table = client.get("/" + job["result_url"]).json()
    assert table["images"] == 6 and len(set(table["indices"])) == 6
    rows = {row["method"]: row for row in table["rows"]}
    assert set(rows) == {"saliency", "grad_cam", "random", "edges"}
    ranks = [row["rank"] for row in table["rows"]]
    assert ranks == sorted(ranks)
    assert rows["random"]["control"] and not rows["saliency"]["control"]
    assert rows["saliency"]["scores"]["deletion"] < rows["random"]["scores"]["deletion"]
    assert not rows["edges"]["passes_randomization"]  # it ignores the model
    assert rows["edges"]["randomization"] == pytest.approx(1.0)
    exported = client.get("/" + table["csv_url"])
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert [line["method"] for line in lines] == [row["method"] for row in table["rows"]]
    assert float(lines[0]["deletion"]) == pytest.approx(
        table["rows"][0]["scores"]["deletion"], rel=1e-5
    )


def test_featurevis_check_reads_the_views_picture_and_top_images(  # type: ignore[no-untyped-def]
    client: TestClient, trained_mnist, mnist_split
) -> None:
    body = {"node": "conv3", "channel": 1, "steps": 32}
    job = _done(client, "/api/jobs/trust/featurevis", body)
    result = client.get("/" + job["result_url"]).json()
    assert result["verdict"] in ("follows", "partly", "diverges")
    assert f"{result['mean_score']:.2f}" in result["sentence"]
    assert result["layers"][-1] == "conv3" and len(result["top_images"]) == 9
    # The picture is the Semantics view's own: its job now finishes from the cache at once.
    picture = client.post("/api/jobs/featurevis", json=body).json()
    assert picture["state"] == "done"
    png = client.get("/" + picture["result_url"])
    assert png.status_code == 200
    model, data = trained_mnist[0], mnist_split[1]
    top = data.batch(result["top_images"], model.input_shape)
    again = featurevis_check(model, top[0], top[1:], top[1:], "conv3", 1)
    assert again.layers == result["layers"]


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/api/jobs/trust/randomization", {"image": {"index": 0}, "method": "lime"}, 400, "edges"),
        (
            "/api/jobs/trust/faithfulness",
            {"image": {"index": 99999}, "method": "saliency"},
            404,
            "index",
        ),
        (
            "/api/jobs/trust/faithfulness",
            {"image": {"index": 0}, "method": "saliency", "target": 10},
            400,
            "out of range",
        ),
        (
            "/api/jobs/trust/randomization",
            {"image": {"index": 0}, "method": "grad_cam", "node": "fc1"},
            400,
            "Grad-CAM",
        ),
        ("/api/jobs/trust/table", {"images": 1}, 422, "images"),
        ("/api/jobs/trust/featurevis", {"node": "output", "channel": 0}, 400, "inside"),
    ],
)
def test_bad_requests_are_4xx_naming_the_problem(
    client: TestClient,
    path: str,
    body: dict,
    status: int,
    words: str,  # type: ignore[type-arg]
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    assert words.lower() in response.text.lower()


def test_unknown_keys_are_404_naming_how_to_make_one(client: TestClient) -> None:
    for path in ("trust/randomization/nope", "trust/table/nope.csv", "trust/featurevis/nope"):
        response = client.get(f"/api/{path}")
        assert response.status_code == 404 and "POST /api/jobs/trust" in response.text


def test_a_model_without_feature_maps_ranks_without_grad_cam(mnist_split, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from deepling.models.model import Model

    mlp = Model(
        torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10)),
        (1, 28, 28),
        classes=[str(i) for i in range(10)],
    )
    with TestClient(create_app(Session.open(mlp, mnist_split[1], tmp_path))) as c:
        refused = c.post("/api/jobs/trust/table", json={"images": 2, "methods": ["grad_cam"]})
        assert refused.status_code == 400 and "grad_cam" in refused.text
        job = finish_job(c, "/api/jobs/trust/table", {"images": 2}, timeout=240)
        assert job["state"] == "done", job
        methods = {row["method"] for row in c.get("/" + job["result_url"]).json()["rows"]}
        assert "grad_cam" not in methods and {"saliency", "edges"} <= methods


def test_latest_table_is_the_selected_models_once_computed(client: TestClient) -> None:
    assert client.get("/api/trust/table/latest").status_code == 204  # nothing asked: no job
    body = {"images": 3, "methods": ["saliency", "random"]}
    job = _done(client, "/api/jobs/trust/table", body)
    latest = client.get("/api/trust/table/latest")
    assert latest.status_code == 200 and latest.json()["key"] == job["key"]
    assert [job["kind"] for job in client.get("/api/jobs").json()].count(
        f"trust-table:{job['key']}"
    ) == 1


def test_server_checks_never_randomise_the_served_model_in_place(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever memory is free, other requests run session.model meanwhile: always a copy.
    import deepling.analysis.trust_randomization as randomization

    def short_of_memory(model: object) -> bool:
        raise AssertionError("a server check asked whether to randomise in place")

    monkeypatch.setattr(randomization, "_copy_fits", short_of_memory)
    for path, body in (
        ("/api/jobs/trust/randomization", {"image": {"index": 1}, "method": "saliency"}),
        ("/api/jobs/trust/table", {"images": 2, "methods": ["saliency"]}),
    ):
        _done(client, path, body)

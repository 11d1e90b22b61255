"""Ablation over HTTP: named sets, predictions with and without, the re-evaluation job."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from deepling import Ablation, create_app
from deepling.server.session import Session
from job_client import finish_job


@pytest.fixture()
def session(trained_mnist, mnist_split, tmp_path) -> Session:  # type: ignore[no-untyped-def]
    return Session.open(trained_mnist[0], mnist_split[1], tmp_path)


@pytest.fixture()
def client(session: Session) -> Iterator[TestClient]:
    with TestClient(create_app(session)) as c:
        yield c


def _last_conv(session: Session) -> tuple[str, int]:
    node = [n for n in session.model.graph().nodes if n.op == "conv2d"][-1]
    return node.name, node.shape[0]


def _finish(client: TestClient, url: str) -> dict:  # type: ignore[type-arg]
    return finish_job(client, url)


def test_sets_are_created_combined_listed_and_deleted(client: TestClient, session: Session) -> None:
    node, _ = _last_conv(session)
    first = client.put(
        "/api/ablations/first", json={"ablations": [{"node": node, "channels": [0, 1]}]}
    )
    assert first.status_code == 200, first.text
    assert first.json()["channels"] == 2
    both = client.put(
        "/api/ablations/both",
        json={
            "ablations": [{"node": "conv1", "channels": [3], "mode": "zero"}],
            "combine": ["first"],
        },
    )
    assert both.json()["channels"] == 3
    assert [a["node"] for a in both.json()["ablations"]] == ["conv1", node]
    assert [s["name"] for s in client.get("/api/ablations").json()] == ["first", "both"]
    assert client.delete("/api/ablations/first").status_code == 204
    assert [s["name"] for s in client.get("/api/ablations").json()] == ["both"]
    assert client.delete("/api/ablations/first").status_code == 404


def test_predictions_before_and_after(client: TestClient, session: Session) -> None:
    node, channels = _last_conv(session)
    client.put(
        "/api/ablations/half",
        json={"ablations": [{"node": node, "channels": list(range(channels // 2))}]},
    )
    body = client.get("/api/ablations/half/predictions?index=3").json()
    x = session.dataset.batch([3], session.model.input_shape)
    ablated = session.model.with_ablations([Ablation.zero(node, range(channels // 2))])
    np.testing.assert_allclose(body["before"], session.model.predict(x)[0].numpy(), atol=1e-6)
    np.testing.assert_allclose(body["after"], ablated.predict(x)[0].numpy(), atol=1e-6)
    # Log-probabilities: a confident image's probabilities may all move by less than 1e-3.
    before, after = (np.log(np.clip(body[k], 1e-30, None)) for k in ("before", "after"))
    assert not np.allclose(before, after, atol=1e-3)
    assert body["label"] == int(session.dataset.labels[3])


def test_mean_mode_needs_channel_statistics(client: TestClient, session: Session) -> None:
    node, _ = _last_conv(session)
    refused = client.put(
        "/api/ablations/m", json={"ablations": [{"node": node, "channels": [2], "mode": "mean"}]}
    )
    assert refused.status_code == 409 and "channel-stats" in refused.json()["detail"]
    assert _finish(client, f"/api/jobs/channel-stats/{node}")["state"] == "done"
    made = client.put(
        "/api/ablations/m", json={"ablations": [{"node": node, "channels": [2], "mode": "mean"}]}
    )
    mean = session.channel_statistics(node)
    assert mean is not None
    assert made.json()["ablations"][0]["values"] == [pytest.approx(float(mean.mean[2]))]


def test_reevaluation_job_reports_per_class_accuracy_and_changes(
    client: TestClient, session: Session
) -> None:
    node, channels = _last_conv(session)
    client.put(
        "/api/ablations/half",
        json={"ablations": [{"node": node, "channels": list(range(channels // 2))}]},
    )
    job = _finish(client, "/api/jobs/ablation/half")
    assert job["state"] == "done", job
    result = client.get("/" + job["result_url"]).json()
    labels = session.dataset.labels
    before = (
        session.model.predict(session.dataset.batch(range(len(labels)), session.model.input_shape))
        .argmax(1)
        .numpy()
    )
    assert result["accuracy_before"] == pytest.approx(float((before == labels).mean()))
    assert result["accuracy_after"] < result["accuracy_before"] - 0.02
    changed = result["changed"]
    assert len(changed["indices"]) > 0
    np.testing.assert_array_equal(changed["before"], before[changed["indices"]])
    assert all(b != a for b, a in zip(changed["before"], changed["after"], strict=True))
    for c in range(10):
        mine = labels == c
        assert result["recall_before"][c] == pytest.approx(
            float((before[mine] == c).mean()), abs=1e-6
        )
    again = _finish(client, "/api/jobs/ablation/half")  # cached: done at once, same result
    assert again["result_url"] == job["result_url"]
    client.put("/api/ablations/other", json={"ablations": [{"node": "conv1", "channels": [0]}]})
    other = _finish(client, "/api/jobs/ablation/other")
    assert other["result_url"] != job["result_url"]  # keyed by the ablation spec


@pytest.mark.parametrize(
    ("body", "status", "names"),
    [
        ({"ablations": [{"node": "nope", "channels": [0]}]}, 404, "nope"),
        ({"ablations": [{"node": "conv1", "channels": [999]}]}, 400, "channel 999"),
        ({"ablations": [{"node": "conv1", "channels": [-1]}]}, 400, "channel -1"),
        ({"ablations": [{"node": "conv1", "channels": [0], "mode": "half"}]}, 422, "mode"),
        ({"ablations": [{"node": "conv1", "channels": []}]}, 422, "channels"),
        ({"ablations": [], "combine": ["missing"]}, 404, "missing"),
        ({"ablations": []}, 400, "nothing"),
    ],
)
def test_bad_sets_are_refused_with_a_message(
    client: TestClient, body: dict, status: int, names: str
) -> None:  # type: ignore[type-arg]
    response = client.put("/api/ablations/bad", json=body)
    assert response.status_code == status, response.text
    assert names in response.text
    assert client.get("/api/ablations").json() == []


def test_unknown_sets_and_results_are_404(client: TestClient) -> None:
    assert client.get("/api/ablations/none/predictions?index=0").status_code == 404
    assert client.post("/api/jobs/ablation/none").status_code == 404
    assert client.get("/api/ablation-effects/" + "0" * 32).status_code == 404
    assert client.get("/api/ablation-effects/..%2Fx").status_code == 404
    assert client.put("/api/ablations/a*b", json={"ablations": []}).status_code == 422


def test_requests_and_a_job_run_side_by_side(client: TestClient, session: Session) -> None:
    """Predictions with and without ablation stay exact while a re-evaluation job runs."""
    node, channels = _last_conv(session)
    client.put(
        "/api/ablations/half",
        json={"ablations": [{"node": node, "channels": list(range(channels // 2))}]},
    )
    expected = client.get("/api/ablations/half/predictions?index=5").json()
    job = client.post("/api/jobs/ablation/half").json()
    plain = session.model.predict(session.dataset.batch([5], session.model.input_shape))[0]
    for _ in range(10):
        body = client.get("/api/ablations/half/predictions?index=5").json()
        assert body["after"] == expected["after"] and body["before"] == expected["before"]
    assert torch.allclose(torch.tensor(expected["before"]), plain, atol=1e-6)
    client.delete(f"/api/jobs/{job['id']}")

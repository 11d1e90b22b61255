"""The server's evaluation job on a real local Ray cluster (``deepling serve --engine ray``):
its progress moves, and the result is the local engine's, on real CIFAR-10 images."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from deepling import create_app, evaluate, load_model
from deepling.data.base import ArrayDataset
from deepling.engine import RaySettings
from deepling.server.session import Session
from job_client import finish_job

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'deepling[ray]')")


@pytest.fixture()
def ray_session(cifar_test: ArrayDataset, tmp_path) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    torch.manual_seed(0)
    model = load_model("alexnet-cifar")
    data = ArrayDataset(cifar_test.pixels[:512], cifar_test.labels[:512], cifar_test.classes, "c")
    session = Session.open(model, data, tmp_path, engine="ray", ray=RaySettings(batch_size=64))
    yield session
    ray.shutdown()


def test_the_evaluation_job_runs_on_ray(ray_session: Session) -> None:
    with TestClient(create_app(ray_session)) as client:
        job = finish_job(client, "/api/jobs/evaluation", timeout=120)
        assert job["state"] == "done", job
        assert job["progress"] == 1.0
        served = client.get("/api/evaluation").json()
    local = evaluate(ray_session.model, ray_session.dataset)
    assert served["accuracy"] == local.accuracy
    assert np.array_equal(np.array(served["confusion"]), local.confusion)

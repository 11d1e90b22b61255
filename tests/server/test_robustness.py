"""Edge cases found in review: batch-norm models, scalar nodes, concurrent taps and jobs."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from torch import nn

from deepling import create_app, evaluate, load_model
from deepling.cache import ArrayCache
from deepling.data.base import ArrayDataset
from deepling.server.session import Session


class ScalarAndBranches(nn.Module):
    """Untraceable (data-dependent branch), with a scalar-per-image node and odd module names."""

    def __init__(self) -> None:
        super().__init__()
        self.input = nn.Conv2d(3, 4, 3, padding=1)  # collides with the fallback's input node
        self.blk = nn.Sequential()
        self.blk.add_module("c", nn.Conv2d(4, 4, 1))
        self.blk_c = nn.Conv2d(4, 4, 1)  # "blk.c" and "blk_c" both read as blk_c
        self.norm = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm(self.blk_c(self.blk(self.input(x))))
        if y.sum() > 1e9:
            y = -y
        return self.fc(y.mean((2, 3)))


def _cifar_subset(cifar_test: ArrayDataset, n: int = 64) -> ArrayDataset:
    return ArrayDataset(cifar_test.pixels[:n], cifar_test.labels[:n], cifar_test.classes, "sub")


def test_batch_norm_model_session_and_cached_evaluation(
    cifar_test: ArrayDataset, tmp_path: Path
) -> None:
    torch.manual_seed(0)
    model = load_model("alexnet-cifar")  # batch norm: a 0-dim num_batches_tracked buffer
    data = _cifar_subset(cifar_test)
    first = evaluate(model, data, cache=ArrayCache(tmp_path))
    session = Session.open(model, data, tmp_path)
    assert session.evaluation is not None
    assert np.array_equal(session.evaluation.predictions, first.predictions)


def test_fallback_names_are_unique_and_taps_are_right() -> None:
    model = load_model(ScalarAndBranches(), input_shape=(3, 8, 8))
    graph = model.graph()
    assert graph.approximate
    assert len(set(graph.names)) == len(graph.names)
    x = torch.rand(2, 3, 8, 8)
    conv_node = next(n.name for n in graph.nodes if n.module_path == "input")
    with torch.no_grad():
        expected = model.module.input(model.normalise(x))
    assert torch.allclose(model.activations(x, [conv_node])[conv_node], expected, atol=1e-6)


def test_hook_taps_ignore_other_threads_forward_passes() -> None:
    model = load_model(ScalarAndBranches(), input_shape=(3, 8, 8))
    model.module.eval()
    node = "norm"
    images = [torch.full((1, 3, 8, 8), i / 16) for i in range(16)]
    expected = [model.activations(img, [node])[node] for img in images]
    wrong: list[int] = []

    def worker(i: int) -> None:
        for _ in range(10):
            if not torch.allclose(model.activations(images[i], [node])[node], expected[i]):
                wrong.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong


def test_empty_requests_give_empty_answers() -> None:
    model = load_model(ScalarAndBranches(), input_shape=(3, 8, 8))
    assert model.activations(torch.rand(2, 3, 8, 8), []) == {}
    acts = model.activations(torch.rand(0, 3, 8, 8), ["norm"])
    assert acts["norm"].shape == (0, 4, 8, 8)


class MeanHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        score = y.mean((1, 2, 3))  # one value per image: a node of shape ()
        return torch.stack([score, -score], dim=1)


@pytest.fixture()
def scalar_client(cifar_test: ArrayDataset, tmp_path: Path):  # type: ignore[no-untyped-def]
    model = load_model(MeanHead(), input_shape=(3, 32, 32), classes=["a", "b"])
    data = ArrayDataset(cifar_test.pixels[:8], np.array([0, 1] * 4), ["a", "b"], "two")
    session = Session.open(model, data, tmp_path)
    with TestClient(create_app(session)) as client:
        yield client, session


def test_scalar_nodes_are_served_in_both_formats(scalar_client) -> None:  # type: ignore[no-untyped-def]
    client, session = scalar_client
    assert session.model.graph()["mean"].shape == ()
    raw = client.get("/api/image/activations/mean?index=0")
    assert raw.status_code == 200 and raw.headers["X-Shape"] == "1"
    value = np.frombuffer(raw.content, dtype="<f4")
    expected = session.model.activations(session.dataset.batch([0], (3, 32, 32)), ["mean"])
    assert value[0] == pytest.approx(float(expected["mean"][0]), abs=1e-6)
    assert client.get("/api/image/activations/mean?index=0&format=png").status_code == 200


def test_concurrent_evaluation_requests_share_one_job(scalar_client) -> None:  # type: ignore[no-untyped-def]
    client, session = scalar_client
    release = threading.Event()
    session.jobs.submit("blocker", lambda job: release.wait(30))  # keeps evaluation queued
    ids: list[str] = []

    def post() -> None:
        ids.append(client.post("/api/jobs/evaluation").json()["id"])

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    release.set()
    assert len(ids) == 8 and len(set(ids)) == 1
    assert sum(j.kind == "evaluation" for j in session.jobs.list()) == 1


def test_closing_a_session_hands_the_model_back_in_training_mode(
    cifar_test: ArrayDataset, tmp_path: Path
) -> None:
    model = load_model("alexnet-cifar")
    model.module.train()
    with TestClient(create_app(Session.open(model, _cifar_subset(cifar_test, 4), tmp_path))):
        assert not model.module.training  # served in eval mode
    assert all(m.training for m in model.module.modules())

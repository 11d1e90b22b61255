"""With GPU replicas, Ray Data keeps decoding in its own tasks apart from the replicas (their
resources differ), and may join blocks of several batches: on a local cluster that declares a
GPU it has not (the replicas then run on the CPU), a folder whose first batch is unreadable
images only gives the local engine's result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from deepling import evaluate, load_dataset, load_model
from deepling.engine import RaySettings

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'deepling[ray]')")


@pytest.fixture()
def gpu_cluster() -> Iterator[None]:
    ray.init(address="local", num_cpus=2, num_gpus=1, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_unreadable_batches_with_gpu_replicas(gpu_cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(8):
        (folder / f"{i}.png").write_bytes(b"truncated")  # a whole batch of unreadable images
    for i in range(8, 10):
        pixels = np.random.default_rng(i).integers(0, 256, (32, 32, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i}.png")
    data = load_dataset(folder)
    torch.manual_seed(0)
    model = load_model("alexnet-cifar")
    settings = RaySettings(batch_size=8, num_gpus=1, concurrency=1)
    remote = evaluate(model, data, engine="ray", ray=settings)
    local = evaluate(model, data)
    assert remote.read.sum() == 2 and not remote.read[:8].any()
    np.testing.assert_array_equal(remote.predictions, local.predictions)
    np.testing.assert_allclose(remote.probabilities[8:], local.probabilities[8:], atol=1e-5)

"""Dataset passes on a real local Ray cluster (started here, 2 CPUs): the same evaluation and
cache entry as the local engine on real CIFAR-10 images, a replica killed mid-pass, cancel, and
the clear error for a model the workers cannot rebuild."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from deepling import evaluate, load_model
from deepling.analysis.evaluation import cached_evaluation
from deepling.cache import ArrayCache
from deepling.data.base import ArrayDataset
from deepling.engine import RaySettings
from deepling.errors import Cancelled, DeeplingError
from deepling.models.model import Model

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'deepling[ray]')")

IMAGES = 640


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def cifar_part(cifar_test: ArrayDataset) -> ArrayDataset:
    """The first real CIFAR-10 test images."""
    return ArrayDataset(
        cifar_test.pixels[:IMAGES], cifar_test.labels[:IMAGES], cifar_test.classes, "cifar-part"
    )


def _alexnet() -> Model:
    torch.manual_seed(0)  # untrained, but the same weights for both engines
    return load_model("alexnet-cifar")


def test_evaluation_on_ray_is_the_local_one(cluster, cifar_part, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = _alexnet()
    local = evaluate(model, cifar_part, batch_size=128)
    cache = ArrayCache(tmp_path)
    seen: list[tuple[int, int]] = []
    remote = evaluate(
        model,
        cifar_part,
        engine="ray",
        ray=RaySettings(batch_size=128),
        cache=cache,
        progress=lambda done, total: seen.append((done, total)),
    )
    np.testing.assert_array_equal(remote.predictions, local.predictions)
    np.testing.assert_array_equal(remote.confusion, local.confusion)
    np.testing.assert_allclose(remote.probabilities, local.probabilities, atol=1e-5)
    np.testing.assert_allclose(remote.loss, local.loss, atol=1e-5)
    assert remote.read.all() and remote.accuracy == local.accuracy
    # Progress moved batch by batch to the end; the result is the local engine's cache entry.
    assert seen[0] == (0, IMAGES) and seen[-1] == (IMAGES, IMAGES) and len(seen) > 2
    stored = cached_evaluation(model, cifar_part, cache)
    assert stored is not None
    np.testing.assert_array_equal(stored.predictions, local.predictions)


def _replica_pids() -> list[int]:
    """The processes of this machine holding a model replica (Ray titles them by the actor)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().split(b"\0")[0]
            except OSError:  # gone meanwhile
                continue
            if title.startswith(b"ray::MapWorker(") and b"_Replica" in title:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the replica's process in /proc")
def test_a_replica_killed_mid_pass_leaves_the_result_unchanged(cluster, cifar_test) -> None:  # type: ignore[no-untyped-def]
    # Enough batches that the replica is still at work when the first one reaches the driver.
    data = ArrayDataset(cifar_test.pixels[:2560], cifar_test.labels[:2560], cifar_test.classes, "c")
    model = _alexnet()
    local = evaluate(model, data, batch_size=64)
    killed: list[int] = []

    def kill_a_replica(done: int, total: int) -> None:
        if done and not killed:
            deadline = time.monotonic() + 10
            while not (replicas := _replica_pids()) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert replicas, "no model replica is running"
            os.kill(replicas[0], signal.SIGKILL)
            killed.append(replicas[0])
            assert done < total  # mid-pass

    remote = evaluate(
        model,
        data,
        engine="ray",
        ray=RaySettings(batch_size=64, concurrency=1),
        progress=kill_a_replica,
    )
    assert killed, "no replica was killed"
    np.testing.assert_array_equal(remote.predictions, local.predictions)
    np.testing.assert_array_equal(remote.confusion, local.confusion)


def test_cancel_stops_the_pass_and_stores_nothing(cluster, cifar_part, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = _alexnet()
    cache = ArrayCache(tmp_path)

    def cancel(done: int, total: int) -> None:
        if done:
            raise Cancelled()

    with pytest.raises(Cancelled):
        evaluate(
            model,
            cifar_part,
            engine="ray",
            ray=RaySettings(batch_size=64),
            cache=cache,
            progress=cancel,
        )
    assert cached_evaluation(model, cifar_part, cache) is None
    # The cluster is free again: the next pass runs to the end.
    assert evaluate(model, cifar_part, engine="ray").read.all()


class Elsewhere(nn.Module):
    """A module whose class the workers cannot import (its module exists nowhere)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(x).mean((2, 3)))


Elsewhere.__module__ = "a_package_no_worker_has"


def test_a_folder_the_workers_read_by_a_relative_path(cluster, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from deepling import load_dataset

    for i in range(6):
        folder = tmp_path / "images" / ("cat" if i % 2 else "dog")
        folder.mkdir(parents=True, exist_ok=True)
        pixels = np.random.default_rng(i).integers(0, 256, (40, 40, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i}.png")
    (tmp_path / "images" / "cat" / "broken.png").write_bytes(b"not an image")
    monkeypatch.chdir(tmp_path)  # the workers run elsewhere: the path must travel absolute
    data = load_dataset("images")
    torch.manual_seed(0)
    model = load_model("alexnet-cifar", classes=["cat", "dog"] + [str(i) for i in range(8)])
    # One image a batch: the broken one is a batch of unreadable images only.
    remote = evaluate(model, data, engine="ray", ray=RaySettings(batch_size=1))
    # Every image read but the broken one, which the driver, too, cannot read: recorded.
    assert remote.read.sum() == 6 and len(data) == 7
    broken = int(np.flatnonzero(~remote.read)[0])
    assert broken in data.unreadable and "broken.png" in str(data.path(broken))
    np.testing.assert_array_equal(remote.predictions, evaluate(model, data).predictions)


def test_channel_statistics_and_top_images_on_ray_are_the_local_ones(cluster, cifar_part) -> None:  # type: ignore[no-untyped-def]
    from deepling.analysis.channel_stats import channel_statistics
    from deepling.analysis.top_activations import activation_table

    model = _alexnet()
    node = "features_2"  # a ReLU: many exact ties at 0, which both engines break by index
    settings = RaySettings(batch_size=64)
    local = channel_statistics(model, cifar_part, node, batch_size=128)
    remote = channel_statistics(model, cifar_part, node, engine="ray", ray=settings)
    assert remote.images == local.images == IMAGES
    np.testing.assert_allclose(remote.mean, local.mean, rtol=1e-5)
    np.testing.assert_array_equal(remote.dead_fraction, local.dead_fraction)
    table = activation_table(model, cifar_part, node, batch_size=128)
    on_ray = activation_table(model, cifar_part, node, engine="ray", ray=settings)
    for reduce in ("mean", "max"):
        for channel in (0, 5, 31):
            np.testing.assert_array_equal(
                on_ray.leaders(channel, 20, reduce)[0], table.leaders(channel, 20, reduce)[0]
            )


def test_the_layer_projection_on_ray_is_the_local_one(cluster, cifar_part) -> None:  # type: ignore[no-untyped-def]
    from deepling import layer_projection

    model = _alexnet()
    nodes = ["features_2", "features_11", "classifier_7"]
    extra = torch.rand(5, 3, 32, 32)  # edited images, projected after the dataset's
    local = layer_projection(model, cifar_part, nodes, pivots=20, extra=extra, batch_size=128)
    remote = layer_projection(
        model,
        cifar_part,
        nodes,
        pivots=20,
        extra=extra,
        engine="ray",
        ray=RaySettings(batch_size=64),
    )
    assert remote.coords.shape == (3, IMAGES + 5, 2)
    np.testing.assert_allclose(remote.coords, local.coords, atol=1e-4)
    assert remote.scores is not None and local.scores is not None
    np.testing.assert_allclose(remote.scores.knn_layout, local.scores.knn_layout, atol=1e-6)


def test_the_ablation_re_evaluation_on_ray_is_the_local_one(cluster, cifar_part) -> None:  # type: ignore[no-untyped-def]
    from deepling import Ablation, ablation_effect

    model = _alexnet()
    off = [Ablation("features_11", tuple(range(0, 96, 2)), (0.0,) * 48)]
    local = ablation_effect(model, cifar_part, off, batch_size=128)
    remote = ablation_effect(model, cifar_part, off, engine="ray", ray=RaySettings(batch_size=64))
    np.testing.assert_array_equal(remote.after.predictions, local.after.predictions)
    np.testing.assert_allclose(remote.after.probabilities, local.after.probabilities, atol=1e-5)
    np.testing.assert_array_equal(remote.before.predictions, local.before.predictions)
    # The ablation moves the (untrained, near-uniform) probabilities by more than the equality
    # tolerance above: replicas that ignored it would fail.
    assert np.abs(local.after.probabilities - local.before.probabilities).max() > 1e-4


def test_a_model_the_workers_cannot_rebuild_is_a_clear_error(cluster) -> None:  # type: ignore[no-untyped-def]
    model = load_model(Elsewhere(), input_shape=(3, 32, 32))
    pixels = np.random.default_rng(0).integers(0, 256, (8, 3, 32, 32), dtype=np.uint8)
    data = ArrayDataset(pixels, None, None, "noise")
    with pytest.raises(DeeplingError, match="cannot rebuild the model") as found:
        evaluate(model, data, engine="ray")
    assert "Elsewhere" in found.value.message and "spec" in (found.value.hint or "")

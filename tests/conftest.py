"""Shared fixtures: real data where it is present (skipped visibly where not), small models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from deepling.data.base import ArrayDataset
from deepling.models.model import Model

REPO = Path(__file__).resolve().parents[1]
CIFAR_DIR = REPO.parent / "shared" / "data" / "cifar10" / "cifar-10-batches-py"


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own cache folder: no test reads another's (or the user's) results."""
    path = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("DEEPLING_CACHE_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def cifar_dir() -> Path:
    """The real CIFAR-10 batches from ../shared/data; tests skip (and say so) if absent."""
    if not (CIFAR_DIR / "test_batch").is_file():
        pytest.skip(f"real CIFAR-10 data not found at {CIFAR_DIR}")
    return CIFAR_DIR


@pytest.fixture(scope="session")
def cifar_test(cifar_dir: Path) -> ArrayDataset:
    from deepling.data.cifar import load_cifar10

    return load_cifar10(cifar_dir, "test")


@pytest.fixture(scope="session")
def mnist_split() -> tuple[ArrayDataset, ArrayDataset]:
    """The bundled real MNIST digits, split into (train 4,000, held-out 1,000)."""
    from deepling.commands import demo_data

    return demo_data("mnist-cnn", None)


@pytest.fixture(scope="session")
def trained_mnist(
    tmp_path_factory: pytest.TempPathFactory, mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> Iterator[tuple[Model, Path]]:
    """The demo MNIST CNN trained for 2 epochs on real digits (about 97% held-out accuracy),
    and its checkpoint path."""
    from deepling.models.loading import load_model
    from deepling.models.training import train

    checkpoint = tmp_path_factory.mktemp("mnist") / "mnist-cnn.pt"
    train("mnist-cnn", *mnist_split, checkpoint, epochs=2)
    torch.manual_seed(0)
    yield load_model("mnist-cnn", checkpoint), checkpoint


@pytest.fixture()
def mnist_server(trained_mnist: tuple[Model, Path], isolated_cache: Path) -> Iterator[object]:
    """A real server with the trained MNIST CNN on the bundled digits."""
    import os

    from live_server import LiveServer

    env = {**os.environ, "DEEPLING_CACHE_DIR": str(isolated_cache)}
    server = LiveServer(
        ["--model", "mnist-cnn", "--weights", str(trained_mnist[1]), "--data", "mnist-demo"], env
    )
    yield server
    server.stop()

"""Shared fixtures: real data where it is present (skipped visibly where not), small models.

Machine independence: the default run (``pytest``) has the same outcome on every machine.
Models the tests need are trained here, seeded, on the CPU and single-threaded
(``deterministic_cpu``); assertions on them state properties that hold for any such model,
not numbers from one machine's run.

Reference tests (marker ``reference``) check the trained reference demo, AlexNet-CIFAR as
``deepling demo`` caches it in the user's cache (``reference_alexnet``). Whether that model is
present differs between machines, so they are deselected by default (pyproject.toml's addopts
``-m "not reference"``); ``pytest -m reference`` runs them, and they skip, saying why, where
the model is absent or not fully trained. Every test that uses ``reference_alexnet`` is
marked ``reference`` (``pytest_collection_modifyitems``), so none can slip into the default run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch

from deepling.commands import demo_checkpoint
from deepling.data.base import ArrayDataset
from deepling.models.model import Model
from deepling.models.zoo import ZOO

REPO = Path(__file__).resolve().parents[1]
CIFAR_DIR = REPO.parent / "shared" / "data" / "cifar10" / "cifar-10-batches-py"
# Where ``deepling demo`` caches the reference model, read once when this file is imported:
# ``isolated_cache`` then points DEEPLING_CACHE_DIR at a fresh folder for every test, so that
# no test reads the user's cached results; the reference model is the one exception, found
# here only (through the ``reference_alexnet`` fixture, never a path of a test's own).
REFERENCE_ALEXNET = demo_checkpoint("alexnet-cifar")


@contextmanager
def deterministic_cpu() -> Iterator[None]:
    """One CPU thread and PyTorch's deterministic algorithms, restored afterwards: training in
    here gives the same weights on every run of a machine (results still differ slightly
    between CPUs, whose kernels round differently, so tests must not depend on exact weights).
    More threads split sums differently, and over hundreds of steps that changes the model."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
        torch.set_num_threads(threads)


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs the reference model is a reference test, whether or not it says so."""
    for item in items:
        if "reference_alexnet" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.reference)


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own cache folder: no test reads another's (or the user's) results."""
    path = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("DEEPLING_CACHE_DIR", str(path))
    return path


@pytest.fixture(autouse=True)
def seeded_torch() -> None:
    """Every test body (and function-scoped fixture) starts from the same torch RNG state: a
    model a test builds without seeding gets the same weights whichever tests ran before it (a
    dead ReLU channel in one run order once made an ablation test fail on CI only). Module and
    session fixtures are built before it and seed themselves."""
    torch.manual_seed(0)


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
def reference_alexnet() -> Path:
    """The trained reference demo's checkpoint (AlexNet-CIFAR, ``deepling demo``) in the user's
    cache; tests skip, saying why, where it is absent or is not the demo's finished run (an
    interrupted or still running training saves its checkpoint every epoch)."""
    if not REFERENCE_ALEXNET.is_file():
        pytest.skip(
            f"the trained reference AlexNet-CIFAR is not cached at {REFERENCE_ALEXNET} "
            "(deepling demo)"
        )
    state = torch.load(REFERENCE_ALEXNET, map_location="cpu", weights_only=True)
    epochs = ZOO["alexnet-cifar"].epochs
    if state.get("epoch") != epochs or state.get("epochs") != epochs:
        pytest.skip(
            f"the reference AlexNet-CIFAR at {REFERENCE_ALEXNET} is not the demo's "
            f"finished {epochs}-epoch run (epoch {state.get('epoch')} of "
            f"{state.get('epochs')}); deepling demo trains it"
        )
    return REFERENCE_ALEXNET


@pytest.fixture(scope="session")
def mnist_split() -> tuple[ArrayDataset, ArrayDataset]:
    """The bundled real MNIST digits, split into (train 4,000, held-out 1,000)."""
    from deepling.commands import demo_data

    return demo_data("mnist-cnn", None)


@pytest.fixture(scope="session")
def trained_mnist(
    tmp_path_factory: pytest.TempPathFactory, mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> Iterator[tuple[Model, Path]]:
    """The demo MNIST CNN trained for 2 epochs on real digits (about 95% held-out accuracy),
    and its checkpoint path: seeded, on the CPU, single-threaded (``deterministic_cpu``)."""
    from deepling.models.loading import load_model
    from deepling.models.training import train

    checkpoint = tmp_path_factory.mktemp("mnist") / "mnist-cnn.pt"
    with deterministic_cpu():
        train("mnist-cnn", *mnist_split, checkpoint, epochs=2, seed=0, device="cpu")
    torch.manual_seed(0)
    yield load_model("mnist-cnn", checkpoint), checkpoint


@pytest.fixture(scope="session")
def mnist_series(
    tmp_path_factory: pytest.TempPathFactory, mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> Path:
    """The demo MNIST CNN trained for 3 epochs with each epoch kept (``deepling train``'s
    epoch folder): the folder of ``epoch_1.pt`` .. ``epoch_3.pt``."""
    from deepling.models.training import epoch_folder, train

    checkpoint = tmp_path_factory.mktemp("mnist-series") / "mnist-cnn.pt"
    with deterministic_cpu():
        train("mnist-cnn", *mnist_split, checkpoint, epochs=3, seed=0, device="cpu")
    return epoch_folder(checkpoint)


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

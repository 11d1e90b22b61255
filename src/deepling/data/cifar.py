"""CIFAR-10 in the layout of its official Python release (``cifar-10-batches-py``)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from deepling.data.base import ArrayDataset
from deepling.errors import DeeplingError

CIFAR10_CLASSES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]
SPLITS = {
    "train": [f"data_batch_{i}" for i in range(1, 6)],
    "test": ["test_batch"],
    "all": [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"],
}

# What unpickling and reading a damaged batch file raises.
_DAMAGED = (KeyError, TypeError, ValueError, pickle.UnpicklingError, EOFError)


def is_cifar_folder(path: Path) -> bool:
    return path.is_dir() and ((path / "test_batch").is_file() or (path / "data_batch_1").is_file())


def _unpickle(path: Path) -> dict[str, Any]:
    """A batch file as a dict with ``str`` keys, whether it was written with bytes or str keys."""
    with open(path, "rb") as f:
        raw = pickle.load(f, encoding="bytes")  # noqa: S301 - the CIFAR format is a pickle
    if not isinstance(raw, dict):
        raise DeeplingError(f"{path} is not a CIFAR batch (expected a dict).")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in raw.items()}


def _class_names(folder: Path) -> list[str]:
    meta_file = folder / "batches.meta"
    if not meta_file.is_file():
        return list(CIFAR10_CLASSES)
    try:
        names = _unpickle(meta_file).get("label_names", CIFAR10_CLASSES)
        return [n.decode() if isinstance(n, bytes) else str(n) for n in names]
    except _DAMAGED as exc:  # UnicodeDecodeError is a ValueError
        raise DeeplingError(f"CIFAR-10 class names file {meta_file} is damaged: {exc!r}.") from exc


def load_cifar10(folder: Path, split: str = "test") -> ArrayDataset:
    """The ``split`` ("train", "test" or "all") of a ``cifar-10-batches-py`` folder."""
    if split not in SPLITS:
        raise DeeplingError(f"Unknown CIFAR split {split!r}.", f"Use one of {', '.join(SPLITS)}.")
    images, labels = [], []
    for name in SPLITS[split]:
        path = folder / name
        if not path.is_file():
            raise DeeplingError(f"CIFAR-10 batch {path} is missing.")
        try:
            batch = _unpickle(path)
            data = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            batch_labels = np.asarray(batch["labels"], dtype=np.int64).reshape(-1)
            if len(batch_labels) != len(data):
                raise ValueError(f"{len(data)} images but {len(batch_labels)} labels")
        except _DAMAGED as exc:
            raise DeeplingError(f"CIFAR-10 batch {path} is damaged: {exc!r}.") from exc
        images.append(data)
        labels.append(batch_labels)
    return ArrayDataset(
        np.concatenate(images), np.concatenate(labels), _class_names(folder), f"cifar10-{split}"
    )

"""What the 224-px benchmarks share: the JPEG folder made from real CIFAR-10, the ResNet-50 of
tests/public_models, the bare PyTorch input pipeline they are measured against, and
interleaved best-of timing."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor
from torch.utils.data import DataLoader
from torch.utils.data import Dataset as TorchDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from jpeg_folders import make_jpeg_folder  # noqa: E402
from public_models.resnet50 import resnet50  # noqa: E402

__all__ = [
    "CIFAR",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "PilImages",
    "bare_loader",
    "best_of",
    "jpeg_folder",
    "resnet50",
]

CIFAR = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def jpeg_folder(cifar: Path, count: int, size: int, root: Path | None = None) -> Path:
    """``root`` (default: one folder per count and size under the temp dir) holding the first
    ``count`` CIFAR-10 test images as ``size``-px JPEGs in class folders; made once, reused."""
    root = root or Path(tempfile.gettempdir()) / "deepling-bench" / f"cifar10-{count}-{size}px"
    return make_jpeg_folder(cifar, root, count, size, split="test")


class PilImages(TorchDataset[Tensor]):
    """The textbook loader: PIL open, convert to RGB, float tensor (C, H, W) in [0, 1]."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.files = list(files)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> Tensor:
        with Image.open(self.files[index]) as img:
            pixels = np.array(img.convert("RGB"))  # a writable copy, as ToTensor makes
        return torch.from_numpy(pixels).permute(2, 0, 1).float().div_(255)


def bare_loader(
    files: Sequence[Path], batch_size: int, workers: int, *, pin_memory: bool = False
) -> DataLoader[Tensor]:
    return DataLoader(
        PilImages(files), batch_size=batch_size, num_workers=workers, pin_memory=pin_memory
    )


def best_of(repeats: int, runs: Mapping[str, Callable[[], object]]) -> dict[str, float]:
    """Best wall time of each run, the runs alternating so that machine noise hits them alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best

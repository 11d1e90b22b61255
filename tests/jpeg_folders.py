"""Folders of real CIFAR-10 images resized to ImageNet size and saved as JPEG, made at test time
(never committed): the large-image data for tests and benchmarks.

    make_jpeg_folder(cifar_dir, root, count=5000, size=224)   # root/<class>/<index>.jpg
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from deepling.data.cifar import load_cifar10

QUALITY = 90


def _write(args: tuple[np.ndarray, Path, int]) -> None:
    pixels, path, size = args
    image = Image.fromarray(pixels.transpose(1, 2, 0)).resize(
        (size, size), Image.Resampling.BICUBIC
    )
    image.save(path, quality=QUALITY)


def make_jpeg_folder(
    cifar_dir: Path,
    root: Path,
    count: int = 5000,
    size: int = 224,
    *,
    split: str = "test",
    classes: bool = True,
) -> Path:
    """The first ``count`` images of CIFAR-10's ``split`` resized to ``size`` px (bicubic) as
    JPEGs under ``root``: ``root/<class>/<index>.jpg`` (``classes``) or flat ``root/<index>.jpg``.
    A folder made before with the same arguments is reused (its ``.complete`` marker)."""
    marker = root / f".complete-{split}-{count}-{size}-{int(classes)}"
    if marker.exists():
        return root
    data = load_cifar10(cifar_dir, split)
    count = min(count, len(data))
    jobs = []
    for i in range(count):
        folder = root / data.classes[int(data.labels[i])] if classes else root
        folder.mkdir(parents=True, exist_ok=True)
        jobs.append((data.pixels[i].numpy(), folder / f"{i:07d}.jpg", size))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(_write, jobs, chunksize=64))
    marker.touch()
    return root

"""``deepling.evaluate`` of an ImageNet-style ResNet-50 over a folder of 224-px JPEGs, against a
bare DataLoader + ``model(x)`` loop over the same files.

The ResNet-50 is tests/public_models/resnet50.py (torchvision's layout) with a 10-class head,
randomly initialised (seeded): the speed of a pass does not depend on the weights. The folder
holds the first ``--images`` real CIFAR-10 test images at 224 px (tests/jpeg_folders.py). The
bare loop: a DataLoader on ``--workers`` processes (PIL open, convert RGB, to tensor), then
ImageNet normalisation and ``model(x)`` under ``torch.inference_mode`` in eval mode, same batch
size. Deepling's pass also computes softmax, per-image loss and the confusion matrix.
Alternating, best of ``--repeats``; the ratio is Deepling images/s over the bare loop's (goal:
>= 0.9). A few minutes on 2 CPU cores at the defaults.

    python benchmarks/bench_eval_resnet50.py [--images 512] [--batch-size 64] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import torch
from jpeg_baseline import (
    CIFAR,
    IMAGENET_MEAN,
    IMAGENET_STD,
    bare_loader,
    best_of,
    jpeg_folder,
    resnet50,
)

from deepling import evaluate, load_dataset, load_model
from deepling.data.folder import FolderDataset
from deepling.models.state import eval_mode

SHAPE = (3, 224, 224)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cifar", type=Path, default=CIFAR, help="cifar-10-batches-py folder")
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if not args.cifar.exists():
        print(f"SKIPPED: CIFAR-10 not found at {args.cifar}", file=sys.stderr)
        return 0
    dataset = load_dataset(jpeg_folder(args.cifar, args.images, SHAPE[1]))
    assert isinstance(dataset, FolderDataset)
    n, b, w = len(dataset), args.batch_size, args.workers
    files = [dataset.path(i) for i in range(n)]
    torch.manual_seed(0)
    model = load_model(
        resnet50(num_classes=len(dataset.classes)),
        input_shape=SHAPE,
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
        classes=dataset.classes,
    )
    mean = torch.tensor(IMAGENET_MEAN).view(1, -1, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, -1, 1, 1)
    bare_probabilities: list[np.ndarray] = []

    def bare_loop() -> None:
        bare_probabilities.clear()
        with torch.inference_mode(), eval_mode(model.module):
            for x in bare_loader(files, b, w):
                logits = model.module((x - mean) / std)
                bare_probabilities.append(logits.softmax(1).numpy())

    results = []

    def deepling_pass() -> None:
        results.append(evaluate(model, dataset, batch_size=b, workers=w, cache=None))

    with torch.inference_mode(), eval_mode(model.module):  # warm-up: allocator and kernels
        model.module(torch.rand(b, *SHAPE))
    best = best_of(args.repeats, {"bare": bare_loop, "deepling": deepling_pass})
    bare_rate, deepling_rate = n / best["bare"], n / best["deepling"]
    gap = float(np.abs(np.concatenate(bare_probabilities) - results[-1].probabilities).max())
    print(
        f"images: {n} JPEGs at {SHAPE[2]}x{SHAPE[1]} (real CIFAR-10, {len(dataset.classes)} "
        f"classes), model: ResNet-50 (random init), batch size {b}, {w} workers, "
        f"torch threads {torch.get_num_threads()}, best of {args.repeats}"
    )
    print(f"bare DataLoader + model(x) loop: {bare_rate:8.1f} images/s")
    print(f"deepling evaluate:               {deepling_rate:8.1f} images/s")
    print(f"throughput ratio: {deepling_rate / bare_rate:.3f}x of the bare loop (goal >= 0.9)")
    print(f"largest difference in a class probability between the two: {gap:.1e} (same inputs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

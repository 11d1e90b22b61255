"""A 224-px ResNet-50 on a GPU: ``deepling.evaluate`` and ``deepling.layer_projection`` over a
folder of JPEGs against a bare mixed-precision DataLoader + ``model(x)`` loop, in images/s.

The model is tests/public_models/resnet50.py (torchvision's layout, 1000 classes; no torchvision
needed), randomly initialised unless ``--weights`` names a torchvision checkpoint: the speed does
not depend on the weights. The images: ``--folder`` (a class tree of images, such as ImageNet's
validation set) or else the first ``--images`` real CIFAR-10 test images at 224 px, made once
under the temp dir from ``--cifar`` (tests/jpeg_folders.py).

The bare loop: a DataLoader on ``--workers`` processes (PIL open, convert RGB, to tensor) with
pinned memory, a non-blocking copy to the GPU, ImageNet normalisation there and ``model(x)``
under ``torch.autocast`` at ``--precision``, inference mode, eval mode, same batch size.
Deepling runs with ``device="auto"`` and the same precision; its evaluation also computes
softmax, per-image loss and the confusion matrix; its projection streams the folder's first
``--projection-images`` and lays them out at every default layer with their class scores (two
passes over the images: pivots, then distances to them). Alternating, best of ``--repeats``.

    python benchmarks/gpu_resnet50.py [--precision bf16] [--batch-size 256] [--folder DIR]

Without a CUDA GPU it prints "no GPU at hand" and exits 0 (``--device cpu`` runs it on the
CPU anyway, at a small ``--images``, to check the script).
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

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

from deepling import Projection, evaluate, layer_projection, load_dataset, load_model
from deepling.data.folder import FolderDataset
from deepling.models.state import eval_mode

SHAPE = (3, 224, 224)
DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def mixed_precision(device: torch.device, precision: str) -> AbstractContextManager[object]:
    dtype = DTYPES[precision]
    return nullcontext() if dtype is None else torch.autocast(device.type, dtype=dtype)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="a class tree of images (default: CIFAR's)")
    parser.add_argument("--cifar", type=Path, default=CIFAR, help="cifar-10-batches-py folder")
    parser.add_argument("--images", type=int, default=5000, help="CIFAR images in the folder")
    parser.add_argument("--weights", type=Path, help="torchvision resnet50 checkpoint")
    parser.add_argument("--precision", choices=list(DTYPES), default="bf16")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cuda", help="cpu: check the script without a GPU")
    parser.add_argument("--projection-images", type=int, default=5000, help="0: no projection")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("no GPU at hand")
        return 0
    if args.folder is None and not args.cifar.exists():
        print(f"SKIPPED: no --folder given and CIFAR-10 not found at {args.cifar}", file=sys.stderr)
        return 0
    folder = args.folder or jpeg_folder(args.cifar, args.images, SHAPE[1])
    dataset = load_dataset(folder)
    assert isinstance(dataset, FolderDataset)
    n, b, w = len(dataset), args.batch_size, args.workers
    files = [dataset.path(i) for i in range(n)]
    torch.manual_seed(0)
    model = load_model(
        resnet50(),
        args.weights,
        input_shape=SHAPE,
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
        device="auto" if device.type == "cuda" else device,
        precision=args.precision,
    )
    assert model.device.type == device.type, f"deepling chose {model.device}"
    mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, -1, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=device).view(1, -1, 1, 1)
    module = model.module

    def synchronise() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def bare_loop() -> None:
        loader = bare_loader(files, b, w, pin_memory=device.type == "cuda")
        with torch.inference_mode(), eval_mode(module):
            for x in loader:
                x = (x.to(device, non_blocking=True) - mean) / std
                with mixed_precision(device, args.precision):
                    module(x)
        synchronise()

    def deepling_evaluate() -> None:
        evaluate(model, dataset, batch_size=b, workers=w, cache=None)

    projections: list[Projection] = []
    projected = min(n, args.projection_images)

    def deepling_projection() -> None:
        chosen = range(projected)
        projection = layer_projection(model, dataset, indices=chosen, batch_size=b, workers=w)
        projections.append(projection)

    runs = {"bare": bare_loop, "evaluate": deepling_evaluate}
    if args.projection_images > 0:
        runs["projection"] = deepling_projection
    with torch.inference_mode(), eval_mode(module):  # warm-up: allocator, kernels, autotuning
        with mixed_precision(device, args.precision):
            module(torch.rand(b, *SHAPE, device=device))
    synchronise()
    best = best_of(args.repeats, runs)
    rates = {name: (projected if name == "projection" else n) / t for name, t in best.items()}
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "the CPU"
    print(
        f"images: {n} from {folder}, ResNet-50 at {SHAPE[2]}x{SHAPE[1]} "
        f"({'weights ' + args.weights.name if args.weights else 'random init'}), "
        f"on {where}, {args.precision}, batch size {b}, {w} workers, best of {args.repeats}"
    )
    print(f"bare DataLoader + autocast model(x) loop: {rates['bare']:8.1f} images/s")
    print(
        f"deepling evaluate:                        {rates['evaluate']:8.1f} images/s "
        f"({rates['evaluate'] / rates['bare']:.3f}x of the bare loop)"
    )
    if projections:
        layers = len(projections[-1].nodes)
        print(
            f"deepling layer_projection:                {rates['projection']:8.1f} images/s "
            f"({rates['projection'] / rates['bare']:.3f}x of the bare loop; {projected} images, "
            f"{layers} layers)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

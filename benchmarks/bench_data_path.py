"""Reading a folder of 224-px JPEGs: ``Dataset.stream`` against a bare PyTorch DataLoader.

The folder holds real CIFAR-10 test images resized to 224 px (tests/jpeg_folders.py, made once
under the temp dir). Both sides decode the same files to float32 (B, 3, 224, 224) in [0, 1] in
batches of the same size on the same number of workers: Deepling on threads, the DataLoader on
``num_workers`` processes (PIL open, convert RGB, to tensor; a pass includes starting them).
Alternating, best of ``--repeats``; the ratio is stream images/s over DataLoader images/s (goal:
>= 0.9). For context, the one-image-at-a-time path (``Dataset.batch``, what every dataset pass
read through before the stream: decode, fit, stack) on the first ``--old-images`` images.

    python benchmarks/bench_data_path.py [--images 5000] [--workers N] [--batch-size 256]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch
from jpeg_baseline import CIFAR, bare_loader, best_of, jpeg_folder

from deepling import fit_batch, load_dataset
from deepling.data.folder import FolderDataset

SHAPE = (3, 224, 224)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cifar", type=Path, default=CIFAR, help="cifar-10-batches-py folder")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--old-images", type=int, default=1000, help="0: leave the old path out")
    args = parser.parse_args()
    if not args.cifar.exists():
        print(f"SKIPPED: CIFAR-10 not found at {args.cifar}", file=sys.stderr)
        return 0
    folder = jpeg_folder(args.cifar, args.images, SHAPE[1])
    dataset = load_dataset(folder)
    assert isinstance(dataset, FolderDataset)
    n, b, w = len(dataset), args.batch_size, args.workers
    files = [dataset.path(i) for i in range(n)]

    def stream() -> int:
        return sum(len(i) for i, _ in dataset.stream(SHAPE, batch_size=b, workers=w))

    def dataloader() -> int:
        return sum(len(x) for x in bare_loader(files, b, w))

    def old_path() -> None:
        for start in range(0, args.old_images, b):
            stop = min(start + b, args.old_images)
            torch.stack([fit_batch(dataset.image(i)[None], SHAPE)[0] for i in range(start, stop)])

    for run in (stream, dataloader):  # warm-up (page cache, allocator); and both read them all
        assert run() == n, run.__name__
    best = best_of(args.repeats, {"stream": stream, "dataloader": dataloader})
    stream_rate, loader_rate = n / best["stream"], n / best["dataloader"]
    print(
        f"images: {n} JPEGs at {SHAPE[2]}x{SHAPE[1]} ({folder}), batch size {b}, "
        f"{w} workers, torch threads {torch.get_num_threads()}, best of {args.repeats}"
    )
    print(f"bare DataLoader (PIL, {w} processes): {loader_rate:8.0f} images/s")
    print(f"deepling Dataset.stream ({w} threads):  {stream_rate:8.0f} images/s")
    print(f"throughput ratio: {stream_rate / loader_rate:.3f}x of the DataLoader (goal >= 0.9)")
    if args.old_images > 0:
        args.old_images = min(args.old_images, n)
        start = time.perf_counter()
        old_path()
        old_rate = args.old_images / (time.perf_counter() - start)
        print(
            f"old path, one image at a time on one thread ({args.old_images} images): "
            f"{old_rate:8.0f} images/s (the stream: {stream_rate / old_rate:.1f}x that)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

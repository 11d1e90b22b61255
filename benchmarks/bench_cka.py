"""CKA between every layer pair of two reference-demo checkpoints, against one forward pass of each.

Both run in this process over the same 10,000 CIFAR-10 test images, streamed the same way
(batches of ``cka.MINIBATCH``), alternating, median of ``--repeats``: the baseline is one plain
forward pass of each model (inference mode, the logits only); CKA also reduces every default
node of both models to a Gram per minibatch and sums the unbiased HSIC of every layer pair.
Goal <= 2x. The checkpoints: the first and last kept epochs of the demo's training run
(``deepling train`` keeps them beside its checkpoint), else the demo checkpoint twice.

    python benchmarks/bench_cka.py [--data DIR] [--images 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

from deepling import Model, cka, load_checkpoints, load_dataset
from deepling.analysis.cka import MINIBATCH
from deepling.analysis.projection import default_nodes
from deepling.data.stream import pass_batches
from deepling.models.training import epoch_checkpoints

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"
CHECKPOINT = Path.home() / ".cache" / "deepling" / "models" / "alexnet-cifar.pt"


def forward_passes(models: list[Model], data: object, images: int) -> None:
    for model in models:
        _, batches = pass_batches(
            data,  # type: ignore[arg-type]
            model.input_shape,
            model.device,
            indices=range(images),
            batch_size=MINIBATCH,
        )
        with model.inference() as module:
            for _, x in batches:
                module(model.normalise(x))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not args.data.exists() or not CHECKPOINT.is_file():
        print(f"SKIPPED: needs CIFAR-10 at {args.data} and {CHECKPOINT}", file=sys.stderr)
        return 0
    torch.set_num_threads(args.threads)
    epochs = epoch_checkpoints(CHECKPOINT)
    files = [epochs[0], epochs[-1]] if len(epochs) > 1 else [CHECKPOINT, CHECKPOINT]
    series = load_checkpoints("alexnet-cifar", files, device="cpu")
    a, b = series[0], series[len(series) - 1]
    data = load_dataset(args.data, split="test")
    layers = len(default_nodes(a.graph()))
    print(
        f"models: {a.name} and {b.name}; {args.images} images; {layers} x {layers} layer "
        f"pairs; minibatch {MINIBATCH}; {torch.get_num_threads()} thread(s)"
    )
    baseline, similarity = [], []
    values = None
    for _ in range(args.repeats):  # alternate, so that load from elsewhere hits both alike
        start = time.perf_counter()
        forward_passes([a, b], data, args.images)
        baseline.append(time.perf_counter() - start)
        start = time.perf_counter()
        values = cka(a, b, data, indices=range(args.images))
        similarity.append(time.perf_counter() - start)
    base, took = statistics.median(baseline), statistics.median(similarity)
    assert values is not None
    print(
        f"one forward pass of each: {base:.1f} s; CKA of every layer pair: {took:.1f} s; "
        f"CKA / forward passes: {took / base:.2f}x (goal <= 2x)"
    )
    diagonal = " ".join(f"{v:.2f}" for v in values.diagonal())
    print(f"CKA of each layer with itself across the two checkpoints: {diagonal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Evaluation-pass throughput against a bare ``model(x)`` loop over the same images.

Both run in this process, alternating, best of ``--repeats``; the printed ratio is
deepling images/s divided by bare-loop images/s (goal: >= 0.8). The bare loop gets its input
already converted and normalised in memory, so the ratio also charges Deepling for reading
uint8 pixels, normalising, the softmax, the per-image loss and the confusion matrix.

    python benchmarks/bench_evaluation.py [--data ../shared/data/cifar10/cifar-10-batches-py]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from deepling import evaluate, load_dataset, load_model
from deepling.models.state import eval_mode

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--weights", type=Path, help="alexnet-cifar checkpoint (default: random)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"SKIPPED: CIFAR-10 not found at {args.data}", file=sys.stderr)
        return 0
    torch.manual_seed(0)
    dataset = load_dataset(args.data, split="test")
    model = load_model("alexnet-cifar", args.weights)
    n = len(dataset)
    pixels = dataset.batch(range(n), model.input_shape)
    normalised = [
        model.normalise(pixels[i : i + args.batch_size]) for i in range(0, n, args.batch_size)
    ]

    def bare_loop() -> None:
        with torch.inference_mode(), eval_mode(model.module):
            for x in normalised:
                model.module(x)

    def deepling_pass() -> None:
        evaluate(model, dataset, batch_size=args.batch_size, cache=None)

    best = {"bare": float("inf"), "deepling": float("inf")}
    bare_loop()  # warm-up: allocator and kernels
    for _ in range(args.repeats):
        for name, run in (("bare", bare_loop), ("deepling", deepling_pass)):
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    bare_rate, deepling_rate = n / best["bare"], n / best["deepling"]
    print(
        f"images: {n} ({dataset.name}), model: {model.name}, batch size {args.batch_size}, "
        f"torch threads {torch.get_num_threads()}"
    )
    print(f"bare model(x) loop:   {bare_rate:8.0f} images/s")
    print(f"deepling evaluation:  {deepling_rate:8.0f} images/s")
    print(f"throughput ratio:     {deepling_rate / bare_rate:.3f}x of the bare loop (goal >= 0.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

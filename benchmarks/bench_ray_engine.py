"""The evaluation pass on Ray against the local one, over the same CIFAR-10 test images.

Both in this process, alternating, median of ``--repeats``: the local engine (the streamed
pass) and ``engine="ray"`` on a local Ray cluster started here with this machine's CPUs. Each
Ray pass starts its own replica (a worker process that imports torch and rebuilds the model),
so a short pass over ``--probe`` images measures that fixed cost; the rest is the per-image
rate of one replica, the figure a cluster multiplies. Goal <= 1.3x.

    python benchmarks/bench_ray_engine.py [--data DIR] [--images 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

from deepling import evaluate, load_dataset, load_model
from deepling.data.base import ArrayDataset
from deepling.engine import RaySettings

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"
CHECKPOINT = Path.home() / ".cache" / "deepling" / "models" / "alexnet-cifar.pt"


def first(data: ArrayDataset, n: int) -> ArrayDataset:
    return ArrayDataset(data.pixels[:n], data.labels[:n], data.classes, f"{data.name}[:{n}]")


def timed(run: object) -> float:
    start = time.perf_counter()
    run()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--probe", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    try:
        import ray
    except ImportError:
        print("SKIPPED: needs Ray (pip install 'deepling[ray]')", file=sys.stderr)
        return 0
    if not args.data.exists():
        print(f"SKIPPED: needs CIFAR-10 at {args.data}", file=sys.stderr)
        return 0
    cpus = len(os.sched_getaffinity(0))
    ray.init(address="local", num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    trained = CHECKPOINT.is_file()
    model = load_model("alexnet-cifar", CHECKPOINT if trained else None, device="cpu")
    data = first(load_dataset(args.data, split="test"), args.images)  # type: ignore[arg-type]
    probe = first(data, args.probe)
    settings = RaySettings()
    print(
        f"model: alexnet-cifar ({'trained' if trained else 'untrained'}); {len(data)} images; "
        f"{cpus} CPUs; local: {torch.get_num_threads()} threads; ray: local cluster"
    )
    evaluate(model, probe, engine="ray", ray=settings)  # Ray's own start-up, once
    local, remote, fixed = [], [], []
    for _ in range(args.repeats):
        local.append(timed(lambda: evaluate(model, data)))
        remote.append(timed(lambda: evaluate(model, data, engine="ray", ray=settings)))
        fixed.append(timed(lambda: evaluate(model, probe, engine="ray", ray=settings)))
    base, took, start = (statistics.median(v) for v in (local, remote, fixed))
    print(f"local pass: {base:.1f} s ({len(data) / base:,.0f} images/s)")
    print(f"ray pass: {took:.1f} s; ray / local: {took / base:.2f}x (goal <= 1.3x)")
    rate = (len(data) - len(probe)) / max(1e-9, took - start)
    print(
        f"a pass's fixed cost (replica start, model rebuild; {len(probe)} images): {start:.1f} s; "
        f"one replica after it: {rate:,.0f} images/s; "
        f"without the fixed cost: {(took - start) / base:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

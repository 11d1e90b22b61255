"""Do request-thread model passes need a semaphore? 16 threads run the server's cheap passes
(logits and a saliency map of one CIFAR-sized image on AlexNet-CIFAR) at once, as FastAPI's
40-thread pool would, with and without a semaphore of ``--permits`` around each pass; prints
throughput and p50/p95 latency of both and their ratio (same process, same data).

    .venv/bin/python benchmarks/bench_model_concurrency.py [--threads 16] [--calls 30]
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import time
from pathlib import Path

import numpy as np
import torch
from platformdirs import user_cache_dir

from deepling.analysis.attribution import attribute
from deepling.models.loading import load_model

CHECKPOINT = Path(user_cache_dir("deepling")) / "models" / "alexnet-cifar.pt"


def run(threads: int, calls: int, gate: contextlib.AbstractContextManager[object] | None):  # type: ignore[no-untyped-def]
    model = RUN["model"]
    images = torch.rand(threads, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    latencies: list[float] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        for k in range(calls):
            start = time.perf_counter()
            with gate if gate is not None else contextlib.nullcontext():
                if k % 2:
                    attribute(model, images[i], "saliency")
                else:
                    model.logits(images[i : i + 1])
            with lock:
                latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - began
    ms = np.array(latencies) * 1000
    return (
        len(latencies) / wall,
        float(np.percentile(ms, 50)),
        float(np.percentile(ms, 95)),
        float(ms.mean()),
        float(ms.max()),
    )


RUN: dict[str, object] = {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--permits", type=int, default=2)
    args = parser.parse_args()
    RUN["model"] = load_model("alexnet-cifar", CHECKPOINT if CHECKPOINT.is_file() else None)
    run(2, 3, None)  # warm up
    print(
        f"torch threads {torch.get_num_threads()}; {args.threads} client threads x "
        f"{args.calls} passes"
    )
    free = run(args.threads, args.calls, None)
    gated = run(args.threads, args.calls, threading.Semaphore(args.permits))
    for name, (rate, p50, p95, mean, most) in (
        ("no semaphore", free),
        (f"semaphore({args.permits})", gated),
    ):
        print(
            f"{name:<16} {rate:7.1f} passes/s  p50 {p50:6.1f}  p95 {p95:6.1f}  "
            f"mean {mean:6.1f}  max {most:7.1f} ms"
        )
    print(
        f"semaphore / none: throughput x{gated[0] / free[0]:.2f}, "
        f"mean latency x{gated[3] / free[3]:.2f}, max x{gated[4] / free[4]:.2f}"
    )


if __name__ == "__main__":
    main()

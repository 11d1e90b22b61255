"""Edit-preview round trips against a real server on the reference demo (AlexNet-CIFAR).

Starts ``deepling demo --dataset cifar10`` (the cached trained checkpoint; the data from
--data-dir), then sends edit previews over HTTP with httpx, one at a time as the editor does:
varied edits (occlusion patches, brush strokes, rotation, flips, shift, zoom, brightness,
contrast, noise, blur) with a convolution's feature maps in each answer. Prints p50/p95 round
trips beside a baseline measured in the same run: the dataset's plain predictions route (one
image, one forward pass, no edits). Goal: p95 <= 100 ms per edit.

    python benchmarks/bench_whatif.py [--data-dir ../shared/data/cifar10] [--previews 300]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]


def start_demo(data_dir: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deepling",
            "demo",
            "--dataset",
            "cifar10",
            "--data-dir",
            data_dir,
            "--no-browser",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    while line and "http://" not in line:  # "Training ..." would come first on a fresh cache
        line = process.stdout.readline()
    if "http://" not in line:
        process.kill()
        raise SystemExit("the demo server did not start")
    return process, line.rsplit(" ", 1)[-1].strip().rstrip("/")


def random_edits(rng: random.Random, size: int) -> list[dict[str, object]]:
    """One to four edits of varied kinds, as an editing session produces them."""

    def box() -> dict[str, int]:
        w, h = rng.randint(3, size // 2), rng.randint(3, size // 2)
        return {"x": rng.randint(0, size - w), "y": rng.randint(0, size - h), "w": w, "h": h}

    makers = [
        lambda: {"op": "occlude", **box(), "fill": rng.choice(["grey", "blur", "noise"])},
        lambda: {
            "op": "brush",
            "radius": rng.uniform(1, 4),
            "colour": [rng.random()] * 3,
            "points": [[rng.uniform(0, size), rng.uniform(0, size)] for _ in range(30)],
        },
        lambda: {"op": "rotate", "degrees": rng.choice([90, 180, rng.uniform(-45, 45)])},
        lambda: {"op": "flip", "axis": rng.choice(["horizontal", "vertical"])},
        lambda: {"op": "shift", "dx": rng.randint(-8, 8), "dy": rng.randint(-8, 8)},
        lambda: {"op": "crop", **box()},
        lambda: {"op": "brightness", "delta": rng.uniform(-0.5, 0.5)},
        lambda: {"op": "contrast", "factor": rng.uniform(0.3, 2.5)},
        lambda: {"op": "noise", "sigma": rng.uniform(0, 0.3), "seed": rng.randint(0, 99)},
        lambda: {"op": "blur", "sigma": rng.uniform(0.3, 3)},
    ]
    return [rng.choice(makers)() for _ in range(rng.randint(1, 4))]


def percentiles(times: list[float]) -> tuple[float, float]:
    ms = np.array(times) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data" / "cifar10"))
    parser.add_argument("--previews", type=int, default=300)
    args = parser.parse_args()
    process, url = start_demo(args.data_dir)
    rng = random.Random(0)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            graph = client.get("/api/graph").json()["nodes"]
            convs = [n["name"] for n in graph if n["op"] == "conv2d"] or [graph[1]["name"]]
            size = client.get("/api/model").json()["input_shape"][1]
            baseline: list[float] = []
            previews: list[float] = []
            for i in range(args.previews + 20):  # the first 20 of each warm up, not counted
                index = rng.randrange(10_000)
                start = time.perf_counter()
                client.get(f"/api/image/predictions?index={index}").raise_for_status()
                baseline.append(time.perf_counter() - start)
                body = {
                    "image": {"index": index},
                    "edits": random_edits(rng, size),
                    "node": convs[i % len(convs)],
                }
                start = time.perf_counter()
                answer = client.post("/api/whatif/preview", json=body)
                previews.append(time.perf_counter() - start)
                answer.raise_for_status()
                assert answer.json()["activations"] is not None
    finally:
        process.terminate()
        process.wait(timeout=20)
    b50, b95 = percentiles(baseline[20:])
    p50, p95 = percentiles(previews[20:])
    print(
        f"{len(previews) - 20} edit previews (1-4 edits, a conv layer's feature maps each), "
        "AlexNet-CIFAR over HTTP:"
    )
    print(f"  baseline GET predictions (no edits, no maps): p50 {b50:6.1f} ms  p95 {b95:6.1f} ms")
    print(f"  edit preview + feature maps:                  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    print(
        f"  ratio preview / baseline: p50 {p50 / b50:.2f}x  p95 {p95 / b95:.2f}x; "
        f"goal p95 <= 100 ms: {'met' if p95 <= 100 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Load test: 16 concurrent clients for 60 s against a real `deepling serve` of the reference demo.

Cheap requests (images, predictions, activations, what-if previews, saliency and Grad-CAM maps)
mix with heavy jobs (strips, projections, feature visualisations, slow attribution maps) that
are started, polled to completion and fetched; some clients abandon their job, which the
server's lease must cancel. Prints requests per kind, p50/p95 latency, errors (any 5xx or
unexpected status; 503/429 back-pressure is counted apart), jobs completed/cancelled and the
server's RSS over time and at its peak.

    .venv/bin/python benchmarks/load_test.py [--seconds 60] [--clients 16] [--lease 10]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from bench_graph_layout import start_server
from platformdirs import user_cache_dir

REPO = Path(__file__).resolve().parents[1]
CIFAR = REPO.parent / "shared" / "data" / "cifar10" / "cifar-10-batches-py"
CHECKPOINT = Path(user_cache_dir("deepling")) / "models" / "alexnet-cifar.pt"
OK = {200, 201, 202, 204}
BACK_PRESSURE = {429, 503}
HEAVY = ("strip", "projection", "featurevis", "attribution-job")


def start_demo_server(cache: str, lease: float) -> tuple[subprocess.Popen[str], str, str]:
    weights = ["--weights", str(CHECKPOINT)] if CHECKPOINT.is_file() else []
    process, url = start_server(
        "alexnet-cifar",
        CIFAR,
        cache,
        [*weights, "--split", "test"],
        input_shape=None,
        env={"DEEPLING_JOB_LEASE_S": str(lease)},
    )
    return process, url, "trained checkpoint" if weights else "UNTRAINED zoo model"


def rss_kib(pid: int, field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of ``pid`` in KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.back_pressure: Counter[str] = Counter()
        self.jobs: Counter[str] = Counter()
        self.abandoned: list[str] = []

    def record(self, kind: str, response: httpx.Response, seconds: float) -> bool:
        """True when the response is a success; back-pressure and errors are tallied."""
        with self.lock:
            if response.status_code in OK:
                self.latency[kind].append(seconds)
                return True
            if response.status_code in BACK_PRESSURE:
                self.back_pressure[kind] += 1
            else:
                self.errors.append(f"{kind}: {response.status_code} {response.text[:160]}")
            return False


class Client:
    """One simulated user: mostly cheap requests, now and then a heavy job."""

    def __init__(self, url: str, setup: dict[str, Any], stats: Stats, seed: int, args: Any):
        self.http = httpx.Client(base_url=url, timeout=300)
        self.setup, self.stats, self.args = setup, stats, args
        self.rng = random.Random(seed)

    def call(self, kind: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            with self.stats.lock:
                self.stats.errors.append(f"{kind}: {type(exc).__name__} {exc}")
            return None
        ok = self.stats.record(kind, response, time.perf_counter() - start)
        return response if ok else None

    def image(self) -> int:
        return self.rng.randrange(self.setup["pool"])  # a small pool, so some results repeat

    def cheap(self) -> None:
        i, rng, nodes = self.image(), self.rng, self.setup["nodes"]
        kind = rng.choice(["image", "predictions", "activations", "whatif", "saliency", "grad_cam"])
        if kind == "image":
            self.call(kind, "GET", "/api/image/image.png", params={"index": i, "scale": 2})
        elif kind == "predictions":
            self.call(kind, "GET", "/api/image/predictions", params={"index": i})
        elif kind == "activations":
            node = rng.choice(nodes)
            self.call(
                kind,
                "GET",
                f"/api/image/activations/{node}",
                params={"index": i, "format": rng.choice(["f32", "png"])},
            )
        elif kind == "whatif":
            edit = {"op": "occlude", "x": rng.randrange(24), "y": rng.randrange(24), "w": 8, "h": 8}
            self.call(
                kind,
                "POST",
                "/api/whatif/preview",
                json={"image": {"index": i}, "edits": [edit], "node": rng.choice(nodes)},
            )
        else:
            params = {"index": i, "method": kind, "format": "png"}
            self.call(kind, "GET", "/api/attribution", params=params)

    def heavy(self) -> None:
        kind, rng = self.rng.choice(HEAVY), self.rng
        body: dict[str, Any]
        if kind == "strip":
            body = {"image": {"index": self.image()}, "frames": 6, "steps": 24}
            path = "/api/jobs/strip"
        elif kind == "projection":
            indices = sorted(rng.sample(range(self.setup["size"]), rng.choice([200, 500])))
            body, path = {"indices": indices, "pivots": 20}, "/api/jobs/projection"
        elif kind == "featurevis":
            body = {
                "node": rng.choice(self.setup["conv"]),
                "channel": rng.randrange(16),
                "steps": 48,
            }
            path = "/api/jobs/featurevis"
        else:
            body = {
                "image": {"index": self.image()},
                "method": rng.choice(["integrated_gradients", "smoothgrad", "occlusion"]),
            }
            path = "/api/jobs/attribution"
        started = time.perf_counter()
        response = self.call(f"{kind} start", "POST", path, json=body)
        if response is None:
            return
        job = response.json()
        if rng.random() < self.args.abandon and job["state"] in ("queued", "running"):
            with self.stats.lock:
                self.stats.abandoned.append(job["id"])
            return  # walk away: the lease must cancel it
        while job["state"] in ("queued", "running"):
            time.sleep(0.25)  # as the front end polls
            polled = self.call("job poll", "GET", f"/api/jobs/{job['id']}")
            if polled is None:
                return
            job = polled.json()
        with self.stats.lock:
            self.stats.jobs[job["state"]] += 1
            if job["state"] == "failed":
                self.stats.errors.append(f"{kind} job failed: {job['error']}")
        if job["state"] == "done" and job["result_url"]:
            if self.call(f"{kind} result", "GET", "/" + job["result_url"]) is not None:
                with self.stats.lock:
                    self.stats.latency[f"{kind} job (end to end)"].append(
                        time.perf_counter() - started
                    )

    def run(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            (self.heavy if self.rng.random() < self.args.heavy else self.cheap)()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000 if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--heavy", type=float, default=0.15, help="share of heavy actions")
    parser.add_argument("--abandon", type=float, default=0.3, help="share of jobs abandoned")
    parser.add_argument("--lease", type=float, default=10, help="server's job lease, seconds")
    args = parser.parse_args()
    if not (CIFAR / "test_batch").is_file():
        print(f"SKIPPED: real CIFAR-10 data not found at {CIFAR}")
        return 0
    with tempfile.TemporaryDirectory() as cache:
        process, url, which = start_demo_server(cache, args.lease)
        try:
            return run(process, url, which, args)
        finally:
            process.terminate()
            process.wait(timeout=30)


def run(process: subprocess.Popen[str], url: str, which: str, args: Any) -> int:
    http = httpx.Client(base_url=url, timeout=60)
    graph = http.get("/api/graph").json()["nodes"]
    setup = {
        "nodes": [n["name"] for n in graph][1:],
        "conv": [n["name"] for n in graph if n["op"].startswith("conv")],
        "size": http.get("/api/dataset").json()["size"],
        "pool": 64,
    }
    rss_start = rss_kib(process.pid, "VmRSS")
    print(
        f"server: alexnet-cifar ({which}) on CIFAR-10 test, {setup['size']} images; "
        f"{args.clients} clients for {args.seconds:g} s; job lease {args.lease:g} s"
    )
    stats = Stats()
    deadline = time.monotonic() + args.seconds
    clients = [Client(url, setup, stats, seed, args) for seed in range(args.clients)]
    threads = [threading.Thread(target=c.run, args=(deadline,)) for c in clients]
    for t in threads:
        t.start()
    samples: list[tuple[float, int]] = []
    began = time.monotonic()
    while any(t.is_alive() for t in threads):
        samples.append((time.monotonic() - began, rss_kib(process.pid, "VmRSS")))
        time.sleep(1)
    for t in threads:
        t.join()
    time.sleep(args.lease + 2)  # let the lease of every abandoned job run out
    fates = Counter(
        http.get(f"/api/jobs/{i}").json().get("state", "forgotten") for i in stats.abandoned
    )
    alive = http.get("/api/model").status_code
    report(stats, fates, samples, rss_start, rss_kib(process.pid, "VmHWM"), alive)
    return 1 if stats.errors or alive != 200 else 0


def report(
    stats: Stats,
    fates: Counter[str],
    samples: list[tuple[float, int]],
    rss_start: int,
    peak: int,
    alive: int,
) -> None:
    print(f"\n{'kind':<32}{'served':>8}{'p50 ms':>10}{'p95 ms':>10}{'503/429':>9}")
    kinds = sorted(set(stats.latency) | set(stats.back_pressure))
    for kind in kinds:
        values = stats.latency.get(kind, [])
        print(
            f"{kind:<32}{len(values):>8}{percentile(values, 50):>10.1f}"
            f"{percentile(values, 95):>10.1f}{stats.back_pressure[kind]:>9}"
        )
    served = sum(len(v) for k, v in stats.latency.items() if "end to end" not in k)
    print(
        f"\nrequests served: {served}; back-pressure answers (503/429): "
        f"{sum(stats.back_pressure.values())}; errors: {len(stats.errors)}"
    )
    for error in stats.errors[:10]:
        print("  error:", error)
    print(
        f"jobs polled to the end: {dict(stats.jobs)}; abandoned: {len(stats.abandoned)} "
        f"-> {dict(fates)}"
    )
    mib = [(t, kib / 1024) for t, kib in samples]
    timeline = ", ".join(f"{t:.0f}s {m:.0f}" for t, m in mib[:: max(1, len(mib) // 8)])
    print(
        f"server RSS MiB: start {rss_start / 1024:.0f}; {timeline}; end {mib[-1][1]:.0f}; "
        f"peak (VmHWM) {peak / 1024:.0f}"
    )
    print(f"server still answering afterwards: {alive == 200}")


if __name__ == "__main__":
    raise SystemExit(main())

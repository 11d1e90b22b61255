"""Kill -9 a real ``deepling serve`` in the middle of a job, restart it on the same cache:
what had finished is served from the cache, the interrupted job reruns and completes, and a
damaged cache entry is recomputed, never served.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from live_server import LiveServer

# A seeded small CNN (the same weights in every process, so the same cache keys) that takes
# 0.2 s per forward pass, so that a job over the 5,000 digits is reliably caught mid-way.
SLOW_NET = """
import time

import torch
import torch.fx
from torch import nn


@torch.fx.wrap  # kept as a call in the traced graph, so every pass through a tap waits too
def pause(x):
    time.sleep(0.2)
    return x


class Slow(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, 4, 5, stride=2)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(self.pool(self.relu(self.conv(pause(x)))).flatten(1))


def slow():
    return Slow()
"""


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "slow_net.py").write_text(SLOW_NET)
    return tmp_path


def _start(workspace: Path, cache: Path) -> LiveServer:
    env = {**os.environ, "DEEPLING_CACHE_DIR": str(cache)}
    env.pop("DEEPLING_TOKEN", None)
    return LiveServer(
        [
            "--model",
            f"{workspace / 'slow_net.py'}:slow",
            "--data",
            "mnist-demo",
            "--input-shape",
            "1,28,28",
        ],
        env,
    )


def _wait(http: httpx.Client, job: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
        job = http.get(f"/api/jobs/{job['id']}").json()
    assert job["state"] == "done", job
    return job


def _project(http: httpx.Client, indices: range) -> tuple[str, bytes]:
    """Run a projection job to the end: (its key, the coordinates it serves)."""
    started = http.post("/api/jobs/projection", json={"indices": list(indices), "pivots": 8})
    assert started.status_code == 202, started.text
    job = _wait(http, started.json())
    coords = http.get("/" + job["result_url"])
    assert coords.status_code == 200
    return job["kind"].split(":", 1)[1], coords.content


@pytest.fixture()
def servers() -> Iterator[list[LiveServer]]:
    started: list[LiveServer] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.stop()


def test_kill_during_a_job_loses_nothing_that_finished(
    workspace: Path, tmp_path: Path, servers: list[LiveServer]
) -> None:
    cache = tmp_path / "cache"
    servers.append(first := _start(workspace, cache))
    with httpx.Client(base_url=first.url, timeout=60) as http:
        _wait(http, http.post("/api/jobs/evaluation").json())
        evaluation = http.get("/api/evaluation").json()
        kept_key, kept = _project(http, range(0, 300))
        damaged_key, damaged = _project(http, range(300, 600))
        # The long job: every digit, 20 batches of 0.2 s at least. Killed once under way.
        job = http.post("/api/jobs/projection", json={"indices": list(range(5000)), "pivots": 8})
        job = job.json()
        interrupted_key = job["kind"].split(":", 1)[1]
        while not (job["state"] == "running" and job["done"] > 0):
            assert job["state"] in ("queued", "running"), job
            time.sleep(0.02)
            job = http.get(f"/api/jobs/{job['id']}").json()
    first.process.send_signal(signal.SIGKILL)
    assert first.process.wait(timeout=10) == -signal.SIGKILL
    assert 0 < job["done"] < job["total"]  # it died mid-job
    assert not (cache / "projection" / f"{interrupted_key}.npz").exists()
    # A torn entry, as a crash on a filesystem without atomic renames (or a bad disk) leaves.
    entry = cache / "projection" / f"{damaged_key}.npz"
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])

    servers.append(second := _start(workspace, cache))
    with httpx.Client(base_url=second.url, timeout=60) as http:
        # Finished work comes straight from the cache: no job runs for it.
        assert http.get("/api/dataset").json()["evaluated"] is True
        assert http.get("/api/evaluation").json() == evaluation
        again = http.get(f"/api/projections/{kept_key}")
        assert again.status_code == 200 and again.content == kept
        assert http.get("/api/jobs").json() == []
        # Neither the interrupted nor the damaged result is served...
        assert http.get(f"/api/projections/{interrupted_key}").status_code == 404
        assert http.get(f"/api/projections/{damaged_key}").status_code == 404
        assert not entry.exists()
        # ...and both rerun to completion, the same as before for the damaged one.
        assert _project(http, range(300, 600)) == (damaged_key, damaged)
        key, coords = _project(http, range(5000))
        assert key == interrupted_key
        layers = len(http.get("/api/projections/" + key).headers["X-Nodes"].split(","))
        assert len(coords) == layers * 5000 * 2 * 4  # float32 (L, N, 2)
    assert not list((cache / "projection").glob("*.tmp"))  # the killed job wrote none

"""Running a server job from a test: start it with a POST, poll until it ends."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient


def finish_job(
    client: TestClient, path: str, body: dict[str, Any] | None = None, timeout: float = 60.0
) -> dict[str, Any]:
    """POST ``path`` (with JSON ``body`` if given), expect 202, and return the job's final
    state (done, failed or cancelled) once polling shows it has ended."""
    job = client.post(path, json=body) if body is not None else client.post(path)
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(f"/api/jobs/{job.json()['id']}").json()
        if state["state"] not in ("queued", "running"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"the job started by POST {path} did not finish in {timeout} s")

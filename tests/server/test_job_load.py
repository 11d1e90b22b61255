"""Jobs under load: a bounded queue (503 + Retry-After beyond it; joins and cached results do
not count) and a lease that cancels the jobs nobody asks about any more."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import torch
from fastapi.testclient import TestClient

from deepling.cache import ArrayCache
from deepling.data.base import ArrayDataset
from deepling.errors import Cancelled
from deepling.models.loading import load_model
from deepling.server.app import create_app
from deepling.server.jobs import Job, JobManager, QueueFull
from deepling.server.session import Session


def _wait_for(predicate, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


@pytest.fixture()
def jobs() -> Iterator[JobManager]:
    manager = JobManager(max_queued=2, lease_s=0.5)
    yield manager
    manager.shutdown()


def _blocker(release: threading.Event):  # type: ignore[no-untyped-def]
    def work(job: Job) -> str:
        while not release.wait(0.01):
            job.report(0, 1)  # reports often, as real work does
        return "released"

    return work


def test_queue_is_bounded_and_joins_and_cached_results_do_not_count(jobs: JobManager) -> None:
    release = threading.Event()
    running = jobs.submit("running", _blocker(release))
    _wait_for(lambda: running.state == "running")
    queued = [jobs.submit(f"queued-{i}", _blocker(release)) for i in range(2)]
    with pytest.raises(QueueFull) as full:
        jobs.submit("one-too-many", _blocker(release))
    assert full.value.status == 503 and full.value.headers["Retry-After"].isdigit()
    assert "the limit is 2" in str(full.value)
    # Joining an active job and fetching a cached result still work at the limit.
    assert jobs.submit("queued-0", _blocker(release), join_active=True) is queued[0]
    cached = jobs.submit("cached", lambda job: "from the cache", ready=lambda: True)
    assert cached.state == "done" and cached.result == "from the cache"
    release.set()
    _wait_for(lambda: all(j.state == "done" for j in (running, *queued)))


def test_a_cached_result_that_reports_progress_after_all_goes_to_the_worker(
    jobs: JobManager,
) -> None:
    def work(job: Job) -> int:
        job.report(0, 1)  # the cache entry was gone: real work
        return 7

    job = jobs.submit("stale", work, ready=lambda: True)
    _wait_for(lambda: job.state == "done")
    assert job.result == 7 and jobs.get(job.id) is job


def test_an_abandoned_running_job_is_cancelled_at_its_next_report(jobs: JobManager) -> None:
    release = threading.Event()
    job = jobs.submit("abandoned", _blocker(release))
    _wait_for(lambda: job.state == "cancelled", timeout=5)  # nobody polls: lease of 0.5 s
    assert job.error is not None and "nobody asked" in job.error
    release.set()


def test_polling_keeps_a_job_alive_past_its_lease(jobs: JobManager) -> None:
    release = threading.Event()
    job = jobs.submit("polled", _blocker(release))
    deadline = time.monotonic() + 1.5  # three leases
    while time.monotonic() < deadline:
        assert jobs.get(job.id).state in ("queued", "running")
        time.sleep(0.25)  # the front end's poll interval
    release.set()
    _wait_for(lambda: job.state == "done")
    assert job.result == "released"


def test_an_abandoned_queued_job_frees_its_place_and_never_runs(jobs: JobManager) -> None:
    release = threading.Event()
    running = jobs.submit("running", _blocker(release))
    ran: list[str] = []
    queued = [jobs.submit(f"q{i}", lambda job, i=i: ran.append(f"q{i}")) for i in range(2)]
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:  # keep the running one alive, abandon the queued ones
        jobs.get(running.id)
        time.sleep(0.1)
    assert [j.state for j in queued] == ["cancelled", "cancelled"]
    # Their places are free again: two more fit.
    fresh = [jobs.submit(f"fresh{i}", lambda job: None) for i in range(2)]
    release.set()
    _wait_for(lambda: all(j.state == "done" for j in (running, *fresh)))
    assert ran == []


def test_a_cancelled_job_is_not_joined(jobs: JobManager) -> None:
    release = threading.Event()
    first = jobs.submit("same", _blocker(release), join_active=True)
    _wait_for(lambda: first.state == "running")
    first.cancel()
    second = jobs.submit("same", _blocker(release), join_active=True)
    assert second is not first
    release.set()
    _wait_for(lambda: second.state == "done")


def test_a_full_queue_is_a_503_over_http_and_polling_keeps_jobs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    pixels = torch.randint(0, 256, (4, 1, 28, 28), dtype=torch.uint8)
    data = ArrayDataset(pixels, [0, 1, 2, 3], [str(i) for i in range(10)], "random")
    session = Session(
        load_model("mnist-cnn"), data, ArrayCache(tmp_path), JobManager(max_queued=1, lease_s=0.5)
    )
    release = threading.Event()
    with TestClient(create_app(session)) as client:
        blocker = session.jobs.submit("blocker", _blocker(release))
        _wait_for(lambda: blocker.state == "running")
        first = client.post("/api/jobs/evaluation")
        assert first.status_code == 202 and first.json()["state"] == "queued"
        joined = client.post("/api/jobs/evaluation")  # the same job: not counted
        assert joined.status_code == 202 and joined.json()["id"] == first.json()["id"]
        refused = client.post("/api/jobs/channel-stats/conv1")
        assert refused.status_code == 503 and refused.headers["retry-after"].isdigit()
        assert "limit is 1" in refused.json()["detail"]
        for _ in range(8):  # poll for 2 s (four leases): the evaluation stays queued
            client.get(f"/api/jobs/{blocker.id}")
            assert client.get(f"/api/jobs/{first.json()['id']}").json()["state"] == "queued"
            time.sleep(0.25)
        release.set()
        job = first.json()
        _wait_for(lambda: client.get(f"/api/jobs/{job['id']}").json()["state"] == "done", 30)


def test_report_raises_cancelled_after_a_user_cancel() -> None:
    job = Job("x")
    job.report(1, 2)
    job.cancel()
    with pytest.raises(Cancelled):
        job.report(2, 2)

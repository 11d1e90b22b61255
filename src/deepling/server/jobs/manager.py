"""Background jobs: long work runs on a bounded worker pool with progress and cancellation.

Load rules: at most ``max_queued`` jobs wait for the worker (a new one beyond that is a 503
with Retry-After; joining an active job or fetching a cached result never counts), and a job
nobody has asked about for ``lease_s`` seconds is cancelled (its client went away): the front
end polls every 250 ms while it waits, so a live client keeps its job alive.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from deepling.errors import Cancelled, DeeplingError, NotFoundError

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
JobWork = Callable[["Job"], Any]

# The front end polls every 250 ms, but Chrome wakes timers in a tab hidden for 5 minutes only
# once a minute: 90 s keeps such a job alive and still frees the worker soon after a client left.
DEFAULT_LEASE_S = 90.0
DEFAULT_MAX_QUEUED = 8
RETRY_AFTER_S = 5
LEASE_ENV = "DEEPLING_JOB_LEASE_S"  # the lease in seconds; 0 turns it off


class QueueFull(DeeplingError):
    """Too many jobs wait for the worker: a 503 the client may retry after ``Retry-After``."""

    status = 503

    def __init__(self, queued: int, limit: int) -> None:
        super().__init__(
            f"The server is busy: {queued} jobs are already queued (the limit is {limit}).",
            f"Try again in a few seconds ({RETRY_AFTER_S} s), or cancel a job you no longer need.",
        )
        self.headers = {"Retry-After": str(RETRY_AFTER_S)}


class _NeedsWorker(Exception):
    """Raised by an inline job's first progress report: the result was not cached after all."""


@dataclass
class Job:
    """One unit of long work. ``report`` is its progress callback; it raises ``Cancelled`` once
    the job was cancelled (by the user, or because its lease ran out), which stops the work at
    its next progress report."""

    kind: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: JobState = "queued"
    done: int = 0
    total: int = 0
    error: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None
    result: Any = None
    result_url: str | None = None  # where the finished result can be fetched, if anywhere
    key: str | None = None  # the cached result's key (its result routes take it)
    lease_s: float | None = None  # cancelled when nobody touched it for this long (None: never)
    _seen: float = field(default_factory=time.monotonic, repr=False)
    _inline: bool = field(default=False, repr=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def report(self, done: int, total: int) -> None:
        if self._inline:
            raise _NeedsWorker()
        if not self._cancel.is_set() and self.lease_expired(time.monotonic()):
            self.cancel(f"Cancelled: nobody asked for this job for {self.lease_s:g} s.")
        if self._cancel.is_set():
            raise Cancelled()
        self.done, self.total = done, total

    def touch(self) -> None:
        """A client still wants this job: renew its lease."""
        self._seen = time.monotonic()

    def lease_expired(self, now: float) -> bool:
        return self.lease_s is not None and now - self._seen > self.lease_s

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self, reason: str | None = None) -> None:
        self._cancel.set()
        if self.state == "queued":
            self.state = "cancelled"
            self.finished = time.time()
        if reason and self.state in ("queued", "running", "cancelled"):
            self.error = reason

    @property
    def progress(self) -> float:
        if self.state == "done":
            return 1.0
        return self.done / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "progress": round(self.progress, 4),
            "error": self.error,
            "result_url": self.result_url if self.state == "done" else None,
            "key": self.key,
        }


def _lease_from_env() -> float | None:
    value = float(os.environ.get(LEASE_ENV, DEFAULT_LEASE_S))
    return value if value > 0 else None


class JobManager:
    """Runs jobs ``workers`` at a time (heavy work shares the CPU, so more would only thrash);
    keeps the last ``keep`` finished jobs for polling; see the module docstring for the queue
    bound and the lease."""

    def __init__(
        self,
        workers: int = 1,
        keep: int = 100,
        *,
        max_queued: int = DEFAULT_MAX_QUEUED,
        lease_s: float | None = None,
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deepling-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep
        self.max_queued = max_queued
        self.lease_s = lease_s if lease_s is not None else _lease_from_env()

    def submit(
        self,
        kind: str,
        work: JobWork,
        *,
        join_active: bool = False,
        ready: Callable[[], bool] | None = None,
        key: str | None = None,
    ) -> Job:
        """Queue ``work``; with ``join_active``, return the queued or running job of the same
        ``kind`` instead if there is one (checked and added atomically). ``ready`` says whether
        the result is already cached: then ``work`` runs here, at once, and its job is done
        without waiting for the worker (if it reports progress after all, it is queued). ``key``
        names the job's cached result, for its result routes."""
        if join_active:
            with self._lock:
                active = self._active(kind)
            if active is not None:
                return active
        if ready is not None and ready():
            finished = self._run_inline(kind, work, key)
            if finished is not None:
                return finished
        with self._lock:
            active = self._active(kind) if join_active else None
            if active is not None:
                return active
            queued = self._queued()
            if queued >= self.max_queued:
                raise QueueFull(queued, self.max_queued)
            job = Job(kind, lease_s=self.lease_s, key=key)
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, work)
        return job

    def _active(self, kind: str) -> Job | None:
        """The live job of ``kind``, its lease renewed (caller holds the lock)."""
        self._expire()
        for job in self._jobs.values():
            if job.kind == kind and job.state in ("queued", "running") and not job.cancelled:
                job.touch()
                return job
        return None

    def _queued(self) -> int:
        self._expire()
        return sum(j.state == "queued" for j in self._jobs.values())

    def _expire(self) -> None:
        """Cancel every live job whose lease ran out (a running one stops at its next report)."""
        now = time.monotonic()
        for job in self._jobs.values():
            if job.state in ("queued", "running") and not job.cancelled and job.lease_expired(now):
                job.cancel(f"Cancelled: nobody asked for this job for {job.lease_s:g} s.")

    def _run_inline(self, kind: str, work: JobWork, key: str | None) -> Job | None:
        job = Job(kind, key=key, _inline=True)
        try:
            job.state = "running"
            self._execute(job, work)
        except _NeedsWorker:
            return None
        job._inline = False
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        return job

    def _run(self, job: Job, work: JobWork) -> None:
        if job.state == "cancelled":
            return
        if job.lease_expired(time.monotonic()):
            job.cancel(f"Cancelled: nobody asked for this job for {job.lease_s:g} s.")
            return
        job.state = "running"
        self._execute(job, work)

    @staticmethod
    def _execute(job: Job, work: JobWork) -> None:
        try:
            job.result = work(job)
            job.state = "done"
        except Cancelled:
            job.state = "cancelled"
        except DeeplingError as exc:
            job.error, job.state = str(exc), "failed"
        except _NeedsWorker:
            raise
        except Exception as exc:  # a bug: keep the server alive, show what happened
            job.error = f"{type(exc).__name__}: {exc}"
            job.state = "failed"
            traceback.print_exc()
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job:
        """The job (a client asking about it renews its lease); 404 if unknown."""
        with self._lock:
            self._expire()
            job = self._jobs.get(job_id)
            if job is not None:
                job.touch()
        if job is None:
            raise NotFoundError(f"No job with id {job_id!r}.")
        return job

    def list(self) -> list[Job]:
        with self._lock:
            self._expire()
            return list(self._jobs.values())

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished is not None]
        for job in sorted(finished, key=lambda j: j.created)[: max(0, len(finished) - self._keep)]:
            del self._jobs[job.id]

    def shutdown(self) -> None:
        for job in self.list():
            job.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)

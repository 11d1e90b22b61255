"""Background jobs: long work runs on a bounded worker pool with progress and cancellation."""

from __future__ import annotations

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


@dataclass
class Job:
    """One unit of long work. ``report`` is its progress callback; it raises ``Cancelled`` once
    the job was cancelled, which stops the work at its next progress report."""

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
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def report(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        self.done, self.total = done, total

    def cancel(self) -> None:
        self._cancel.set()
        if self.state == "queued":
            self.state = "cancelled"
            self.finished = time.time()

    @property
    def progress(self) -> float:
        if self.state == "done":
            return 1.0
        return self.done / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "state": self.state, "done": self.done,
            "total": self.total, "progress": round(self.progress, 4), "error": self.error,
            "result_url": self.result_url if self.state == "done" else None,
        }  # fmt: skip


class JobManager:
    """Runs jobs ``workers`` at a time (heavy work shares the CPU, so more would only thrash);
    keeps the last ``keep`` finished jobs for polling."""

    def __init__(self, workers: int = 1, keep: int = 100) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deepling-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def submit(self, kind: str, work: JobWork, *, join_active: bool = False) -> Job:
        """Queue ``work``; with ``join_active``, return the queued or running job of the same
        ``kind`` instead if there is one (checked and added atomically)."""
        with self._lock:
            if join_active:
                for active in self._jobs.values():
                    if active.kind == kind and active.state in ("queued", "running"):
                        return active
            job = Job(kind)
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: JobWork) -> None:
        if job.state == "cancelled":
            return
        job.state = "running"
        try:
            job.result = work(job)
            job.state = "done"
        except Cancelled:
            job.state = "cancelled"
        except DeeplingError as exc:
            job.error, job.state = str(exc), "failed"
        except Exception as exc:  # a bug: keep the server alive, show what happened
            job.error = f"{type(exc).__name__}: {exc}"
            job.state = "failed"
            traceback.print_exc()
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"No job with id {job_id!r}.")
        return job

    def list(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished is not None]
        for job in sorted(finished, key=lambda j: j.created)[: max(0, len(finished) - self._keep)]:
            del self._jobs[job.id]

    def shutdown(self) -> None:
        for job in self.list():
            job.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)

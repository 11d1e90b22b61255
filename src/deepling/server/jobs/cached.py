"""The one recipe for a cached analysis: a result computed once as a job, stored in the session's
cache under its key, and served by the analysis's result routes.

A new cached analysis is a ``CachedAnalysis`` (its cache kind, its result route) and a compute
function returning the arrays to store; the recipe checks the cache without reading the entry,
joins a job already computing the same key, finishes at once when the result is stored, and
answers a 404 naming how to make a missing result. Its routes declare themselves with
``job_route()`` (the starting route) and ``key_parameter()`` (each result route's ``{key}``), from
which the OpenAPI links between them are derived (``links``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from fastapi import Path

from deepling.errors import NotFoundError
from deepling.progress import Progress, no_progress
from deepling.server.jobs.links import starts_job, takes
from deepling.server.jobs.manager import Job
from deepling.server.session import Session

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class CachedAnalysis:
    """``kind``: the cache folder and job kind; ``title``: one result's name in messages;
    ``route``: the result's address with ``{key}``; ``start``: the request that makes one."""

    kind: str
    title: str
    route: str
    start: str

    def url(self, key: str) -> str:
        return self.route.format(key=key)

    def job_route(self) -> dict[str, Any]:
        """The route arguments of the operation starting this analysis's job (see
        ``links.starts_job``): its 202 links to the job and to this analysis's result routes."""
        return starts_job(key=self.kind)

    def key_parameter(self) -> Any:
        """The ``{key}`` path parameter of a result route (any string: an unknown key is a 404),
        linked from the job that makes it."""
        return Path(
            description=f"the {self.title}'s key: the `key` of the job that made it",
            json_schema_extra=takes(self.kind),
        )

    def submit(
        self,
        session: Session,
        key: str,
        compute: Callable[[Progress], Arrays],
        *,
        url: str | None = None,
    ) -> Job:
        """The job making result ``key`` (joined if one is running; done at once if cached).
        ``url``: the result's address where it is not ``route`` (a query, say)."""
        cache = session.cache

        def work(job: Job) -> None:
            if not cache.exists(self.kind, key):
                cache.save(self.kind, key, compute(job.report))
            job.result_url = url or self.url(key)

        return session.jobs.submit(
            f"{self.kind}:{key}",
            work,
            join_active=True,
            ready=lambda: cache.exists(self.kind, key),
            key=key,
        )

    def load(self, session: Session, key: str) -> Arrays:
        """The stored result; 404 for a key that names none (the cache refuses a key that is
        not a plain name, so one taken from a URL cannot leave the cache folder)."""
        stored = session.cache.load(self.kind, key)
        if stored is None:
            raise NotFoundError(f"No {self.title} {key!r}.", f"Make one with {self.start}.")
        return stored

    def compute_now(
        self, session: Session, key: str, compute: Callable[[Progress], Arrays]
    ) -> Arrays:
        """Result ``key`` computed here, in the request, unless stored (for fast analyses)."""
        stored = session.cache.load(self.kind, key)
        if stored is None:
            stored = compute(no_progress)
            session.cache.save(self.kind, key, stored)
        return stored

    def find(self, session: Session, key: str) -> Arrays | None:
        """The stored result, or None."""
        return session.cache.load(self.kind, key)

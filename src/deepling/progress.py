"""Progress reporting shared by the CLI (a tqdm bar) and the server (a job's progress)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Called with (done, total) as work advances; may raise ``Cancelled`` to stop the work."""

    def __call__(self, done: int, total: int) -> None: ...


def no_progress(done: int, total: int) -> None:
    """The default: report nothing."""

"""Progress reporting shared by the CLI (a tqdm bar) and the server (a job's progress)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Called with (done, total) as work advances; may raise ``Cancelled`` to stop the work."""

    def __call__(self, done: int, total: int) -> None: ...


def no_progress(done: int, total: int) -> None:
    """The default: report nothing."""


def part_of(progress: Progress, start: int, overall: int, scale: int = 1) -> Progress:
    """One part's progress reported as part of a whole: ``start`` done before it, each of its
    units worth ``scale`` of the ``overall`` (a chunk of images x steps, one pass of several)."""

    def report(done: int, total: int) -> None:
        progress(start + done * scale, overall)

    return report

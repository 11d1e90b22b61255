"""What a running server serves: one model, one dataset, their cache and jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from deepling.analysis.evaluation import Evaluation, evaluate, evaluation_key
from deepling.cache import ArrayCache
from deepling.data.base import Dataset
from deepling.models.model import Model
from deepling.paths import cache_dir
from deepling.server.jobs import Job, JobManager


@dataclass
class Session:
    model: Model
    dataset: Dataset
    cache: ArrayCache = field(default_factory=lambda: ArrayCache(cache_dir()))
    jobs: JobManager = field(default_factory=JobManager)
    evaluation: Evaluation | None = None

    def __post_init__(self) -> None:
        # Request threads and job threads run the model at once. Each analysis sets eval mode
        # and restores the flags it found; if the module arrived in training mode, one thread's
        # restore would flip another's forward pass into training mode (batch-norm statistics
        # would change). The server owns the model for its lifetime, so it sets eval mode once.
        self.model.module.eval()

    @classmethod
    def open(cls, model: Model, dataset: Dataset, cache_root: Path | None = None) -> Session:
        """A session that reuses a cached evaluation from an earlier run (cheap: a file read)."""
        session = cls(model, dataset, ArrayCache(cache_root or cache_dir()))
        stored = session.cache.load("evaluation", evaluation_key(model, dataset))
        if stored is not None:
            session.evaluation = Evaluation(**stored)
        return session

    def start_evaluation(self) -> Job:
        """Start (or join) the evaluation job; its result becomes ``self.evaluation``."""
        active = self.jobs.find_active("evaluation")
        if active is not None:
            return active

        def work(job: Job) -> None:
            self.evaluation = evaluate(
                self.model, self.dataset, progress=job.report, cache=self.cache
            )

        return self.jobs.submit("evaluation", work)

"""What a running server serves: one model, one dataset, their cache and jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from deepling.analysis.channel_stats import ChannelStatistics, cached_channel_statistics
from deepling.analysis.evaluation import Evaluation, cached_evaluation
from deepling.cache import ArrayCache
from deepling.data.base import Dataset
from deepling.models.ablated import Ablation
from deepling.models.model import Model
from deepling.paths import cache_dir
from deepling.server.jobs.manager import JobManager
from deepling.server.tray.store import ImageTray


@dataclass
class Session:
    model: Model
    dataset: Dataset
    cache: ArrayCache = field(default_factory=lambda: ArrayCache(cache_dir()))
    jobs: JobManager = field(default_factory=JobManager)
    evaluation: Evaluation | None = None
    tray: ImageTray = field(default_factory=ImageTray)
    # Channel statistics found so far, by node: reading them again costs a weights digest.
    _channel_stats: dict[str, ChannelStatistics] = field(default_factory=dict)
    # Named sets of channel ablations (the ablation feature), applied per request, never in place.
    ablation_sets: dict[str, tuple[Ablation, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Request threads and job threads run the model at once. Each analysis sets eval mode
        # and restores the flags it found; if the module arrived in training mode, one thread's
        # restore would flip another's forward pass into training mode (batch-norm statistics
        # would change). So the session sets eval mode once, and ``close`` restores the flags.
        self._training_flags = [(m, m.training) for m in self.model.module.modules()]
        self.model.module.eval()
        self.model.graph()  # trace once now, not racing in the first concurrent requests

    def close(self) -> None:
        """Cancel jobs and hand the model back as it was given."""
        self.jobs.shutdown()
        for module, training in self._training_flags:
            module.training = training

    @classmethod
    def open(cls, model: Model, dataset: Dataset, cache_root: Path | None = None) -> Session:
        """A session that reuses a cached evaluation from an earlier run (cheap: a file read)."""
        session = cls(model, dataset, ArrayCache(cache_root or cache_dir()))
        session.evaluation = cached_evaluation(model, dataset, session.cache)
        return session

    def keep_channel_statistics(self, node: str, stats: ChannelStatistics) -> None:
        """Remember statistics a job computed (channels.stats)."""
        self._channel_stats[node] = stats

    def channel_statistics(self, node: str) -> ChannelStatistics | None:
        """``node``'s statistics if a job computed them (in this or an earlier run)."""
        self.model.graph()[node]
        if node not in self._channel_stats:
            stored = cached_channel_statistics(self.model, self.dataset, node, self.cache)
            if stored is None:
                return None
            self._channel_stats[node] = stored
        return self._channel_stats[node]

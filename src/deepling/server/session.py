"""What a running server serves: one model, one dataset, their cache and jobs; and, where the
model is one checkpoint of a series or is compared with another, the series and the model
compared with.

Selecting another checkpoint makes a new Session (``switch``) that shares the cache, the jobs,
the tray and the ablation sets with this one: jobs already running keep the session (and the
model) they started with, so a switch never changes a model under a running pass.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from deepling.analysis.channel_stats import ChannelStatistics, cached_channel_statistics
from deepling.analysis.evaluation import Evaluation, cached_evaluation
from deepling.cache import ArrayCache
from deepling.data.base import Dataset
from deepling.engine.choice import Engine, RaySettings
from deepling.errors import DeeplingError
from deepling.models.ablated import Ablation
from deepling.models.checkpoints import Checkpoints
from deepling.models.model import Model
from deepling.paths import cache_dir
from deepling.server.jobs.manager import JobManager
from deepling.server.tray.store import ImageTray

# Which of the two models a request means: A, the selected one, or B, the one compared with.
ModelSide = Literal["selected", "compare"]


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
    # The key of the result last asked for, per what it is for (the trust table of a model and
    # data, say): what a view shows on load without starting a job.
    latest_keys: dict[str, str] = field(default_factory=dict)
    # The series this model is one checkpoint of (None: a single model), and its position.
    checkpoints: Checkpoints | None = None
    checkpoint: int = 0
    # The model compared with: a checkpoint of the series (``compare_checkpoint``) or a second
    # model given on its own (``external``); None when nothing is compared.
    compare: Model | None = None
    compare_checkpoint: int | None = None
    external: Model | None = None
    # ``compare`` and ``compare_checkpoint`` change together under it (``compare_with``), so
    # that a job started for B is named for the B it computes (``compared_job``).
    _compare_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Where the dataset passes of the evaluation, channel statistics, top-activation, layer
    # projection and ablation jobs run (``--engine ray``), and the Ray settings.
    engine: Engine = "local"
    ray: RaySettings | None = None

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
    def open(
        cls,
        model: Model,
        dataset: Dataset,
        cache_root: Path | None = None,
        *,
        checkpoints: Checkpoints | None = None,
        compare: Model | None = None,
        engine: Engine = "local",
        ray: RaySettings | None = None,
    ) -> Session:
        """A session that reuses a cached evaluation from an earlier run (cheap: a file read).
        ``checkpoints``: the series ``model`` is one of (``model`` must be the object it
        holds, ``checkpoints[i]``; a series opens compared with its first checkpoint, or its
        last when ``model`` is the first); ``compare``: a second model, compared with from the
        start."""
        session = cls(model, dataset, ArrayCache(cache_root or cache_dir()))
        session.engine, session.ray = engine, ray
        session.evaluation = cached_evaluation(model, dataset, session.cache)
        if checkpoints is not None:
            session.checkpoints = checkpoints
            held = [i for i in range(len(checkpoints)) if checkpoints.holds(i, model)]
            if not held:
                raise DeeplingError(
                    "The model served is not one of the checkpoints given.",
                    "Pass one of them: checkpoints[i].",
                )
            session.checkpoint = held[0]
            if len(checkpoints) > 1 and compare is None:  # the first epoch, to see what changed
                session.compare_with(0 if session.checkpoint else len(checkpoints) - 1)
        if compare is not None:
            compare.module.eval()
            compare.graph()
            session.external = compare
            session.compare_with(None, external=True)
        return session

    def known_evaluation(self) -> Evaluation | None:
        """This model's evaluation: this session's, or one stored since (a job that another
        session of the same checkpoint joined writes its result there, and to the cache)."""
        if self.evaluation is None:
            self.evaluation = cached_evaluation(self.model, self.dataset, self.cache)
        return self.evaluation

    def job_name(self, kind: str, side: ModelSide = "selected") -> str:
        """A job's name for this session's model (or the compared one): the same analysis of
        another checkpoint is another job, not one to join (a lone model's jobs keep their
        plain kind)."""
        if side == "compare":
            which = "external" if self.compare_checkpoint is None else self.compare_checkpoint
            return f"{kind}@compare:{which}"
        return kind if self.checkpoints is None else f"{kind}@{self.checkpoint}"

    def compared(self) -> Model:
        """The model compared with; a 400 saying how to pick one when there is none."""
        if self.compare is None:
            raise DeeplingError(
                "No model is chosen to compare with.",
                "Pick one with PUT /api/checkpoints/compare (the header's compare selector).",
            )
        return self.compare

    def model_of(self, side: ModelSide) -> Model:
        """A (the selected model) or B (the one compared with)."""
        return self.model if side == "selected" else self.compared()

    def switch(self, checkpoint: int) -> Session:
        """This session with checkpoint ``checkpoint`` of the series selected (shared cache,
        jobs, tray and ablation sets; the compared model kept)."""
        if self.checkpoints is None:
            raise DeeplingError("This server serves one model, not a series of checkpoints.")
        if not 0 <= checkpoint < len(self.checkpoints):
            raise DeeplingError(
                f"checkpoint {checkpoint} is out of range: the series has {len(self.checkpoints)}."
            )
        model = self.checkpoints[checkpoint]
        other = Session(
            model,
            self.dataset,
            self.cache,
            self.jobs,
            cached_evaluation(model, self.dataset, self.cache),
            self.tray,
            ablation_sets=self.ablation_sets,
            checkpoints=self.checkpoints,
            checkpoint=checkpoint,
            compare=self.compare,
            compare_checkpoint=self.compare_checkpoint,
            external=self.external,
            engine=self.engine,
            ray=self.ray,
        )
        other._training_flags = self._training_flags  # the flags the user's module came with
        return other

    def compare_with(self, checkpoint: int | None, *, external: bool = False) -> None:
        """Compare with checkpoint ``checkpoint`` of the series, with the external model, or
        (neither) with nothing."""
        if external:
            if self.external is None:
                raise DeeplingError(
                    "No second model is loaded.", "Start the server with --compare SPEC."
                )
            self._set_compare(self.external, None)
        elif checkpoint is None:
            self._set_compare(None, None)
        else:
            if self.checkpoints is None or not 0 <= checkpoint < len(self.checkpoints):
                count = 1 if self.checkpoints is None else len(self.checkpoints)
                raise DeeplingError(
                    f"checkpoint {checkpoint} is out of range: the series has {count}."
                )
            model = self.checkpoints[checkpoint]
            model.module.eval()
            model.graph()  # traced now, not racing in the first concurrent requests
            self._set_compare(model, checkpoint)

    def _set_compare(self, model: Model | None, checkpoint: int | None) -> None:
        with self._compare_lock:
            self.compare, self.compare_checkpoint = model, checkpoint

    def side_job(self, kind: str, side: ModelSide) -> tuple[Model, str]:
        """A (or B) and the name of its job of ``kind``, read together: a change of B in between
        cannot name one model's job for another."""
        with self._compare_lock:
            return self.model_of(side), self.job_name(kind, side)

    def keep_channel_statistics(self, node: str, stats: ChannelStatistics) -> None:
        """Remember statistics a job computed (channels.stats)."""
        self._channel_stats[node] = stats

    def channel_statistics(
        self, node: str, side: ModelSide = "selected"
    ) -> ChannelStatistics | None:
        """``node``'s statistics if a job computed them (in this or an earlier run). The
        compared model's come from the cache each time: it changes under this session."""
        if side == "compare":
            other = self.compared()
            other.graph()[node]
            return cached_channel_statistics(other, self.dataset, node, self.cache)
        self.model.graph()[node]
        if node not in self._channel_stats:
            stored = cached_channel_statistics(self.model, self.dataset, node, self.cache)
            if stored is None:
                return None
            self._channel_stats[node] = stored
        return self._channel_stats[node]

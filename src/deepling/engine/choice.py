"""The engine a dataset pass runs on, and the settings of the Ray one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from deepling.errors import DeeplingError

Engine = Literal["local", "ray"]
ENGINES: tuple[Engine, ...] = ("local", "ray")


@dataclass(frozen=True)
class RaySettings:
    """How a pass runs on Ray. ``address``: the cluster (``"auto"``, ``"host:6379"``,
    ``"ray://host:10001"``; None: the one this process is connected to, else one running on
    this machine, else a local one started for it);
    ``concurrency``: model replicas (default: one per GPU of the cluster, else half its CPUs);
    ``num_gpus``: GPUs per replica (default: 1 where the cluster has GPUs, else 0);
    ``batch_size``: images per model batch (default: the model's). A lost decoding task is
    retried and a lost replica restarted, as Ray Data does by default."""

    address: str | None = None
    concurrency: int | None = None
    num_gpus: float | None = None
    batch_size: int | None = None

    def __post_init__(self) -> None:
        if self.concurrency is not None and self.concurrency < 1:
            raise DeeplingError(f"concurrency must be at least 1, got {self.concurrency}.")
        if self.num_gpus is not None and self.num_gpus < 0:
            raise DeeplingError(f"num_gpus must be 0 or more, got {self.num_gpus}.")
        if self.batch_size is not None and self.batch_size < 1:
            raise DeeplingError(f"batch_size must be at least 1, got {self.batch_size}.")


def with_batch_size(settings: RaySettings | None, batch_size: int | None) -> RaySettings:
    """``settings`` (default ones if None), taking a pass's ``batch_size`` where they give
    none."""
    settings = settings or RaySettings()
    if settings.batch_size is None and batch_size is not None:
        return replace(settings, batch_size=batch_size)
    return settings


def check_engine(engine: str) -> Engine:
    """``engine`` if it names one, else a DeeplingError listing them."""
    for known in ENGINES:
        if engine == known:
            return known
    raise DeeplingError(f"Unknown engine {engine!r}.", f"Use one of {', '.join(ENGINES)}.")

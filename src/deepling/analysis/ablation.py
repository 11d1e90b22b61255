"""Channel ablation: switch channels of any graph node off and see what the model does.

    with deepling.ablate(model, "conv5", [3, 17]):           # channels held at 0
        probs = model.predict(x)                             # every call inside is ablated
    with deepling.ablate(model, "conv5", [3], mode="mean", data=dataset):
        deepling.evaluate(model, dataset)                    # cached apart from the plain run
    ablated = model.with_ablations([Ablation.zero("conv5", [3])])   # explicit, thread-safe

The context manager affects the calling thread only; servers and jobs use ``with_ablations``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from deepling.analysis.channel_stats import channel_statistics
from deepling.analysis.evaluation import Evaluation, evaluate
from deepling.cache import ArrayCache
from deepling.data.base import Dataset
from deepling.engine.choice import Engine, RaySettings
from deepling.errors import DeeplingError
from deepling.models.ablated import ABLATION_MODES, Ablation, check_ablations
from deepling.models.model import Model
from deepling.progress import Progress, no_progress

AblationItem = Ablation | tuple[str, Sequence[int]] | tuple[str, Sequence[int], str]


def make_ablation(
    model: Model,
    node: str,
    channels: Sequence[int],
    mode: str = "zero",
    *,
    means: torch.Tensor | np.ndarray | Sequence[float] | None = None,
    data: Dataset | None = None,
    cache: ArrayCache | None = None,
) -> Ablation:
    """An ``Ablation`` of ``channels`` of ``node``, checked against the model's graph.

    Mode ``"zero"`` holds them at 0; ``"mean"`` at each channel's mean activation over the
    dataset (over images and positions): from ``means`` (C,), one value per channel of the
    node, or computed over ``data`` with ``channel_statistics`` (cached in ``cache``), as the
    model runs at the time of the call.
    """
    if mode not in ABLATION_MODES:
        raise DeeplingError(f"Unknown ablation mode {mode!r}.", f"Use one of {ABLATION_MODES}.")
    chans = tuple(int(c) for c in channels)
    check_ablations(model.graph(), [Ablation.zero(node, chans)])
    if mode == "zero":
        return Ablation.zero(node, chans)
    if means is None:
        if data is None:
            raise DeeplingError(
                "Mode 'mean' needs the channels' dataset means.",
                "Pass means= (one per channel of the node) or data= (a dataset to average).",
            )
        means = channel_statistics(model, data, node, cache=cache).mean
    values = np.asarray(means, dtype=np.float64).reshape(-1)
    size = model.graph()[node].shape[0]
    if values.shape[0] != size:
        raise DeeplingError(
            f"means has {values.shape[0]} values but node {node!r} has {size} channels.",
            "Give one mean per channel of the node (as channel_statistics(...).mean does).",
        )
    return Ablation(node, chans, tuple(float(values[c]) for c in chans), "mean")


def _ablations(
    model: Model, items: Sequence[AblationItem], data: Dataset | None, cache: ArrayCache | None
) -> list[Ablation]:
    out = []
    for item in items:
        if isinstance(item, Ablation):
            out.append(item)
        else:
            node, channels, *rest = item
            mode = str(rest[0]) if rest else "zero"
            out.append(make_ablation(model, node, channels, mode, data=data, cache=cache))
    return out


@contextmanager
def ablate(
    model: Model,
    node: str | Sequence[AblationItem],
    channels: Sequence[int] | None = None,
    mode: str = "zero",
    *,
    means: torch.Tensor | np.ndarray | Sequence[float] | None = None,
    data: Dataset | None = None,
    cache: ArrayCache | None = None,
) -> Iterator[Model]:
    """Within the block, ``channels`` of ``node`` are constant in every call on ``model`` from
    this thread (logits, predict, activations, tap, reduce, ``deepling.evaluate``).

    ``node`` may instead be a list of ``Ablation`` objects or ``(node, channels[, mode])``
    tuples, combined; blocks nest and combine too. The model is left exactly as found, also
    when the block raises: nothing on it is modified and no hook outlives a forward pass.
    """
    if isinstance(node, str):
        if channels is None:
            raise DeeplingError(f"Give the channels of {node!r} to ablate.")
        ablations = [
            make_ablation(model, node, channels, mode, means=means, data=data, cache=cache)
        ]
    else:
        ablations = _ablations(model, node, data, cache)
    with model.ablating(ablations):
        yield model


@dataclass(frozen=True)
class AblationEffect:
    """What ablations do to a dataset: the evaluations ``before`` and ``after``; ``changed``
    int64 (M,), the images whose predicted class changed."""

    ablations: tuple[Ablation, ...]
    before: Evaluation
    after: Evaluation

    @property
    def changed(self) -> np.ndarray:
        changed: np.ndarray = np.flatnonzero(self.before.predictions != self.after.predictions)
        return changed


def ablation_effect(
    model: Model,
    dataset: Dataset,
    ablations: Sequence[Ablation],
    *,
    batch_size: int | None = None,
    progress: Progress = no_progress,
    cache: ArrayCache | None = None,
    engine: Engine = "local",
    ray: RaySettings | None = None,
) -> AblationEffect:
    """Evaluate ``dataset`` with and without ``ablations`` (each evaluation cached by weights,
    data and ablations); ``progress`` counts both passes, 2N images in all. ``engine="ray"``:
    both passes on Ray, the ablations applied by the replicas."""
    checked = check_ablations(model.graph(), list(ablations))
    n = len(dataset)
    before = evaluate(
        model,
        dataset,
        batch_size=batch_size,
        cache=cache,
        progress=lambda done, _: progress(done, 2 * n),
        engine=engine,
        ray=ray,
    )
    after = evaluate(
        model.with_ablations(checked),
        dataset,
        batch_size=batch_size,
        cache=cache,
        progress=lambda done, _: progress(n + done, 2 * n),
        engine=engine,
        ray=ray,
    )
    return AblationEffect(checked, before, after)

"""Faithfulness of an attribution method, measured: removal curves and sensitivity.

``faithfulness`` gives one number per metric, averaged over images; ``faithfulness_report``
keeps each image's curves and areas. The metrics and which way is better:

==================  ===========================================================  ========
metric              what it measures                                             faithful
==================  ===========================================================  ========
deletion            mean target probability as the most relevant pixels go black  low
insertion           ... as they are put back into a blurred copy                 high
road_morf           ... as the most relevant are imputed away (ROAD)             low
road_lerf           ... as the least relevant are imputed away (ROAD)            high
max_sensitivity     largest relative change of the map under small input noise   low
==================  ===========================================================  ========

All run natively, batched on the model's device (the removal curves of one image are one
batch of forward passes); ``deepling.analysis.trust_quantus`` runs any of Quantus's metrics on
the same model and methods, and the tests cross-check these against Quantus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from deepling.analysis.attribution import METHODS, Settings, check_target
from deepling.analysis.attribution_layers import default_cam_node
from deepling.analysis.trust_curves import (
    CURVES,
    LOWER_IS_FAITHFUL,
    Rankings,
    curve_area,
    curve_fractions,
    perturbed_images,
)
from deepling.analysis.trust_methods import check_explainer, explain, explain_batch, image_seed
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.progress import Progress, no_progress

METRICS = (*CURVES, "max_sensitivity")
LOWER_IS_BETTER = {**LOWER_IS_FAITHFUL, "max_sensitivity": True}
SENSITIVITY_SAMPLES = 8  # noisy copies per image (Quantus's MaxSensitivity draws 200)
SENSITIVITY_BATCH = 8  # noisy copies explained in one call of the method
SENSITIVITY_RADIUS = 0.05  # uniform noise in [-r, r], in [0, 1] pixel units (about 13/255)


@dataclass(frozen=True)
class FaithfulnessReport:
    """Per image ``i``: ``targets[i]``, ``areas[metric][i]`` and, for the removal curves,
    ``curves[metric][i]`` (the target's probability at each of ``fractions[metric]``)."""

    method: str
    metrics: tuple[str, ...]
    targets: np.ndarray
    areas: dict[str, np.ndarray]
    curves: dict[str, np.ndarray] = field(repr=False)
    fractions: dict[str, np.ndarray] = field(repr=False)

    @property
    def scores(self) -> dict[str, float]:
        """Each metric's value averaged over the images."""
        return {m: float(np.mean(self.areas[m])) for m in self.metrics}


def check_metrics(metrics: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(metrics))
    unknown = [m for m in chosen if m not in METRICS]
    if unknown or not chosen:
        raise DeeplingError(
            f"unknown faithfulness metric {unknown[0]!r}." if unknown else "no metric chosen.",
            f"Use some of: {', '.join(METRICS)}.",
        )
    return chosen


def faithfulness(
    model: Model,
    images: Tensor,
    method: str,
    *,
    metrics: Sequence[str] = METRICS,
    target: int | Sequence[int] | Tensor | None = None,
    node: str | None = None,
) -> dict[str, float]:
    """Each metric of ``method`` averaged over ``images`` ``(N, C, H, W)`` (or one image):
    curve areas (mean target probability along the curve) and max-sensitivity. ``target``:
    one class for all, one per image, or None for each image's predicted class."""
    return faithfulness_report(
        model, images, method, metrics=metrics, target=target, node=node
    ).scores


def faithfulness_report(
    model: Model,
    images: Tensor,
    method: str,
    *,
    metrics: Sequence[str] = METRICS,
    target: int | Sequence[int] | Tensor | None = None,
    node: str | None = None,
    settings: Settings | None = None,
    maps: Tensor | None = None,
    seed: int = 0,
    progress: Progress = no_progress,
) -> FaithfulnessReport:
    """``faithfulness`` with every image's curves. ``maps`` ``(N, H, W)``: attributions
    already computed for these targets (the metrics then add only their own cost)."""
    method = check_explainer(method)
    chosen = check_metrics(metrics)
    x = model.check_images(images[None] if images.dim() == 3 else images)
    targets = _targets(model, x, target)
    if node is None and method in METHODS and METHODS[method].takes_node:
        node = default_cam_node(model.graph())
    n = x.shape[0]
    curves = {m: np.zeros((n, len(curve_fractions(m)))) for m in chosen if m in CURVES}
    areas = {m: np.zeros(n) for m in chosen}
    progress(0, n)
    for i in range(n):
        image, target_i = x[i].to(model.device), int(targets[i])
        attribution = (
            maps[i]
            if maps is not None
            else explain(model, image, method, target_i, node=node, settings=settings)
        )
        # Seeded by the image's pixels: an image scores the same alone or in any sample.
        seed_i = image_seed(image, seed)
        if curves:
            generator = torch.Generator().manual_seed(seed_i)
            found = _image_curves(
                model, image, attribution, target_i, list(curves), generator, seed_i
            )
            for name, probabilities in found.items():
                curves[name][i] = probabilities
                areas[name][i] = curve_area(curve_fractions(name), probabilities)
        if "max_sensitivity" in chosen:
            areas["max_sensitivity"][i] = max_sensitivity(
                model,
                image,
                method,
                target_i,
                attribution,
                node=node,
                settings=settings,
                generator=torch.Generator().manual_seed(seed_i + 1),
            )
        progress(i + 1, n)
    fractions = {m: curve_fractions(m) for m in curves}
    return FaithfulnessReport(method, chosen, targets, areas, curves, fractions)


def _targets(model: Model, x: Tensor, target: int | Sequence[int] | Tensor | None) -> np.ndarray:
    n = x.shape[0]
    if target is None:
        return model.logits(x).argmax(dim=1).numpy()
    values = np.atleast_1d(np.asarray(target.cpu() if isinstance(target, Tensor) else target))
    if values.size == 1:
        values = np.repeat(values, n)
    if values.shape != (n,):
        raise DeeplingError(f"target must be one class or one per image ({n}), got {values.size}.")
    return np.array([check_target(model, int(t)) for t in values])


def _image_curves(
    model: Model,
    image: Tensor,
    attribution: Tensor,
    target: int,
    names: list[str],
    generator: torch.Generator,
    seed: int,
) -> dict[str, np.ndarray]:
    """Every removal curve of one image from one batch of forward passes."""
    ranks = Rankings.of(attribution, seed)
    batches = [perturbed_images(image, ranks, name, generator) for name in names]
    probabilities = model.predict(torch.cat(batches), model.batch_size)[:, target].double()
    found, start = {}, 0
    for name, batch in zip(names, batches, strict=True):
        found[name] = probabilities[start : start + len(batch)].numpy()
        start += len(batch)
    return found


def max_sensitivity(
    model: Model,
    image: Tensor,
    method: str,
    target: int,
    attribution: Tensor,
    *,
    node: str | None = None,
    settings: Settings | None = None,
    samples: int = SENSITIVITY_SAMPLES,
    radius: float = SENSITIVITY_RADIUS,
    generator: torch.Generator | None = None,
    noise: Tensor | None = None,
) -> float:
    """Max-sensitivity (Yeh et al., 2019), as Quantus's MaxSensitivity computes it (maps as
    they are, Frobenius norms): the largest ``||map(x + d) - map(x)|| / ||map(x)||`` over
    ``samples`` draws of ``d`` uniform in [-radius, radius]. Quantus draws 200 of +-0.2 by
    default; here 8 of +-0.05 in pixel units, since each draw costs one map. ``noise``
    ``(S, C, H, W)``: the draws themselves (the tests give Quantus the same ones)."""
    if noise is None:
        noise = (torch.rand((samples, *image.shape), generator=generator) * 2 - 1) * radius
    reference = attribution.double()
    norm = float(reference.norm())
    if norm == 0:
        return 0.0
    # The noisy copies in batches: one call of the method each, not one per copy.
    worst = 0.0
    step = max(1, SENSITIVITY_BATCH)
    for start in range(0, len(noise), step):
        copies = image[None] + noise[start : start + step].to(image.device)
        moved = explain_batch(model, copies, method, target, node=node, settings=settings)
        change = (moved.double() - reference[None]).flatten(1).norm(dim=1) / norm
        worst = max(worst, float(change.max()))
    return worst

"""Adversarial strips: an image changed step by step toward a class (or a channel's activation),
kept as a row of frames with their differences to the original and their class probabilities.

    strip = deepling.adversarial_strip(model, image, target=7)        # class 7
    strip = deepling.adversarial_strip(model, image, label=3)         # "why not 3?" / runner-up
    strip = deepling.adversarial_strip(model, image, 12, node="conv3")  # channel 12 of conv3
    strips = deepling.adversarial_strips(model, image, targets=[1, 5, 9])  # one batched run
    strip = deepling.adversarial_strip(model, image, 7, StripSettings(frames=5, norm="l2"))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

import torch
from torch import Tensor

from deepling.analysis.strip_frames import pick_frames
from deepling.analysis.strip_path import (
    Objective,
    PathPoint,
    PathSettings,
    StopRule,
    optimise_path,
)
from deepling.analysis.strip_priors import NORMS, Norm, default_smoothing
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.models.state import eval_mode, frozen_parameters
from deepling.progress import Progress, no_progress
from deepling.tensors import logits_of

# Defaults chosen on the AlexNet-CIFAR demo and the MNIST CNN (tests/analysis/test_strips.py):
# a change of at most 0.5 per pixel, each step blurred at 2 px per 32 px of image, reaches the
# target class on both (MNIST needs strokes, CIFAR far less) while the difference maps show
# shapes rather than speckle; the stop rule keeps the change to what the target needs.
BUDGET = 0.5
STEP = 0.002
UNTIL = 0.9
MAX_FRAMES = 64
MAX_STEPS = 2048


@dataclass(frozen=True)
class StripSettings:
    """How a strip is made (``adversarial_strip``, ``adversarial_strips``); a bad value raises
    a DeeplingError naming it.

    ``frames``: how many frames the strip keeps. ``steps``: at most this many optimisation
    steps. ``norm``/``budget``: the whole change stays inside this L-infinity or L2 ball.
    ``smoothing``: standard deviation in pixels of the blur of every gradient (None: 2 px per
    32 px of image; 0: none). ``step``: the first step's largest pixel change (later steps grow
    while they help and halve when they do not). ``until``: stop once the target class has this
    probability (None: run all ``steps``; channel targets always run all steps).
    """

    frames: int = 8
    steps: int = 64
    norm: Norm = "linf"
    budget: float = BUDGET
    smoothing: float | None = None
    step: float = STEP
    until: float | None = UNTIL

    def __post_init__(self) -> None:
        if not isinstance(self.frames, Integral) or not 2 <= self.frames <= MAX_FRAMES:
            raise DeeplingError(f"frames must be between 2 and {MAX_FRAMES}, got {self.frames}.")
        if not isinstance(self.steps, Integral) or not 1 <= self.steps <= MAX_STEPS:
            raise DeeplingError(f"steps must be between 1 and {MAX_STEPS}, got {self.steps}.")
        if self.norm not in NORMS:
            raise DeeplingError(f"norm must be one of {', '.join(NORMS)}, got {self.norm!r}.")
        if not self.budget > 0:
            raise DeeplingError(f"budget must be positive, got {self.budget}.")
        if self.smoothing is not None and not (
            self.smoothing >= 0 and math.isfinite(self.smoothing)
        ):
            raise DeeplingError(
                f"smoothing must be a blur radius of 0 pixels or more, got {self.smoothing}."
            )
        if not (self.step > 0 and math.isfinite(self.step)):
            raise DeeplingError(f"step must be positive, got {self.step}.")
        if self.until is not None and not 0 < self.until <= 1:
            raise DeeplingError(f"until must be a probability in (0, 1], got {self.until}.")

    def path(self, height: int, width: int) -> PathSettings:
        """The optimisation path's settings for an image of ``height`` x ``width``."""
        smoothing = default_smoothing(height, width) if self.smoothing is None else self.smoothing
        return PathSettings(self.norm, self.budget, float(smoothing), self.step)


@dataclass(frozen=True)
class StripTarget:
    """What a strip pushes: ``kind`` "class" (``index`` a class) or "channel" (``index`` a
    channel of ``node``, its spatial-mean activation); ``name`` says it for people."""

    kind: str
    index: int
    node: str | None
    name: str


@dataclass(frozen=True)
class Strip:
    """A strip of ``F`` frames from the unchanged image to the end of the optimisation.

    ``frames`` ``(F, C, H, W)`` in [0, 1], ``frames[0]`` the original; ``diffs`` = frames -
    original; ``probs`` ``(F, K)`` class probabilities of each frame; ``scores`` ``(F,)`` the
    objective (the target's log-probability, or the channel's mean activation), rising frame
    to frame; ``norms`` ``(F,)`` the L2 norm and ``max_change`` ``(F,)`` the L-infinity norm of
    each frame's difference; ``steps`` ``(F,)`` the step each frame was reached at.

    Frame spacing: frames are spaced **evenly in perturbation norm (L2)** along the path, since
    kept steps grow as the path goes on and even spacing in steps would bunch the visible
    change into the last frames. ``flip_frame``: the first frame predicted as the target class
    (for a channel target, the first whose prediction differs from the original's), None if
    none is.
    """

    frames: Tensor
    diffs: Tensor
    probs: Tensor
    scores: Tensor
    norms: Tensor
    max_change: Tensor
    steps: Tensor
    flip_frame: int | None
    target: StripTarget
    norm: Norm
    budget: float
    spacing: str = "perturbation L2 norm"

    @property
    def predictions(self) -> Tensor:
        """The predicted class of each frame ``(F,)``."""
        return self.probs.argmax(dim=1)


def adversarial_strip(
    model: Model,
    image: Tensor,
    target: int | None = None,
    settings: StripSettings = StripSettings(),
    *,
    node: str | None = None,
    label: int | None = None,
    progress: Progress = no_progress,
) -> Strip:
    """Change ``image`` ``(C, H, W)`` in [0, 1] step by step toward ``target``.

    ``target``: a class index; or, with ``node``, a channel of that graph node (its spatial-mean
    activation is maximised). None for a class: the predicted class if the image is
    misclassified (``label`` its true class: "why this class?"), otherwise the runner-up.
    ``settings``: frames, steps, budget, smoothing and stopping (see ``StripSettings``).

    Costs at most ``settings.steps`` forward+backward passes (gradients for the input only) and
    one forward pass; the model is left as found (mode, ``requires_grad``, no hooks).
    """
    return adversarial_strips(
        model, image, [target], settings, node=node, label=label, progress=progress
    )[0]


def adversarial_strips(
    model: Model,
    image: Tensor,
    targets: Sequence[int | None],
    settings: StripSettings = StripSettings(),
    *,
    node: str | None = None,
    label: int | None = None,
    progress: Progress = no_progress,
) -> list[Strip]:
    """One strip per target for the same image, computed together: every step is one batched
    forward+backward pass over all targets (see ``adversarial_strip`` for the arguments)."""
    if not isinstance(settings, StripSettings):
        raise DeeplingError(
            f"settings must be a StripSettings, got {type(settings).__name__}.",
            "Pass StripSettings(frames=..., steps=...).",
        )
    original = _check(model, image, targets, node)
    _, height, width = model.input_shape
    channels = [int(t) for t in targets if t is not None]  # all of them for a node (checked)
    stop: StopRule | None = None
    classes: _ClassObjective | None = None
    objective: Objective
    if node is None:
        classes = _ClassObjective(model, targets, label)
        objective = classes
        if settings.until is not None:
            stop = _reached(classes, settings.until)
    else:
        objective = _channel_objective(model, node, channels)
    path = settings.path(height, width)
    with eval_mode(model.module), frozen_parameters(model.module):
        paths = optimise_path(
            objective, original, len(targets), settings.steps, path, stop, progress
        )
    resolved = channels if classes is None else classes.targets
    return [
        _strip(model, points, original, t, node, settings)
        for points, t in zip(paths, resolved, strict=True)
    ]


def _check(model: Model, image: Tensor, targets: Sequence[int | None], node: str | None) -> Tensor:
    x = model.check_images(image.unsqueeze(0) if isinstance(image, Tensor) else image)
    if not bool(torch.isfinite(x).all()) or x.min() < 0 or x.max() > 1:
        raise DeeplingError("image: pixel values must lie in [0, 1].")
    if not targets:
        raise DeeplingError("targets: give at least one target.")
    check_targets(model, targets, node)
    return x[0].to(model.device)


def check_targets(model: Model, targets: Sequence[int | None], node: str | None) -> None:
    """Raise a DeeplingError (NotFoundError for an unknown node) naming a bad target."""
    if node is None:
        for t in targets:
            if t is not None and not 0 <= t < len(model.classes):
                raise DeeplingError(
                    f"target: class {t} is out of range, the model has {len(model.classes)}."
                )
        return
    shape = model.graph()[node].shape
    channels = shape[0] if shape else 1
    for t in targets:
        if t is None or not 0 <= t < channels:
            raise DeeplingError(
                f"target: channel {t} is not a channel of {node!r} (it has {channels})."
            )
    if model.fx_module is None:
        raise DeeplingError(
            "Channel targets need a graph traced by torch.fx; this model's graph is approximate.",
            "Use a class target.",
        )


class _ClassObjective:
    """The target's log-probability. Targets given as None are chosen on the first call (the
    unchanged image), so choosing them costs no extra pass; the caller's list is not touched."""

    def __init__(self, model: Model, targets: Sequence[int | None], label: int | None) -> None:
        self._model, self._given, self._label = model, list(targets), label
        self._index: Tensor | None = None

    @property
    def index(self) -> Tensor:
        """Every target, the chosen ones filled in, ``(B,)`` on the model's device (known after
        the first call)."""
        if self._index is None:
            raise RuntimeError("targets are chosen on the first call")
        return self._index

    @property
    def targets(self) -> list[int]:
        return [int(t) for t in self.index.tolist()]

    def __call__(self, x: Tensor) -> tuple[Tensor, Tensor]:
        model = self._model
        logits = logits_of(model.module(model.normalise(x))).float()
        if self._index is None:
            top2 = logits[0].topk(min(2, logits.shape[1])).indices.tolist()
            label = self._label
            fallback = top2[0] if label is not None and top2[0] != label else top2[-1]
            chosen = [fallback if t is None else t for t in self._given]
            self._index = torch.tensor(chosen, device=logits.device)
        scores = logits.log_softmax(dim=1).gather(1, self._index.view(-1, 1)).squeeze(1)
        return scores, logits


def _channel_objective(model: Model, node: str, channels: list[int]) -> Objective:
    """The channel's spatial-mean activation at ``node``."""
    output = model.graph().output.name
    index = torch.tensor(channels, device=model.device)

    def objective(x: Tensor) -> tuple[Tensor, Tensor]:
        found = model.tap(model.normalise(x), [node, output])
        acts = found[node].float()
        acts = acts.unsqueeze(1) if acts.dim() == 1 else acts
        picked = acts[torch.arange(acts.shape[0], device=acts.device), index]
        # A vector node's channel is one value per image; a map's, its spatial mean.
        return picked.reshape(len(picked), -1).mean(dim=1), logits_of(found[output]).float()

    return objective


def _reached(objective: _ClassObjective, until: float) -> StopRule:
    """Done once the target's probability p has gained the fraction ``until`` of what it lacked
    at the start: p >= p0 + until * (1 - p0). An image already confidently in the target class
    (a misclassified one, asked "why this class?") is pushed further, not left unchanged."""
    bar: list[Tensor] = []

    def stop(probs: Tensor) -> Tensor:
        p = probs.gather(1, objective.index.view(-1, 1)).squeeze(1)
        if not bar:  # the first call sees the unchanged image
            bar.append(p + until * (1 - p))
            return torch.zeros_like(p, dtype=torch.bool)
        return p >= bar[0]

    return stop


def _strip(
    model: Model,
    path: list[PathPoint],
    original: Tensor,
    target: int,
    node: str | None,
    settings: StripSettings,
) -> Strip:
    chosen = pick_frames(path, original, settings.frames)
    pixels = torch.stack([p.pixels for p in chosen]).cpu()
    pixels[0] = original.cpu()  # exactly the input, not a copy through a forward pass
    diffs = pixels - original.cpu()
    probs = torch.stack([p.probs for p in chosen]).cpu()
    flat = diffs.flatten(1)
    predictions = probs.argmax(dim=1).tolist()
    if node is None:
        flips = [i for i, p in enumerate(predictions) if p == target]
        what = StripTarget("class", target, None, model.classes[target])
    else:
        flips = [i for i, p in enumerate(predictions) if p != predictions[0]]
        what = StripTarget("channel", target, node, f"{node} channel {target}")
    return Strip(
        frames=pixels,
        diffs=diffs,
        probs=probs,
        scores=torch.tensor([p.score for p in chosen]),
        norms=flat.norm(dim=1),
        max_change=flat.abs().amax(dim=1),
        steps=torch.tensor([p.step for p in chosen]),
        flip_frame=flips[0] if flips else None,
        target=what,
        norm=settings.norm,
        budget=settings.budget,
    )

"""Adversarial strips: an image changed step by step toward a class (or a channel's activation),
kept as a row of frames with their differences to the original, their class probabilities and
a measure of how real the change is.

    strip = deepling.adversarial_strip(model, image, target=7)        # class 7, robust mode
    strip = deepling.adversarial_strip(model, image, label=3)         # "why not 3?" / runner-up
    strip = deepling.adversarial_strip(model, image, 12, node="conv3")  # channel 12 of conv3
    strips = deepling.adversarial_strips(model, image, targets=[1, 5, 9])  # one batched run
    strip = deepling.adversarial_strip(model, image, 7, StripSettings(mode="minimal"))
    strip = deepling.adversarial_strip(model, image, 7, reference=other_model)  # transfer
    strip.robustness  # the target's probability under random shifts, flips, scales, rotations

Two modes. "robust" (the default) climbs the target in expectation over small random moves of
the image with smoothness priors (blurred, multi-scale, colour-correlated steps) until the
change is both robust and visible: it shows what the model would need to see. "minimal" climbs
the plain model's target probability and stops as soon as it is reached: the smallest change
that flips the prediction, which shows where the model is easy to fool.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from numbers import Integral
from typing import Literal

import torch
from torch import Tensor

from deepling.analysis.featurevis_param import color_correlation
from deepling.analysis.strip_frames import pick_frames
from deepling.analysis.strip_objectives import ClassObjective, channel_objective
from deepling.analysis.strip_path import (
    Evaluation,
    Objective,
    PathPoint,
    PathSettings,
    StopRule,
    optimise_path,
)
from deepling.analysis.strip_priors import (
    NORMS,
    Norm,
    blur,
    correlate_colour,
    default_smoothing,
    gaussian_kernel,
    octaves,
)
from deepling.analysis.strip_robustness import check_reference, robust_view, transfer_probs
from deepling.analysis.strip_transforms import StripTransforms, transform_set
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.models.state import eval_mode, frozen_parameters
from deepling.progress import Progress, no_progress

Mode = Literal["robust", "minimal"]
MODES: tuple[Mode, ...] = ("robust", "minimal")

# Minimal-mode defaults, chosen on the AlexNet-CIFAR demo and the MNIST CNN: a change of at most
# 0.5 per pixel, each step blurred at 2 px per 32 px of image, reaches the target class on both
# while the difference maps show shapes rather than speckle; the stop rule keeps the change to
# what the target needs.
BUDGET = 0.5
STEP = 0.002
UNTIL = 0.9
MAX_FRAMES = 64
MAX_STEPS = 2048
MAX_SAMPLES = 256
# Robust-mode defaults, chosen on the AlexNet-CIFAR demo (benchmarks/bench_strip_robustness.py):
# 16 transforms per step and 256 steps take the target's probability under held-out random
# transforms of the last frame to >= 0.8 on the three class pairs. Stopping only once
# the root-mean-square change reaches VISIBLE (about 25 grey levels of 255) is what makes the
# change visible: at 0.04 the robust target was reached too, but frames looked alike to the eye.
# Three octaves and a 1-px blur (at 32 px) give the change structure.
ROBUST_STEPS = 256
ROBUST_BUDGET = 1.0
SAMPLES = 16
VISIBLE = 0.1
OCTAVES = 3
ROBUSTNESS_SAMPLES = 32
PATH_SEED, ROBUSTNESS_SEED = 0, 1  # independent draws: robustness is measured out of sample


@dataclass(frozen=True)
class StripSettings:
    """How a strip is made (``adversarial_strip``, ``adversarial_strips``); a bad value raises
    a DeeplingError naming it.

    ``mode``: "robust" or "minimal" (see the module). ``frames``: how many frames the strip
    keeps. ``steps``: at most this many optimisation steps (None: 256 robust, 64 minimal).
    ``norm``/``budget``: the whole change stays inside this L-infinity or L2 ball (None: the
    whole pixel range robust, where the stop rule bounds the change, since MNIST strokes need
    full contrast; 0.5 minimal; see ``ball``).
    ``smoothing``: standard deviation in pixels of the blur of every gradient (None: 1 px per
    32 px of image robust, 2 px minimal; 0: none). ``step``: the first step's largest pixel
    change (later steps grow while they help and halve when they do not). ``until``: stop once
    the target class has gained this fraction of the probability it lacked (robust: averaged
    over the transforms, and only once the change is ``visible``); None: run all ``steps``
    (channel targets always run all steps). ``samples``: transforms averaged per step (robust).
    ``visible``: the root-mean-square pixel change a robust strip reaches before it may stop.
    ``transforms``: the family of random moves (robust, and the robustness measurement).
    ``robustness_samples``: how many held-out random moves each frame is measured under (0:
    not measured, which saves a forward pass over ``frames`` x that many images).
    """

    mode: Mode = "robust"
    frames: int = 8
    steps: int | None = None
    norm: Norm = "linf"
    budget: float | None = None
    smoothing: float | None = None
    step: float = STEP
    until: float | None = UNTIL
    samples: int = SAMPLES
    visible: float = VISIBLE
    transforms: StripTransforms = field(default_factory=StripTransforms)
    robustness_samples: int = ROBUSTNESS_SAMPLES

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise DeeplingError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}.")
        if not isinstance(self.frames, Integral) or not 2 <= self.frames <= MAX_FRAMES:
            raise DeeplingError(f"frames must be between 2 and {MAX_FRAMES}, got {self.frames}.")
        if self.steps is not None and (
            not isinstance(self.steps, Integral) or not 1 <= self.steps <= MAX_STEPS
        ):
            raise DeeplingError(f"steps must be between 1 and {MAX_STEPS}, got {self.steps}.")
        if self.norm not in NORMS:
            raise DeeplingError(f"norm must be one of {', '.join(NORMS)}, got {self.norm!r}.")
        if self.budget is not None and not self.budget > 0:
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
        if not isinstance(self.samples, Integral) or not 1 <= self.samples <= MAX_SAMPLES:
            raise DeeplingError(f"samples must be between 1 and {MAX_SAMPLES}, got {self.samples}.")
        if not (0 <= self.visible < 1):
            raise DeeplingError(
                f"visible must be a pixel change in [0, 1) (root mean square), got {self.visible}."
            )
        if not isinstance(self.robustness_samples, Integral) or not (
            0 <= self.robustness_samples <= MAX_SAMPLES
        ):
            raise DeeplingError(
                f"robustness_samples must be between 0 and {MAX_SAMPLES}, "
                f"got {self.robustness_samples}."
            )
        if not isinstance(self.transforms, StripTransforms):
            raise DeeplingError(
                f"transforms must be a StripTransforms, got {type(self.transforms).__name__}."
            )

    def ball(self, shape: tuple[int, int, int]) -> float:
        """``budget``, or the mode's default for an input of ``shape`` (C, H, W): robust, the
        whole pixel range (1 in L-infinity, sqrt(C H W) in L2, so that the stop rule, not the
        ball, bounds the change); minimal, 0.5."""
        if self.budget is not None:
            return float(self.budget)
        if self.mode == "minimal":
            return BUDGET
        return ROBUST_BUDGET * (math.sqrt(math.prod(shape)) if self.norm == "l2" else 1.0)

    def check_reachable(self, shape: tuple[int, int, int]) -> None:
        """A robust strip stops once its root-mean-square change is ``visible``: raise a
        DeeplingError naming both if the ball can never hold such a change."""
        if self.mode != "robust" or self.until is None:
            return
        ball = self.ball(shape)
        largest = ball if self.norm == "linf" else ball / math.sqrt(math.prod(shape))
        if largest < self.visible:
            raise DeeplingError(
                f"budget {ball:g} ({self.norm}) cannot hold a change of root-mean-square "
                f"{self.visible:g} (visible), so the robust strip could never stop.",
                "Raise the budget or lower visible.",
            )

    @property
    def step_count(self) -> int:
        """``steps``, or the mode's default."""
        if self.steps is not None:
            return int(self.steps)
        return ROBUST_STEPS if self.mode == "robust" else 64

    def path(self, shape: tuple[int, int, int]) -> PathSettings:
        """The optimisation path's settings for an input of ``shape`` (C, H, W)."""
        channels, height, width = shape
        robust = self.mode == "robust"
        sigma = default_smoothing(height, width) / (2 if robust else 1)
        sigma = sigma if self.smoothing is None else self.smoothing
        kernel = gaussian_kernel(float(sigma), torch.device("cpu")) if sigma > 0 else None
        colour = color_correlation() if robust and channels == 3 else None

        def precondition(grad: Tensor) -> Tensor:
            if colour is not None:
                grad = correlate_colour(grad, colour.to(grad.device))
            if robust:
                grad = octaves(grad, OCTAVES)
            return blur(grad, None if kernel is None else kernel.to(grad.device))

        return PathSettings(self.norm, self.ball(shape), precondition, self.step)


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
    original; ``probs`` ``(F, K)`` the plain model's class probabilities of each frame;
    ``scores`` ``(F,)`` the objective, rising frame to frame (minimal: the target's
    log-probability; robust: its log-odds averaged over the path's transforms; a channel: its
    mean activation, averaged so in the robust mode); ``norms`` ``(F,)`` the L2 norm,
    ``max_change`` the L-infinity norm and ``mean_change`` the mean absolute value of each
    frame's difference; ``steps`` ``(F,)`` the step each frame was reached at.

    ``averaged_probs`` ``(F, K)``: the probabilities averaged over the path's own transforms
    (robust mode; the target's never falls frame to frame), else None. ``robust_probs``
    ``(F, K)`` and ``robust_scores`` ``(F,)``: probabilities and objective averaged over
    ``robustness_samples`` other random transforms, drawn independently of the path's (for
    both modes: how much of the change survives small moves; None where not measured).
    ``transfer_probs`` ``(F, K)``: a second model's probabilities of each frame, where
    ``reference=`` was given.

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
    mean_change: Tensor
    steps: Tensor
    flip_frame: int | None
    target: StripTarget
    mode: Mode
    norm: Norm
    budget: float
    robust_probs: Tensor | None
    robust_scores: Tensor | None
    averaged_probs: Tensor | None = None
    transfer_probs: Tensor | None = None
    spacing: str = "perturbation L2 norm"

    @property
    def predictions(self) -> Tensor:
        """The predicted class of each frame ``(F,)``."""
        return self.probs.argmax(dim=1)

    @property
    def robustness(self) -> float | None:
        """How much of the last frame's change survives random transforms. A class target:
        its probability averaged over held-out random shifts, flips, scales and rotations of
        the last frame. A channel: its activation gain (last frame over first) under those
        moves, as a share of the gain the path climbed (``scores``: plain in the minimal mode,
        averaged over the path's own moves in the robust one; so it can exceed 1). None where
        not measured."""
        if self.robust_probs is None or self.robust_scores is None:
            return None
        if self.target.kind == "class":
            return float(self.robust_probs[-1, self.target.index])
        gain = float(self.scores[-1] - self.scores[0])
        kept = float(self.robust_scores[-1] - self.robust_scores[0])
        return kept / gain if gain > 0 else 0.0

    @property
    def transfer(self) -> float | None:
        """The reference model's probability of the target class at the last frame (None
        without a reference, or for a channel target)."""
        if self.transfer_probs is None or self.target.kind != "class":
            return None
        return float(self.transfer_probs[-1, self.target.index])


def adversarial_strip(
    model: Model,
    image: Tensor,
    target: int | None = None,
    settings: StripSettings = StripSettings(),
    *,
    node: str | None = None,
    label: int | None = None,
    reference: Model | None = None,
    progress: Progress = no_progress,
) -> Strip:
    """Change ``image`` ``(C, H, W)`` in [0, 1] step by step toward ``target``.

    ``target``: a class index; or, with ``node``, a channel of that graph node (its spatial-mean
    activation is maximised). None for a class: the predicted class if the image is
    misclassified (``label`` its true class: "why this class?"), otherwise the runner-up.
    ``settings``: mode, frames, steps, budget, priors and stopping (see ``StripSettings``).
    ``reference``: a second model with the same classes; its probabilities of every frame are
    the strip's ``transfer_probs``.

    Costs at most ``steps`` forward+backward passes over ``samples`` transformed copies
    (robust; one copy minimal), one more forward pass, and forward passes over
    ``robustness_samples`` transforms of each frame; the model is left as found (mode,
    ``requires_grad``, no hooks).
    """
    return adversarial_strips(
        model,
        image,
        [target],
        settings,
        node=node,
        label=label,
        reference=reference,
        progress=progress,
    )[0]


def adversarial_strips(
    model: Model,
    image: Tensor,
    targets: Sequence[int | None],
    settings: StripSettings = StripSettings(),
    *,
    node: str | None = None,
    label: int | None = None,
    reference: Model | None = None,
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
    settings.check_reachable(model.input_shape)
    if reference is not None:
        check_reference(model, reference)
    _, height, width = model.input_shape
    robust = settings.mode == "robust"
    transforms = (
        transform_set(
            settings.transforms,
            settings.samples,
            (height, width),
            original.device,
            seed=PATH_SEED,
            identity_first=True,
        )
        if robust
        else None
    )
    channels = [int(t) for t in targets if t is not None]  # all of them for a node (checked)
    stop: StopRule | None = None
    classes: ClassObjective | None = None
    objective: Objective
    if node is None:
        classes = ClassObjective(model, targets, label, transforms)
        objective = classes
        if settings.until is not None:
            stop = _reached(classes, settings.until, settings.visible if robust else 0.0)
    else:
        objective = channel_objective(model, node, channels, transforms)
    with eval_mode(model.module), frozen_parameters(model.module):
        paths = optimise_path(
            objective,
            original,
            len(targets),
            settings.step_count,
            settings.path(model.input_shape),
            stop,
            progress,
        )
    resolved = channels if classes is None else classes.targets
    return [
        _strip(model, points, original, t, node, settings, reference)
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


def _reached(objective: ClassObjective, until: float, visible: float) -> StopRule:
    """Done once the target's probability p has gained the fraction ``until`` of what it lacked
    at the start, p >= p0 + until * (1 - p0), and the change's root-mean-square is at least
    ``visible``. p is the transform-averaged probability in the robust mode. An image already
    confidently in the target class (a misclassified one, asked "why this class?") is pushed
    further, not left unchanged."""
    bar: list[Tensor] = []

    def stop(found: Evaluation, change: Tensor) -> Tensor:
        probs = found.probs if found.averaged is None else found.averaged
        p = probs.gather(1, objective.index.view(-1, 1)).squeeze(1)
        if not bar:  # the first call sees the unchanged image
            bar.append(p + until * (1 - p))
            return torch.zeros_like(p, dtype=torch.bool)
        seen = change.flatten(1).square().mean(dim=1).sqrt() >= visible
        return (p >= bar[0]) & seen

    return stop


def _strip(
    model: Model,
    path: list[PathPoint],
    original: Tensor,
    target: int,
    node: str | None,
    settings: StripSettings,
    reference: Model | None,
) -> Strip:
    chosen = pick_frames(path, original, settings.frames)
    pixels = torch.stack([p.pixels for p in chosen]).cpu()
    pixels[0] = original.cpu()  # exactly the input, not a copy through a forward pass
    diffs = pixels - original.cpu()
    probs = torch.stack([p.probs for p in chosen]).cpu()
    seen = [p.averaged for p in chosen if p.averaged is not None]
    averaged = torch.stack(seen).cpu() if len(seen) == len(chosen) else None
    flat = diffs.flatten(1)
    predictions = probs.argmax(dim=1).tolist()
    if node is None:
        flips = [i for i, p in enumerate(predictions) if p == target]
        what = StripTarget("class", target, None, model.classes[target])
    else:
        flips = [i for i, p in enumerate(predictions) if p != predictions[0]]
        what = StripTarget("channel", target, node, f"{node} channel {target}")
    robust_probs = robust_scores = None
    if settings.robustness_samples > 0:
        held_out = transform_set(
            settings.transforms,
            settings.robustness_samples,
            model.input_shape[1:],
            model.device,
            seed=ROBUSTNESS_SEED,
            identity_first=False,
        )
        robust_probs, robust_scores = robust_view(model, pixels, target, node, held_out)
    return Strip(
        frames=pixels,
        diffs=diffs,
        probs=probs,
        scores=torch.tensor([p.score for p in chosen]),
        norms=flat.norm(dim=1),
        max_change=flat.abs().amax(dim=1),
        mean_change=flat.abs().mean(dim=1),
        steps=torch.tensor([p.step for p in chosen]),
        flip_frame=flips[0] if flips else None,
        target=what,
        mode=settings.mode,
        norm=settings.norm,
        budget=settings.ball(model.input_shape),
        robust_probs=robust_probs,
        robust_scores=robust_scores,
        averaged_probs=averaged,
        transfer_probs=None if reference is None else transfer_probs(reference, pixels),
    )

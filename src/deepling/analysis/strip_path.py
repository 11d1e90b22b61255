"""The optimisation path of an adversarial strip: a batch of images, each pushed toward its own
target by smoothed gradient steps inside a budget, keeping only steps that raise the target.

Why by hand: attack libraries (torchattacks, foolbox) return only the end point and take a
fixed-size step whether or not it helped. A strip needs the path, and a path along which the
target's score only rises, so the step rule here is a backtracking one: a step that does not
raise the score is undone and retried at half the size; one that does is kept, and the next
step is a little longer. Each step costs one forward pass, plus one backward pass (gradient
with respect to the input only) when the step is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from deepling.analysis.strip_priors import Norm, project, unit_step
from deepling.progress import Progress, no_progress


@dataclass(frozen=True)
class Evaluation:
    """What an objective says about a batch of images. ``scores`` ``(B,)``: to maximise,
    differentiable in the pixels; ``probs`` ``(B, K)``: the plain model's class probabilities;
    ``averaged`` ``(B, K)``: the probabilities averaged over the robust mode's transforms (None
    in the minimal mode); ``floor`` ``(B,)``: a value no kept step may lower (the target's
    transform-averaged probability in the robust mode; None: no such constraint)."""

    scores: Tensor
    probs: Tensor
    averaged: Tensor | None = None
    floor: Tensor | None = None


# pixels (B, C, H, W) -> their Evaluation.
Objective = Callable[[Tensor], Evaluation]
# (evaluation, change from the original (B, C, H, W)) -> (B,) bool: the samples that have gone
# far enough and may stop.
StopRule = Callable[[Evaluation, Tensor], Tensor]
# gradient (B, C, H, W) -> the direction of the step (smoothed, multi-scale, ...).
Preconditioner = Callable[[Tensor], Tensor]

GROW = 1.2  # step size after a kept step
SHRINK = 0.5  # step size after an undone step
STALLED = 1e-3  # a sample whose step has shrunk below this fraction of the first one stops


@dataclass(frozen=True)
class PathSettings:
    """``norm``/``budget``: the ball the whole change stays in (pixel units, images in [0, 1]).
    ``precondition``: what turns each gradient into a step direction (blur, octaves, colour).
    ``step``: the first step's largest pixel change."""

    norm: Norm
    budget: float
    precondition: Preconditioner
    step: float


@dataclass
class PathPoint:
    """One kept point of a sample's path: after ``step`` steps, ``pixels`` ``(C, H, W)`` with
    class probabilities ``probs`` ``(K,)`` (``averaged`` over the transforms, in the robust
    mode) and objective ``score``."""

    step: int
    pixels: Tensor
    probs: Tensor
    score: float
    averaged: Tensor | None = None


def optimise_path(
    objective: Objective,
    original: Tensor,
    batch: int,
    steps: int,
    settings: PathSettings,
    stop: StopRule | None = None,
    progress: Progress = no_progress,
) -> list[list[PathPoint]]:
    """Push ``batch`` copies of ``original`` ``(C, H, W)`` up ``objective`` for ``steps`` steps.

    Returns each sample's kept points in order; the first is the unchanged image, the scores
    strictly rise along each list and the floors (where the objective gives one) never fall.
    ``steps`` forward+backward passes and one last forward pass
    (for the final step's result); samples that ``stop`` says are done, or that have stalled
    (about ten undone steps in a row), stop moving, and the loop ends early once all are
    done. The caller sets eval mode and frozen parameters.
    """
    base = original.unsqueeze(0).expand(batch, *original.shape).contiguous()
    best = base.clone()
    best_score = torch.full((batch,), -torch.inf, device=base.device)
    best_floor = torch.full((batch,), -torch.inf, device=base.device)
    direction = torch.zeros_like(base)
    size = torch.full((batch,), settings.step, device=base.device)
    done = torch.zeros(batch, dtype=torch.bool, device=base.device)
    paths: list[list[PathPoint]] = [[] for _ in range(batch)]
    candidate = base
    progress(0, steps)
    for t in range(steps + 1):
        last = t == steps
        x = candidate.detach().requires_grad_(not last)
        with torch.set_grad_enabled(not last):
            found = objective(x)
        scores = found.scores
        floor = best_floor if found.floor is None else found.floor.detach()
        kept = (scores.detach() > best_score) & (floor >= best_floor) & ~done
        if bool(kept.any()):
            for b in kept.nonzero().flatten().tolist():
                averaged = None if found.averaged is None else found.averaged[b]
                pixels, score = x[b].detach().clone(), float(scores[b].detach())
                paths[b].append(PathPoint(t, pixels, found.probs[b], score, averaged))
            best = torch.where(kept.view(-1, 1, 1, 1), x.detach(), best)
            best_score = torch.where(kept, scores.detach(), best_score)
            best_floor = torch.where(kept, floor, best_floor)
            if not last:
                (grad,) = torch.autograd.grad((scores * kept).sum(), x)
                step = unit_step(settings.precondition(grad))
                direction = torch.where(kept.view(-1, 1, 1, 1), step, direction)
        if t > 0:
            size = torch.where(kept, size * GROW, size * SHRINK)
        if stop is not None:  # only a kept point can be the one that is good enough
            done |= stop(found, x.detach() - base) & kept
        # Stalled: ten undone steps in a row (the step is 1/1000 of the first) means the
        # direction no longer climbs here (at the pixel range's edge or the budget's); more
        # tries would only cost forward passes.
        done |= size < settings.step * STALLED
        if not last:
            progress(t + 1, steps)
        if last or bool(done.all()):
            break
        moved = project(
            best + size.view(-1, 1, 1, 1) * direction - base, base, settings.norm, settings.budget
        )
        candidate = torch.where(done.view(-1, 1, 1, 1), best, base + moved)
    progress(steps, steps)
    return paths

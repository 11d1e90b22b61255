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

from deepling.analysis.strip_priors import Norm, blur, gaussian_kernel, project, unit_step
from deepling.progress import Progress, no_progress

# pixels (B, C, H, W) -> (scores (B,) to maximise, logits (B, K)); differentiable in pixels.
Objective = Callable[[Tensor], tuple[Tensor, Tensor]]
# probabilities (B, K) -> (B,) bool: the samples that have gone far enough and may stop.
StopRule = Callable[[Tensor], Tensor]

GROW = 1.2  # step size after a kept step
SHRINK = 0.5  # step size after an undone step


@dataclass(frozen=True)
class PathSettings:
    """``norm``/``budget``: the ball the whole change stays in (pixel units, images in [0, 1]).
    ``smoothing``: standard deviation in pixels of the Gaussian blur applied to every gradient
    (0: none). ``step``: the first step's largest pixel change."""

    norm: Norm
    budget: float
    smoothing: float
    step: float


@dataclass
class PathPoint:
    """One kept point of a sample's path: after ``step`` steps, ``pixels`` ``(C, H, W)`` with
    class probabilities ``probs`` ``(K,)`` and objective ``score``."""

    step: int
    pixels: Tensor
    probs: Tensor
    score: float


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

    Returns each sample's kept points in order; the first is the unchanged image and the scores
    strictly rise along each list. ``steps`` forward+backward passes and one last forward pass
    (for the final step's result); samples that ``stop`` says are done stop moving, and the
    loop ends early once all are done. The caller sets eval mode and frozen parameters.
    """
    base = original.unsqueeze(0).expand(batch, *original.shape).contiguous()
    kernel = gaussian_kernel(settings.smoothing, base.device) if settings.smoothing > 0 else None
    best = base.clone()
    best_score = torch.full((batch,), -torch.inf, device=base.device)
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
            scores, logits = objective(x)
        kept = (scores.detach() > best_score) & ~done
        probs = logits.detach().float().softmax(dim=1)
        if bool(kept.any()):
            for b in kept.nonzero().flatten().tolist():
                score = float(scores[b].detach())
                paths[b].append(PathPoint(t, x[b].detach().clone(), probs[b], score))
            best = torch.where(kept.view(-1, 1, 1, 1), x.detach(), best)
            best_score = torch.where(kept, scores.detach(), best_score)
            if not last:
                (grad,) = torch.autograd.grad((scores * kept).sum(), x)
                step = unit_step(blur(grad, kernel))
                direction = torch.where(kept.view(-1, 1, 1, 1), step, direction)
        if t > 0:
            size = torch.where(kept, size * GROW, size * SHRINK)
        if stop is not None:
            done |= stop(probs) & kept  # only a kept point can be the one that is good enough
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

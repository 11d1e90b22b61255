"""What a strip's path climbs: a class or a channel, seen plainly (the minimal mode) or averaged
over a fixed set of small transforms (the robust mode).

Minimal: the target's log-probability of the image as it is, the least change that flips the
prediction. Robust: the log-odds of the target's probability averaged over the transforms,
``log(p / (1 - p))`` with ``p`` the mean over transforms. It rises exactly when that average
does, so a path up it is monotone in the transform-averaged probability; and unlike the
log-probability it does not saturate: an image the model already calls the target ("why
horse?") keeps being pushed toward what makes it so. It is computed from log-probabilities
(``1 - p`` as the other classes' mass), so it keeps rising in float32 long after ``p`` reads
1.0. (Averaging per-transform log-odds instead was tried: it favours the hardest transforms,
and its steps often lowered the average probability, which stalled paths on MNIST.)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from deepling.analysis.strip_path import Evaluation, Objective
from deepling.analysis.strip_transforms import TransformSet
from deepling.models.model import Model
from deepling.tensors import logits_of


class ClassObjective:
    """The target classes' objective. Targets given as None are chosen on the first call (the
    unchanged image, as the plain model sees it), so choosing them costs no extra pass; the
    caller's list is not touched. ``transforms`` None: the minimal mode."""

    def __init__(
        self,
        model: Model,
        targets: Sequence[int | None],
        label: int | None,
        transforms: TransformSet | None,
    ) -> None:
        self._model, self._given, self._label = model, list(targets), label
        self._transforms = transforms
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

    def _choose(self, plain_logits: Tensor) -> None:
        top2 = plain_logits[0].topk(min(2, plain_logits.shape[1])).indices.tolist()
        label = self._label
        fallback = top2[0] if label is not None and top2[0] != label else top2[-1]
        chosen = [fallback if t is None else t for t in self._given]
        self._index = torch.tensor(chosen, device=plain_logits.device)

    def __call__(self, x: Tensor) -> Evaluation:
        model, batch = self._model, len(x)
        seen = x if self._transforms is None else self._transforms(x)
        logits = logits_of(model.module(model.normalise(seen))).float()
        views = logits.view(-1, batch, logits.shape[1])  # (M, B, K); M = 1 when minimal
        if self._index is None:
            self._choose(views[0])
        probs = views.detach().softmax(dim=2)
        if self._transforms is None:
            scores = views[0].log_softmax(dim=1).gather(1, self.index.view(-1, 1)).squeeze(1)
            return Evaluation(scores, probs[0])
        averaged = probs.mean(dim=0)
        return Evaluation(
            averaged_log_odds(views, self.index),
            probs[0],
            averaged,
            averaged.gather(1, self.index.view(-1, 1)).squeeze(1),
        )


def averaged_log_odds(logits: Tensor, target: Tensor) -> Tensor:
    """``logits`` ``(M, B, K)`` of M views of B images, ``target`` ``(B,)`` -> ``(B,)``: the
    log-odds ``log(p / (1 - p))`` of the target's probability ``p`` averaged over the views,
    as log-sum-exps of per-view log-probabilities (so, stable at p near 0 and near 1)."""
    index = target.view(1, -1, 1).expand(logits.shape[0], -1, 1)
    total = logits.logsumexp(dim=2)
    own = logits.gather(2, index).squeeze(2) - total
    rest = logits.scatter(2, index, -torch.inf).logsumexp(dim=2) - total
    return own.logsumexp(dim=0) - rest.logsumexp(dim=0)


def channel_objective(
    model: Model, node: str, channels: list[int], transforms: TransformSet | None
) -> Objective:
    """The channel's spatial-mean activation at ``node``, averaged over ``transforms`` in the
    robust mode (the prediction is read from the same pass)."""
    output = model.graph().output.name
    index = torch.tensor(channels, device=model.device)

    def objective(x: Tensor) -> Evaluation:
        batch = len(x)
        seen = x if transforms is None else transforms(x)
        found = model.tap(model.normalise(seen), [node, output])
        acts = found[node].float()
        acts = acts.unsqueeze(1) if acts.dim() == 1 else acts
        rows = torch.arange(acts.shape[0], device=acts.device)
        picked = acts[rows, index.repeat(len(acts) // batch)]
        # A vector node's channel is one value per image; a map's, its spatial mean.
        values = picked.reshape(len(picked), -1).mean(dim=1).view(-1, batch)
        logits = logits_of(found[output]).float().detach()
        probs = logits.softmax(dim=1).view(-1, batch, logits.shape[1])
        averaged = None if transforms is None else probs.mean(dim=0)
        return Evaluation(values.mean(dim=0), probs[0], averaged)

    return objective

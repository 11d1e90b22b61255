"""Adam for one tensor, in place, as gradient ascent: torch.optim.Adam's update (same
formula, same defaults) without its per-step bookkeeping, which at batch 1 costs more than
the image parameterisation itself (see benchmarks/bench_featurevis.py). ``shrink`` is a
decoupled weight decay (as AdamW's): after each step the tensor is multiplied by
``1 - shrink``, which pulls it back towards zero."""

from __future__ import annotations

import math

import torch
from torch import Tensor


class AscentAdam:
    """Adam steps that *increase* the objective of ``param`` (any shape)."""

    def __init__(
        self, param: Tensor, lr: float, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, shrink: float = 0.0,
    ) -> None:  # fmt: skip
        self.param, self.lr, self.betas, self.eps = param, lr, betas, eps
        self.keep = 1.0 - shrink
        self.steps = 0
        self.mean = torch.zeros_like(param)
        self.square = torch.zeros_like(param)
        self.denom = torch.empty_like(param)  # reused: no allocation per step

    @torch.no_grad()
    def step(self, grad: Tensor) -> None:
        """One step uphill along ``grad`` (the objective's gradient for ``param``)."""
        beta1, beta2 = self.betas
        self.steps += 1
        self.mean.lerp_(grad, 1 - beta1)
        self.square.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        torch.sqrt(self.square, out=self.denom)
        self.denom.div_(math.sqrt(1 - beta2**self.steps)).add_(self.eps)
        self.param.addcdiv_(self.mean, self.denom, value=self.lr / (1 - beta1**self.steps))
        if self.keep != 1.0:
            self.param.mul_(self.keep)

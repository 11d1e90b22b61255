"""AdamW for one tensor, in place, as gradient ascent: torch.optim.AdamW's update (same formula,
same defaults) without its per-step bookkeeping, which at batch 1 costs more than the image
parameterisation itself (see benchmarks/bench_featurevis.py).

``shrink`` is AdamW's decoupled weight decay, as a fraction: each step first multiplies the
tensor by ``1 - shrink``, pulling it back towards zero. Where PyTorch has the fused AdamW
kernel (CPU and CUDA) a step is that one call; elsewhere the same update runs as seven
in-place ops (the two agree, see tests/analysis/test_featurevis_parts.py).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

_FUSED_ADAMW = getattr(torch, "_fused_adamw_", None)
_FUSED_DEVICES = ("cpu", "cuda")


class AscentAdam:
    """AdamW steps that *increase* the objective of ``param`` (any shape)."""

    def __init__(
        self,
        param: Tensor,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        shrink: float = 0.0,
        fused: bool | None = None,
    ) -> None:
        if not 0 <= shrink < 1:
            raise ValueError(f"shrink must be in [0, 1), got {shrink}.")
        if not lr > 0:  # the fused kernel takes the shrink as a weight decay of shrink / lr
            raise ValueError(f"lr must be positive, got {lr}.")
        self.param, self.lr, self.betas, self.eps, self.shrink = param, lr, betas, eps, shrink
        available = _FUSED_ADAMW is not None and param.device.type in _FUSED_DEVICES
        self.fused = available if fused is None else fused and available
        self.steps = 0
        self.mean = torch.zeros_like(param)
        self.square = torch.zeros_like(param)
        # The fused kernel reads the step count from a tensor on the parameter's device.
        self._step_count = torch.zeros((), dtype=torch.float32, device=param.device)
        self._denom = torch.empty_like(param)  # reused by the unfused update

    @torch.no_grad()
    def step(self, grad: Tensor) -> None:
        """One step uphill along ``grad`` (the objective's gradient for ``param``)."""
        self.steps += 1
        beta1, beta2 = self.betas
        if self.fused:
            self._step_count.fill_(self.steps)
            assert _FUSED_ADAMW is not None
            _FUSED_ADAMW(
                [self.param],
                [grad],
                [self.mean],
                [self.square],
                [],
                [self._step_count],
                lr=self.lr,
                beta1=beta1,
                beta2=beta2,
                weight_decay=self.shrink / self.lr,
                eps=self.eps,
                amsgrad=False,
                maximize=True,
            )
            return
        if self.shrink:
            self.param.mul_(1 - self.shrink)
        self.mean.lerp_(grad, 1 - beta1)
        self.square.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        torch.sqrt(self.square, out=self._denom)
        self._denom.div_(math.sqrt(1 - beta2**self.steps)).add_(self.eps)
        self.param.addcdiv_(self.mean, self._denom, value=self.lr / (1 - beta1**self.steps))

"""Leaving the user's model as found: training flags restored after every call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn


@contextmanager
def eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    """Put every submodule in eval mode; restore each one's own ``training`` flag on exit."""
    flags = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield module
    finally:
        for m, training in flags:
            m.training = training


@contextmanager
def frozen_parameters(module: nn.Module) -> Iterator[nn.Module]:
    """Turn off ``requires_grad`` on every parameter (pixel-space optimisation needs no weight
    gradients); restore each parameter's own flag on exit."""
    flags = [(p, p.requires_grad) for p in module.parameters()]
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield module
    finally:
        for p, requires_grad in flags:
            p.requires_grad_(requires_grad)

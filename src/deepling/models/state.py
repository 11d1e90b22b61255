"""Leaving the user's model as found: training flags restored after every call."""

from __future__ import annotations

import threading
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


class _Freezes:
    """Who holds each parameter frozen. Pixel-space optimisations run on several server
    threads at once (a strip job beside a saliency request, on the model or on an ablated view
    sharing its parameters); if each saved and restored the flags it found, a later exit could
    restore another's ``False`` and leave the model frozen for good. So the first hold on a
    parameter saves the user's flag and the last release restores it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # By id: tensors compare elementwise. Entries live only while held (released in finally).
        self.held: dict[int, tuple[int, bool]] = {}

    def hold(self, params: list[nn.Parameter]) -> None:
        with self.lock:
            for p in params:
                depth, flag = self.held.get(id(p), (0, p.requires_grad))
                self.held[id(p)] = (depth + 1, flag)
                p.requires_grad_(False)

    def release(self, params: list[nn.Parameter]) -> None:
        with self.lock:
            for p in params:
                depth, flag = self.held[id(p)]
                if depth == 1:
                    del self.held[id(p)]
                    p.requires_grad_(flag)
                else:
                    self.held[id(p)] = (depth - 1, flag)


_FREEZES = _Freezes()


@contextmanager
def frozen_parameters(module: nn.Module) -> Iterator[nn.Module]:
    """Turn off ``requires_grad`` on every parameter (pixel-space optimisation needs no weight
    gradients); each parameter's own flag comes back when the last block holding it exits,
    whichever thread runs it."""
    params = list(module.parameters())
    _FREEZES.hold(params)
    try:
        yield module
    finally:
        _FREEZES.release(params)

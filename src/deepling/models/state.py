"""Leaving the user's model as found: training flags and ``requires_grad`` restored.

Analyses run on several threads at once (the server's request threads and its job thread, or a
user's own threads). If each block saved the flags it found and restored them on exit, one
thread's exit could restore another's override: a batch-norm layer flipped back to training
mode in the middle of another thread's forward pass, or parameters left frozen for good. So
overrides are counted per object: the first block saves the user's value, the last restores it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from torch import nn


class _Overrides:
    """Counted overrides of one boolean attribute (``training``, ``requires_grad``)."""

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute
        self.lock = threading.Lock()
        # By id (tensors compare elementwise); an entry lives only while held, so ids are live.
        self.held: dict[int, tuple[int, bool]] = {}

    def hold(self, objects: Sequence[object], value: bool) -> None:
        with self.lock:
            for obj in objects:
                depth, own = self.held.get(id(obj), (0, getattr(obj, self.attribute)))
                self.held[id(obj)] = (depth + 1, own)
                self._set(obj, value)

    def release(self, objects: Sequence[object]) -> None:
        with self.lock:
            for obj in objects:
                depth, own = self.held[id(obj)]
                if depth == 1:
                    del self.held[id(obj)]
                    self._set(obj, own)
                else:
                    self.held[id(obj)] = (depth - 1, own)

    def _set(self, obj: object, value: bool) -> None:
        if isinstance(obj, nn.Parameter):
            obj.requires_grad_(value)
        else:
            setattr(obj, self.attribute, value)


_TRAINING = _Overrides("training")
_REQUIRES_GRAD = _Overrides("requires_grad")


@contextmanager
def eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    """Every submodule in eval mode; each one's own ``training`` flag comes back when the last
    block holding it exits, whichever thread runs it."""
    modules = list(module.modules())
    _TRAINING.hold(modules, False)
    try:
        yield module
    finally:
        _TRAINING.release(modules)


@contextmanager
def frozen_parameters(module: nn.Module) -> Iterator[nn.Module]:
    """Turn off ``requires_grad`` on every parameter (pixel-space optimisation needs no weight
    gradients); each parameter's own flag comes back when the last block holding it exits."""
    params = list(module.parameters())
    _REQUIRES_GRAD.hold(params, False)
    try:
        yield module
    finally:
        _REQUIRES_GRAD.release(params)

"""Tapping activations with forward hooks, for graphs recorded by the hook fallback."""

from __future__ import annotations

import threading
from typing import Any

from torch import Tensor, nn

from deepling.graph.hook_trace import INPUT_NODE, OUTPUT_NODE, ModuleCall, add_forward_hook
from deepling.tensors import logits_of


def capture_with_hooks(
    module: nn.Module, x: Tensor, names: list[str], where: dict[str, ModuleCall]
) -> dict[str, Tensor]:
    """Run ``module`` on the normalised batch ``x`` once and return the named activations.

    Hooks are added for this call only and removed in ``finally``, also when the model raises.
    They sit on the shared module, so they ignore forward passes of other threads (the server
    runs requests and jobs at once).
    """
    caller = threading.get_ident()
    wanted: dict[tuple[str, int], str] = {
        (where[n].path, where[n].call): n for n in names if n in where
    }
    found: dict[str, Tensor] = {}
    calls: dict[str, int] = {}

    def make_hook(path: str) -> Any:
        def hook(mod: nn.Module, args: Any, output: Any) -> None:
            if threading.get_ident() != caller:
                return
            call = calls.get(path, 0)
            calls[path] = call + 1
            name = wanted.get((path, call))
            if name is not None:
                found[name] = output.detach().clone()

        return hook

    paths = {path for path, _ in wanted}
    handles = [add_forward_hook(module.get_submodule(p), make_hook(p)) for p in paths]
    try:
        output = module(x)
    finally:
        for handle in handles:
            handle.remove()
    if INPUT_NODE in names:
        found[INPUT_NODE] = x.detach().clone()
    if OUTPUT_NODE in names:
        found[OUTPUT_NODE] = logits_of(output).detach()
    return {n: found[n] for n in names}

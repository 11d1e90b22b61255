"""The fallback graph for models that torch.fx cannot trace: module calls recorded by hooks.

Only leaf modules (those without children) become nodes, in call order; each node's input is
taken to be the previous call, which is what ``Graph.approximate`` warns about.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from deepling.graph.ops import describe_target, module_op
from deepling.graph.types import Graph, Node
from deepling.tensors import logits_of

INPUT_NODE = "input"
OUTPUT_NODE = "output"


@dataclass(frozen=True)
class ModuleCall:
    """Which call of which module a hook-recorded node stands for."""

    path: str
    call: int  # 0 for the first call of the module in a forward pass


def leaf_modules(module: nn.Module) -> dict[str, nn.Module]:
    return {path: m for path, m in module.named_modules() if path and not list(m.children())}


def add_forward_hook(module: nn.Module, hook: Any) -> Any:
    """``module.register_forward_hook(hook)``, or a no-op handle where hooks are not supported
    (TorchScript submodules: their ops are compiled and cannot be tapped)."""
    try:
        return module.register_forward_hook(hook)
    except (RuntimeError, AttributeError, TypeError):
        return _NoHandle()


class _NoHandle:
    def remove(self) -> None:
        pass


def unique_name(path: str, call: int, taken: set[str]) -> str:
    """``layer1_0_conv`` for the first call of ``layer1.0.conv``, ``..._1`` for the second; a
    further suffix where that collides (``blk.c`` and ``blk_c``, a module named ``input``)."""
    base = path.replace(".", "_")
    name = base if call == 0 else f"{base}_{call}"
    suffix = 1
    while name in taken:
        name = f"{base}_{call}_{suffix}"
        suffix += 1
    taken.add(name)
    return name


def trace_hooks(
    module: nn.Module, example: Tensor, reason: str
) -> tuple[Graph, dict[str, ModuleCall]]:
    """The approximate graph of ``module`` and, per node name, the module call it stands for."""
    calls: list[tuple[str, nn.Module, tuple[int, ...]]] = []

    def make_hook(path: str) -> Any:
        def hook(mod: nn.Module, args: Any, output: Any) -> None:
            if isinstance(output, Tensor) and output.dim() >= 1:
                calls.append((path, mod, tuple(output.shape)))

        return hook

    handles = []
    try:
        for path, mod in leaf_modules(module).items():
            handles.append(add_forward_hook(mod, make_hook(path)))
        with torch.no_grad():
            output = module(example)
    finally:
        for h in handles:
            h.remove()

    counts: Counter[str] = Counter()
    nodes = [Node(INPUT_NODE, "input", tuple(example.shape[1:]), ())]
    where: dict[str, ModuleCall] = {}
    taken = {INPUT_NODE, OUTPUT_NODE}
    for path, mod, shape in calls:
        name = unique_name(path, counts[path], taken)
        where[name] = ModuleCall(path, counts[path])
        counts[path] += 1
        params = sum(p.numel() for p in mod.parameters())
        nodes.append(
            Node(
                name,
                module_op(mod),
                shape[1:],
                (nodes[-1].name,),
                params,
                path,
                describe_target(mod),
            )
        )
    logits = logits_of(output)
    if not calls or tuple(logits.shape) != calls[-1][2]:
        # The model does more after its last module call (a functional op): show its output.
        nodes.append(Node(OUTPUT_NODE, "output", tuple(logits.shape[1:]), (nodes[-1].name,)))
    return Graph(tuple(nodes), approximate=True, reason=reason), where

"""Tracing a model with torch.fx into Deepling's graph of tensor-valued ops.

Every call_module, call_function and call_method node is an op, so ``F.relu``, ``x + shortcut``,
``torch.cat`` and a module called twice each get their own node. Nodes that do not produce a
batch of activations are folded away: edges pass through tuples of tensors (``chunk``), not
through metadata such as ``x.size(0)``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, fx, nn

from deepling.graph.ops import describe_target, function_op, method_op, module_op
from deepling.graph.types import Graph, Node

# An odd batch size, so that a parameter or constant whose first dimension happens to equal it
# is unlikely; activations are also required to depend on the input.
_PROBE_BATCH = 3


def _holds_tensors(value: Any) -> bool:
    if isinstance(value, Tensor):
        return True
    if isinstance(value, (tuple, list)):
        return any(_holds_tensors(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_tensors(v) for v in value.values())
    return False


class _ValueRecorder(fx.Interpreter):
    """Runs the graph once and keeps, per node, the output shape if it is a tensor, and whether
    it carries tensor data at all (a tuple from ``chunk`` does; ``x.size(0)`` does not)."""

    def __init__(self, module: fx.GraphModule) -> None:
        super().__init__(module)
        self.shapes: dict[fx.Node, tuple[int, ...] | None] = {}
        self.carries_data: set[fx.Node] = set()

    def run_node(self, n: fx.Node) -> Any:
        result = super().run_node(n)
        self.shapes[n] = tuple(result.shape) if isinstance(result, Tensor) else None
        if _holds_tensors(result):
            self.carries_data.add(n)
        return result


def _op_and_target(gm: fx.GraphModule, n: fx.Node) -> tuple[str, str, int, str]:
    """(op, target description, parameter count, module path) of an fx node."""
    stack = n.meta.get("nn_module_stack") or {}
    enclosing = next(reversed(stack.values()))[0] if stack else ""
    if n.op == "placeholder":
        return "input", "", 0, ""
    if n.op == "call_module":
        module = gm.get_submodule(str(n.target))
        params = sum(p.numel() for p in module.parameters())
        return module_op(module), describe_target(module), params, str(n.target)
    if n.op == "call_function":
        return function_op(n.target), describe_target(n.target), 0, enclosing
    return method_op(str(n.target)), f"Tensor.{n.target}", 0, enclosing


def trace_fx(module: nn.Module, example: Tensor) -> tuple[Graph, fx.GraphModule]:
    """The graph of ``module`` and its fx GraphModule (which shares the module's parameters).

    ``example`` is one input sample ``(1, C, H, W)``; it is repeated to a small batch to tell
    activations (first dimension = batch) from constants. Raises whatever fx raises when the
    model cannot be traced symbolically.
    """
    gm = fx.symbolic_trace(module)
    recorder = _ValueRecorder(gm)
    with torch.no_grad():
        recorder.run(example.expand(_PROBE_BATCH, *example.shape[1:]).contiguous())

    depends_on_input: set[fx.Node] = set()
    kept: dict[fx.Node, Node] = {}
    tensor_ancestors: dict[fx.Node, tuple[str, ...]] = {}
    for n in gm.graph.nodes:
        if n.op == "output":
            continue
        inputs: list[str] = []
        for parent in n.all_input_nodes:
            for name in tensor_ancestors[parent]:
                if name not in inputs:
                    inputs.append(name)
        if n.op == "placeholder" or any(p in depends_on_input for p in n.all_input_nodes):
            depends_on_input.add(n)
        shape = recorder.shapes.get(n)
        is_activation = (
            n in depends_on_input
            and shape is not None
            and len(shape) >= 1
            and shape[0] == _PROBE_BATCH
        )
        if is_activation:
            assert shape is not None
            op, target, params, path = _op_and_target(gm, n)
            kept[n] = Node(n.name, op, shape[1:], tuple(inputs), params, path, target)
            tensor_ancestors[n] = (n.name,)
        elif n in recorder.carries_data:
            tensor_ancestors[n] = tuple(inputs)  # e.g. a tuple of tensors: edges pass through
        else:
            tensor_ancestors[n] = ()  # shapes and other metadata: not a data edge

    graph = Graph(tuple(kept.values()))
    return graph, gm

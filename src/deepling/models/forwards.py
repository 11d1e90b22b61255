"""How a model runs: its traced graph and its forward passes, plain or ablated.

``Forwards`` owns the user's module. ``Model`` reaches it only through
``Forwards.get(ablations)`` with the ablations in effect for the call, and every method that
runs the model works on the ``Forward`` that returns: the plain one, or one whose module IS the
ablated module. So no method can forget the ablations: there is no unablated module on the
model to run by mistake.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import torch
from torch import Tensor, fx, nn

from deepling.capture.fx_capture import FxTap
from deepling.capture.hook_capture import capture_with_hooks
from deepling.graph.fx_trace import trace_fx
from deepling.graph.hook_trace import ModuleCall, trace_hooks
from deepling.graph.types import Graph
from deepling.models.ablated import (
    Ablation,
    HookAblatedModule,
    HookAblation,
    ablated_graph_module,
    check_ablations,
)
from deepling.models.state import eval_mode

Capture = Callable[[Tensor, list[str]], dict[str, Tensor]]
"""``(normalised batch, node names) -> activations``, by forward hooks."""
Taps = FxTap | Capture
"""How activations are read: the traced graph's tap, or a capture by hooks."""
Reducing = Callable[[Tensor], dict[str, Tensor]]
MAX_ABLATED = 16  # ablated forwards kept, least recently used dropped first


class Forward:
    """One way of running the model on normalised batches: ``module`` runs it (the user's
    module, or an ablated copy sharing its weights), ``tap`` reads activations at nodes.
    ``taps`` is called once, on the first tap: the plain forward's taps need the trace, which
    running ``module`` alone does not."""

    def __init__(self, module: nn.Module, taps: Callable[[], Taps]) -> None:
        self.module = module
        self._make_taps = taps

    @cached_property
    def _taps(self) -> Taps:
        return self._make_taps()

    @property
    def fx_module(self) -> fx.GraphModule | None:
        taps = self._taps
        return taps.graph_module if isinstance(taps, FxTap) else None

    def tap(self, x: Tensor, names: list[str]) -> dict[str, Tensor]:
        """Activations at ``names`` for a normalised batch (see ``Model.tap``)."""
        taps = self._taps
        return taps.run(x, names) if isinstance(taps, FxTap) else taps(x, names)

    def reducing(self, reducers: dict[str, nn.Module]) -> Reducing:
        """``x -> {node: reducers[node](activation)}``; inside the graph when it is traced."""
        taps = self._taps
        if isinstance(taps, FxTap):
            module: Reducing = taps.reducing_module(reducers)
            return module

        def reduce(x: Tensor) -> dict[str, Tensor]:
            acts = taps(x, list(reducers))
            return {name: reducers[name](acts[name]) for name in reducers}

        return reduce


@dataclass(frozen=True)
class _Traced:
    graph: Graph
    taps: Taps
    hook_calls: dict[str, ModuleCall]  # node -> module call, for graphs recorded by hooks


class Forwards:
    """The forward passes of ``module``: the plain one, and up to ``MAX_ABLATED`` ablated ones
    built on first use. The graph is traced on first need (``example`` gives one normalised
    input). Shared by a model and its ablated views; safe to use from several threads."""

    def __init__(
        self, module: nn.Module, example: Callable[[], Tensor], device: torch.device
    ) -> None:
        self._module = module
        self._example = example
        self._device = device
        self._plain = Forward(module, lambda: self._traced.taps)
        self._ablated: OrderedDict[tuple[Ablation, ...], Forward] = OrderedDict()
        self._lock = threading.Lock()

    @cached_property
    def _traced(self) -> _Traced:
        module = self._module
        with eval_mode(module):
            example = self._example()
            try:
                graph, gm = trace_fx(module, example)
            except Exception as exc:  # fx raises many types on untraceable code
                reason = f"torch.fx could not trace the model ({type(exc).__name__}: {exc})"
                graph, calls = trace_hooks(module, example, reason)

                def capture(x: Tensor, names: list[str]) -> dict[str, Tensor]:
                    return capture_with_hooks(module, x, names, calls)

                return _Traced(graph, capture, calls)
        return _Traced(graph, FxTap(gm), {})

    @property
    def graph(self) -> Graph:
        return self._traced.graph

    @property
    def hook_calls(self) -> dict[str, ModuleCall]:
        return self._traced.hook_calls

    def get(self, ablations: tuple[Ablation, ...]) -> Forward:
        """The forward pass with ``ablations`` (none: the plain one); a DeeplingError names a
        bad ablation."""
        if not ablations:
            return self._plain
        traced = self._traced
        with self._lock:
            if ablations in self._ablated:
                self._ablated.move_to_end(ablations)
                return self._ablated[ablations]
            forward = self._build(traced, check_ablations(traced.graph, ablations))
            self._ablated[ablations] = forward
            if len(self._ablated) > MAX_ABLATED:
                self._ablated.popitem(last=False)
            return forward

    def _build(self, traced: _Traced, ablations: tuple[Ablation, ...]) -> Forward:
        if isinstance(traced.taps, FxTap):
            gm = ablated_graph_module(traced.taps.graph_module, ablations, self._device)
            fx_tap = FxTap(gm)
            return Forward(gm, lambda: fx_tap)
        hooks = HookAblation(self._module, ablations, traced.hook_calls, self._device)
        calls = traced.hook_calls

        def capture(x: Tensor, names: list[str]) -> dict[str, Tensor]:
            return hooks.capture(x, names, calls)

        return Forward(HookAblatedModule(hooks), lambda: capture)

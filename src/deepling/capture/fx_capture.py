"""Tapping activations at fx nodes: a copy of the traced graph that returns them.

The copy returns the requested nodes' values (cloned right after each is computed, so a later
in-place op such as ``ReLU(inplace=True)`` cannot overwrite them) and stops after the last one,
so asking for an early layer costs only the layers before it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from torch import Tensor, fx, nn

from deepling.capture.fx_source import graph_module


def _resolve(module: nn.Module, path: str) -> object:
    value: object = module
    for part in path.split("."):
        value = getattr(value, part)
    return value


class FxTap:
    """Builds and caches, per set of node names, a GraphModule returning those activations."""

    def __init__(self, gm: fx.GraphModule, cache_size: int = 32) -> None:
        self._gm = gm
        self._cache: OrderedDict[tuple[str, ...], fx.GraphModule] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()  # the server taps from several request threads at once

    @property
    def graph_module(self) -> fx.GraphModule:
        """The full traced module (shares the model's parameters)."""
        return self._gm

    def extractor(self, names: list[str]) -> fx.GraphModule:
        key = tuple(sorted(set(names)))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            module = self._build(set(key))
            self._cache[key] = module
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return module

    def _build(
        self, names: set[str], reducers: dict[str, nn.Module] | None = None
    ) -> fx.GraphModule:
        """The graph up to the last tap, returning ``{name: value}``: a clone of each node's
        output, or ``reducers[name](output)``, computed right after the node."""
        graph = fx.Graph()
        copies: dict[fx.Node, fx.Node] = {}
        graph.graph_copy(self._gm.graph, copies)  # copies everything but the output node
        by_name = {orig.name: copy for orig, copy in copies.items()}
        taps: dict[str, fx.Node] = {}
        for i, name in enumerate(sorted(names)):
            node = by_name[name]
            with graph.inserting_after(node):
                if reducers is None:
                    taps[name] = graph.call_method("clone", (node,))
                else:
                    taps[name] = graph.call_module(f"_deepling_reducer_{i}", (node,))
        # Drop everything after the last tap: later ops cannot change the tapped values.
        order = list(graph.nodes)
        last = max(order.index(t) for t in taps.values())
        for node in reversed(order[last + 1 :]):
            graph.erase_node(node)
        graph.output({name: taps[name] for name in names})
        graph.lint()
        if reducers is None:
            return graph_module(self._gm, graph)
        # A dict root: each module/attribute the graph names, from the model or the reducers.
        own = {f"_deepling_reducer_{i}": reducers[n] for i, n in enumerate(sorted(names))}
        root: dict[str, object] = {}
        for node in graph.nodes:
            if node.op in ("call_module", "get_attr"):
                target = str(node.target)
                root[target] = own[target] if target in own else _resolve(self._gm, target)
        return graph_module(root, graph)

    def reducing_module(self, reducers: dict[str, nn.Module]) -> fx.GraphModule:
        """A module returning ``{name: reducers[name](activation)}`` for a normalised batch:
        the reduction runs inside the graph right after each node, so no activation is
        cloned or kept (how projections stream all layers in one pass)."""
        return self._build(set(reducers), reducers)

    def run(self, x: Tensor, names: list[str]) -> dict[str, Tensor]:
        """Activations at ``names`` for an already normalised batch ``x``."""
        if not names:
            return {}
        out: dict[str, Tensor] = self.extractor(names)(x)
        return out

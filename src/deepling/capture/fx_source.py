"""GraphModules that give back the source torch.fx keeps for them.

torch.fx compiles each GraphModule's generated ``forward`` and files its source in
``linecache`` and in its loader's cache (for tracebacks), and never removes it: a server that
builds a module per request (projections, Grad-CAM, reductions, ablated views) would grow
without bound. ``graph_module`` drops that source once the module is collected.
"""

from __future__ import annotations

import linecache
import weakref

from torch import fx, nn


def _forget_source(filename: str) -> None:
    linecache.cache.pop(filename, None)
    loader = getattr(fx.graph_module, "_loader", None)  # private to torch: absent is fine
    cache = getattr(loader, "eval_cache", None)
    if isinstance(cache, dict):
        cache.pop(filename, None)


def graph_module(root: nn.Module | dict[str, object], graph: fx.Graph) -> fx.GraphModule:
    """``fx.GraphModule(root, graph)`` whose generated source is forgotten with it."""
    gm = fx.GraphModule(root, graph)
    code = getattr(type(gm).forward, "__code__", None)
    filename = getattr(code, "co_filename", "")
    if filename.startswith("<eval_with_key>"):
        weakref.finalize(gm, _forget_source, filename)
    return gm

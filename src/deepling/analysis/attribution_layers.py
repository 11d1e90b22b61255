"""Where Grad-CAM looks: any node of the graph as a module that captum can hook.

captum's layer methods hook an ``nn.Module``, but a node of the graph may be a function
(``F.relu``, ``x + shortcut``) or one of several calls of a module. For traced models we
therefore run a copy of the traced graph with an ``nn.Identity`` call inserted right after the
node and hand captum that Identity: every node is then a module of its own, and the hooks sit
on our copy, never on the user's modules. Approximate (hook-recorded) graphs only have module
calls as nodes, so there the node's own module is the layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import fx, nn

from deepling.capture.fx_capture import _resolve
from deepling.capture.fx_source import graph_module
from deepling.errors import DeeplingError
from deepling.graph.types import Graph
from deepling.models.model import Model

TAP_NAME = "_deepling_attribution_tap"


@dataclass(frozen=True)
class LayerTarget:
    """``forward`` runs the model on a normalised batch and returns what the model returns;
    ``layer`` is the module whose output is the node's activation during that forward."""

    forward: nn.Module
    layer: nn.Module


def spatial_nodes(graph: Graph) -> list[str]:
    """Nodes with a ``(C, H, W)`` output: those where Grad-CAM gives a map."""
    return [n.name for n in graph.nodes[1:] if len(n.shape) == 3 and n.op != "output"]


def default_cam_node(graph: Graph) -> str:
    """The last convolution with a spatial output (Grad-CAM's usual choice), else the last
    spatial node."""
    spatial = spatial_nodes(graph)
    if not spatial:
        raise DeeplingError(
            "Grad-CAM needs a node with a (C, H, W) output, and this model has none.",
            "Use another attribution method.",
        )
    convs = [name for name in spatial if "conv" in graph[name].op]
    return (convs or spatial)[-1]


def check_cam_node(graph: Graph, node: str) -> str:
    """``node`` if Grad-CAM can use it (404 for an unknown node, 400 for a non-spatial one)."""
    shape = graph[node].shape
    if len(shape) != 3 or node == graph.input.name:
        raise DeeplingError(
            f"node {node!r} has output shape {shape}; Grad-CAM needs a (C, H, W) feature map "
            "after the input.",
            "Pick a convolution, pooling or activation node (see spatial nodes of the graph).",
        )
    return node


def layer_target(model: Model, node: str) -> LayerTarget:
    """A forward module and the layer inside it whose output is ``node``'s activation."""
    gm = model.fx_module
    if gm is None:
        return _hook_layer(model, node)
    return _fx_layer(gm, node)


def _fx_layer(gm: fx.GraphModule, node: str) -> LayerTarget:
    graph = fx.Graph()
    copies: dict[fx.Node, fx.Node] = {}
    output = graph.graph_copy(gm.graph, copies)  # copies all but the output node
    by_name = {orig.name: copy for orig, copy in copies.items()}
    if node not in by_name:
        raise DeeplingError(f"node {node!r} is not in the traced graph.")
    target = by_name[node]
    with graph.inserting_after(target):
        tap = graph.call_module(TAP_NAME, (target,))
    # Every later use reads the tap's output, so gradients flow through it.
    target.replace_all_uses_with(tap, delete_user_cb=lambda user: user is not tap)
    graph.output(output)
    graph.lint()
    identity = nn.Identity()
    root: dict[str, object] = {TAP_NAME: identity}
    for n in graph.nodes:
        if n.op in ("call_module", "get_attr") and str(n.target) != TAP_NAME:
            root[str(n.target)] = _resolve(gm, str(n.target))
    return LayerTarget(graph_module(root, graph), identity)


def _hook_layer(model: Model, node: str) -> LayerTarget:
    calls = getattr(model, "_hook_calls", {})  # node name -> module call, for approximate graphs
    call = calls.get(node)
    if call is None:
        raise DeeplingError(f"node {node!r} is not a module call, so Grad-CAM cannot hook it.")
    if sum(1 for other in calls.values() if other.path == call.path) > 1:
        raise DeeplingError(
            f"node {node!r} is one of several calls of module {call.path!r}; on an approximate "
            "graph (the model could not be traced) Grad-CAM can only hook a module called once.",
            "Pick a node whose module is called once.",
        )
    return LayerTarget(model.module, model.module.get_submodule(call.path))

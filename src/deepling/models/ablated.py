"""Ablated forward passes: the model run with chosen channels of chosen nodes held constant.

Nodes are graph nodes, not modules: an ``F.relu``, an ``x + y`` or the second call of a reused
module can be ablated. On traced models a copy of the fx graph gets a ``ChannelMask`` right
after each ablated node (the copy keeps every node's name, the masked value under the node's
own name, so taps read the ablated activation). Untraceable models use forward hooks that
count module calls, installed per forward pass, only for the calling thread, removed in
``finally``. Either way the user's module itself is never changed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, fx, nn

from deepling.capture.fx_source import graph_module
from deepling.capture.hook_capture import capture_with_hooks
from deepling.errors import DeeplingError
from deepling.graph.hook_trace import INPUT_NODE, OUTPUT_NODE, ModuleCall, add_forward_hook
from deepling.graph.types import Graph
from deepling.tensors import logits_of

ABLATION_MODES = ("zero", "mean")


@dataclass(frozen=True)
class Ablation:
    """Hold ``channels`` of ``node`` at ``values`` (one constant per channel: 0 in mode
    ``"zero"``, the channel's dataset mean in mode ``"mean"``) in every forward pass.

    A channel is index 1 of the activation: a feature map of a ``(N, C, H, W)`` node (the
    whole map is set), a unit of a ``(N, C)`` node.
    """

    node: str
    channels: tuple[int, ...]
    values: tuple[float, ...]
    mode: str = "zero"

    @classmethod
    def zero(cls, node: str, channels: Sequence[int]) -> Ablation:
        chans = tuple(int(c) for c in channels)
        return cls(node, chans, (0.0,) * len(chans), "zero")

    def describe(self) -> dict[str, Any]:
        return {"node": self.node, "channels": list(self.channels), "mode": self.mode}


def check_ablations(graph: Graph, ablations: Sequence[Ablation]) -> tuple[Ablation, ...]:
    """``ablations`` as a tuple if each names a node with channels and valid channel indices;
    else a NotFoundError (unknown node) or a DeeplingError naming the bad channel."""
    for ablation in ablations:
        if not isinstance(ablation, Ablation):
            raise DeeplingError(f"Expected an Ablation, got {type(ablation).__name__}.")
        shape = graph[ablation.node].shape
        if not shape:
            raise DeeplingError(f"Node {ablation.node!r} has no channels to ablate (a scalar).")
        if not ablation.channels:
            raise DeeplingError(f"No channels given to ablate at node {ablation.node!r}.")
        if ablation.mode not in ABLATION_MODES:
            raise DeeplingError(
                f"Unknown ablation mode {ablation.mode!r}.", f"Use one of {ABLATION_MODES}."
            )
        if len(ablation.values) != len(ablation.channels):
            raise DeeplingError(
                f"{len(ablation.values)} values for {len(ablation.channels)} channels "
                f"at node {ablation.node!r}: give one value per channel."
            )
        for channel in ablation.channels:
            if not 0 <= channel < shape[0]:
                raise DeeplingError(
                    f"channel {channel} is out of range: node {ablation.node!r} has "
                    f"{shape[0]} channels (0 to {shape[0] - 1})."
                )
    return tuple(ablations)


class ChannelMask(nn.Module):
    """Returns a copy of its input ``(N, C, ...)`` with the ablated channels set to their
    constants; later ablations of the same channel win. Gradients flow through the rest."""

    def __init__(self, ablations: Sequence[Ablation], device: torch.device) -> None:
        super().__init__()
        self.count = len(ablations)
        for i, a in enumerate(ablations):
            self.register_buffer(f"channels_{i}", torch.tensor(a.channels, device=device))
            self.register_buffer(f"values_{i}", torch.tensor(a.values, device=device))

    def forward(self, x: Tensor) -> Tensor:
        out = x.clone()  # never write into the node's own output: other ops may read it
        for i in range(self.count):
            channels: Tensor = getattr(self, f"channels_{i}")
            values: Tensor = getattr(self, f"values_{i}")
            shape = (1, -1) + (1,) * (x.dim() - 2)
            out[:, channels] = values.to(device=out.device, dtype=out.dtype).view(shape)
        return out


def _by_node(ablations: Sequence[Ablation]) -> dict[str, list[Ablation]]:
    grouped: dict[str, list[Ablation]] = {}
    for a in ablations:
        grouped.setdefault(a.node, []).append(a)
    return grouped


def _resolve(module: nn.Module, path: str) -> object:
    value: object = module
    for part in path.split("."):
        value = getattr(value, part)
    return value


def ablated_graph_module(
    gm: fx.GraphModule, ablations: Sequence[Ablation], device: torch.device
) -> fx.GraphModule:
    """A copy of ``gm`` (sharing its weights) with each ablated node's value passed through a
    ``ChannelMask`` before any other op reads it. Every node keeps its name; the masked value
    carries the ablated node's name, the raw one ``<name>_deepling_unablated``."""
    grouped = _by_node(ablations)
    graph = fx.Graph()
    env: dict[fx.Node, fx.Node] = {}
    masks: dict[str, nn.Module] = {}
    for n in gm.graph.nodes:
        if n.name not in grouped:
            env[n] = graph.node_copy(n, lambda a: env[a])
            continue
        raw = graph.create_node(
            n.op,
            n.target,
            fx.map_arg(n.args, lambda a: env[a]),
            fx.map_arg(n.kwargs, lambda a: env[a]),
            name=f"{n.name}_deepling_unablated",
            type_expr=n.type,
        )
        raw.meta = dict(n.meta)
        # The node's name in the target puts it in the state dict, so the weights digest
        # (and every cache key built on it) tells ablations of different nodes apart.
        target = f"_deepling_ablation_{n.name}"
        masks[target] = ChannelMask(grouped[n.name], device)
        env[n] = graph.create_node("call_module", target, (raw,), {}, name=n.name)
    renamed = [n.name for n, copy in env.items() if copy.name != n.name]
    if renamed:  # taps find nodes by name: a clash would tap the wrong value
        raise DeeplingError(f"Cannot ablate: node names clash ({renamed[:3]}).")
    graph.lint()
    root: dict[str, object] = {}
    for node in graph.nodes:
        if node.op in ("call_module", "get_attr"):
            target = str(node.target)
            root[target] = masks[target] if target in masks else _resolve(gm, target)
    return graph_module(root, graph)


class HookAblation:
    """Ablation for hook-recorded graphs: each node is the n-th call of a module, so forward
    hooks count calls and replace the output of the ablated ones."""

    def __init__(
        self,
        module: nn.Module,
        ablations: Sequence[Ablation],
        where: dict[str, ModuleCall],
        device: torch.device,
    ) -> None:
        self.module = module
        self.masks = {n: ChannelMask(a, device) for n, a in _by_node(ablations).items()}
        self._input = self.masks.get(INPUT_NODE)
        self._output = self.masks.get(OUTPUT_NODE)
        self._calls = {
            (where[n].path, where[n].call): mask
            for n, mask in self.masks.items()
            if n not in (INPUT_NODE, OUTPUT_NODE)
        }

    @contextmanager
    def installed(self) -> Iterator[None]:
        """The masking hooks, for forward passes of the calling thread, removed on exit."""
        caller = threading.get_ident()
        counts: dict[str, int] = {}

        def make_hook(path: str) -> Any:
            def hook(mod: nn.Module, args: Any, output: Any) -> Any:
                if threading.get_ident() != caller:
                    return None
                call = counts.get(path, 0)
                counts[path] = call + 1
                mask = self._calls.get((path, call))
                return mask(output) if mask is not None else None

            return hook

        paths = {path for path, _ in self._calls}
        handles = [add_forward_hook(self.module.get_submodule(p), make_hook(p)) for p in paths]
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    def forward(self, x: Tensor) -> Tensor:
        """Class scores for a normalised batch ``x``."""
        if self._input is not None:
            x = self._input(x)
        with self.installed():
            logits = logits_of(self.module(x))
        return self._output(logits) if self._output is not None else logits

    def capture(
        self, x: Tensor, names: list[str], where: dict[str, ModuleCall]
    ) -> dict[str, Tensor]:
        """Activations at ``names`` of the ablated forward pass (see ``capture_with_hooks``)."""
        if self._input is not None:
            x = self._input(x)
        with self.installed():  # added first, so the capturing hooks see masked outputs
            found = capture_with_hooks(self.module, x, names, where)
        if self._output is not None and OUTPUT_NODE in found:
            found[OUTPUT_NODE] = self._output(found[OUTPUT_NODE])
        return found


class HookAblatedModule(nn.Module):
    """An nn.Module running ``HookAblation.forward`` (what ``Model.module`` is for such a view);
    its masks are submodules named by node, so its weights digest names the ablation."""

    def __init__(self, ablation: HookAblation) -> None:
        super().__init__()
        self.inner = ablation.module
        self.masks = nn.ModuleDict(ablation.masks)
        self._ablation = ablation

    def forward(self, x: Tensor) -> Tensor:
        return self._ablation.forward(x)

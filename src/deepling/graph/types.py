"""The model graph as Deepling shows it: one node per tensor-valued op."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from deepling.errors import NotFoundError


@dataclass(frozen=True)
class Node:
    """One op of the model whose output is an activation tensor.

    ``shape`` is the output shape without the batch dimension, e.g. ``(64, 16, 16)``.
    ``inputs`` names the nodes whose outputs this op reads. ``module_path`` is the dotted path
    of the module that runs the op (``layer1.0.conv1``) or, for a functional op, of the module
    whose ``forward`` calls it (``""`` for the root). ``params`` counts the parameters of the
    op's own module (a module called twice reports them on both nodes).
    """

    name: str
    op: str
    shape: tuple[int, ...]
    inputs: tuple[str, ...]
    params: int = 0
    module_path: str = ""
    target: str = ""  # the module class or function, e.g. "Conv2d(3, 64, kernel_size=(3, 3))"


@dataclass(frozen=True)
class Graph:
    """The model's ops in execution order, from the input node to the output (logits) node.

    ``approximate`` is True when torch.fx could not trace the model and the graph was recorded
    from module hooks instead: then only module calls are nodes and edges follow call order.
    """

    nodes: tuple[Node, ...]
    approximate: bool = False
    reason: str = ""  # why the graph is approximate
    _index: dict[str, Node] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({n.name: n for n in self.nodes})

    @property
    def input(self) -> Node:
        return self.nodes[0]

    @property
    def output(self) -> Node:
        return self.nodes[-1]

    @property
    def names(self) -> list[str]:
        return [n.name for n in self.nodes]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __getitem__(self, name: str) -> Node:
        try:
            return self._index[name]
        except KeyError:
            raise NotFoundError(
                f"The model has no node named {name!r}.",
                "Node names are listed by Model.graph() and the /api/graph route.",
            ) from None

    def check(self, names: list[str] | tuple[str, ...]) -> list[str]:
        """``names`` if every one is a node, else a NotFoundError naming the first unknown one."""
        for name in names:
            self[name]
        return list(names)

    def to_dict(self) -> dict[str, Any]:
        return {
            "approximate": self.approximate,
            "reason": self.reason,
            "nodes": [asdict(n) for n in self.nodes],
        }

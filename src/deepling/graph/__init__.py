"""Model graphs: torch.fx tracing, with a module-hook fallback for untraceable models."""

from deepling.graph.types import Graph, Node

__all__ = ["Graph", "Node"]

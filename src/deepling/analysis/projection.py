"""Layer-by-layer projections: the same images laid out in 2-D at every layer, each layout
aligned to the one before, so that an animation between layers shows clusters forming.

The activations are streamed: pivots are chosen per layer on a small random sample, then every
image passes through the model once and only its squared distances to each layer's k pivots
are kept (N x k per layer), never the activations themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepling.analysis.pivot_mds import (
    max_min_pivots,
    mds_from_pivot_distances,
    procrustes_align,
)
from deepling.graph.types import Graph
from deepling.models.model import Model
from deepling.progress import Progress, no_progress

# Ops whose layout would repeat the previous node's: reshapes and pass-throughs, and batch norm,
# which at inference is a fixed per-channel affine map of its input (deployment tools fold it
# into the convolution before it). Any of them can still be projected by naming it in `nodes`.
PASS_THROUGH_OPS = frozenset({
    "view", "reshape", "flatten", "contiguous", "getitem", "dropout", "dropout2d", "identity",
    "clone", "detach", "squeeze", "unsqueeze", "permute", "transpose", "to", "float", "type_as",
    "batch_norm",
})  # fmt: skip

# Floats of sample activations held at once while choosing pivots (256 MB as float32).
SAMPLE_BUDGET = 64 * 2**20


@dataclass(frozen=True)
class Projection:
    """``coords`` ``(L, N, 2)`` float32 in [-1, 1]: image i at layer ``nodes[l]`` is
    ``coords[l, i]``; the point order is the input order at every layer."""

    nodes: list[str]
    coords: np.ndarray


def default_nodes(graph: Graph) -> list[str]:
    """Every node from input to output except reshapes, pass-throughs and batch norm."""
    return [n.name for n in graph.nodes if n.op not in PASS_THROUGH_OPS]


def _flat(acts: Tensor) -> np.ndarray:
    return acts.reshape(acts.shape[0], -1).float().numpy()


def _node_chunks(model: Model, names: list[str], rows: int) -> list[list[str]]:
    """``names`` split so that ``rows`` images' activations of one chunk fit SAMPLE_BUDGET."""
    chunks: list[list[str]] = [[]]
    size = 0
    for name in names:
        width = int(np.prod(model.graph()[name].shape, dtype=np.int64)) * rows
        if chunks[-1] and size + width > SAMPLE_BUDGET:
            chunks.append([])
            size = 0
        chunks[-1].append(name)
        size += width
    return chunks


def _choose_layer_pivots(
    model: Model, x: Tensor, names: list[str], k: int, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per layer, the indices (into ``x``) and activation vectors of its ``k`` pivots, chosen
    by max-min on one random sample of images shared by all layers."""
    n = x.shape[0]
    sample = np.sort(rng.choice(n, size=min(n, max(4 * k, 200)), replace=False))
    images = x[torch.as_tensor(sample)]
    indices: dict[str, np.ndarray] = {}
    vectors: dict[str, np.ndarray] = {}
    for chunk in _node_chunks(model, names, len(sample)):
        acts = model.activations(images, chunk)
        for name in chunk:
            flat = _flat(acts[name])
            chosen = max_min_pivots(flat, k, rng)
            indices[name] = sample[chosen]
            vectors[name] = np.ascontiguousarray(flat[chosen])
    return indices, vectors


class PivotDistances(nn.Module):
    """Squared distances ``(B, k)`` from a batch of activations to fixed pivots, as one matrix
    product (‖a‖² + ‖p‖² − 2 a·p): what the projection keeps of each layer."""

    weight: Tensor
    pivot_norms: Tensor

    def __init__(self, pivots: np.ndarray) -> None:
        super().__init__()
        vectors = torch.from_numpy(np.ascontiguousarray(pivots, dtype=np.float32))
        # As a linear layer, −2·a·pᵀ + ‖p‖² is one call (F.linear picks the fastest GEMM).
        self.register_buffer("weight", -2.0 * vectors)
        self.register_buffer("pivot_norms", vectors.pow(2).sum(dim=1))

    def forward(self, acts: Tensor) -> Tensor:
        flat = acts.reshape(acts.shape[0], -1).float()
        d2 = F.linear(flat, self.weight, self.pivot_norms)
        # vector_norm reads the activations once; pow(2).sum() would write a copy first.
        norms = torch.linalg.vector_norm(flat, dim=1, keepdim=True).square_()
        return d2.add_(norms).clamp_(min=0.0)


def _fit_unit_square(layout: np.ndarray) -> np.ndarray:
    centred = layout - layout.mean(axis=0)
    extent = float(np.abs(centred).max()) if centred.size else 0.0
    fitted: np.ndarray = (centred / extent if extent > 0 else centred).astype(np.float32)
    return fitted


def layer_projection(
    model: Model,
    x: Tensor,
    nodes: list[str] | None = None,
    pivots: int = 50,
    seed: int = 0,
    *,
    batch_size: int = 256,
    progress: Progress = no_progress,
) -> Projection:
    """Project images ``x`` (N, C, H, W) in [0, 1] at each of ``nodes`` (default:
    ``default_nodes``) with PivotMDS, each layer Procrustes-aligned to the previous one."""
    names = model.graph().check(nodes) if nodes is not None else default_nodes(model.graph())
    x = model.check_images(x)
    n = x.shape[0]
    if n == 0 or not names:
        return Projection(names, np.zeros((len(names), n, 2), dtype=np.float32))
    k = max(1, min(pivots, n))
    rng = np.random.default_rng(seed)
    unique = list(dict.fromkeys(names))
    pivot_index, pivot_vectors = _choose_layer_pivots(model, x, unique, k, rng)
    reducers: dict[str, nn.Module] = {
        name: PivotDistances(pivot_vectors[name]).to(model.device) for name in unique
    }
    distances = model.reduce(x, reducers, batch_size=batch_size, progress=progress)
    own_layout = {name: mds_from_pivot_distances(distances.pop(name).numpy(), pivot_index[name])
                  for name in unique}  # fmt: skip
    layouts: list[np.ndarray] = []
    for name in names:
        layout = own_layout[name]
        layouts.append(layout if not layouts else procrustes_align(layouts[-1], layout))
    return Projection(names, np.stack([_fit_unit_square(layout) for layout in layouts]))

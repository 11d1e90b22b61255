"""Linear CKA between every layer of one model and every layer of another, over a dataset.

Minibatch CKA with the unbiased HSIC estimator (Nguyen, Raghu and Kornblith, 2021, "Do Wide and
Deep Networks Learn the Same Things?"): for each minibatch of n images, the Gram matrices
``K = X Xᵀ`` of every layer of A and ``L = Y Yᵀ`` of every layer of B, then

    HSIC₁(K, L) = [tr(K̃L̃) + 1ᵀK̃1 · 1ᵀL̃1 / ((n-1)(n-2)) - 2/(n-2) · 1ᵀK̃L̃1] / (n(n-3))

(K̃, L̃: the Grams with their diagonals zeroed), summed over minibatches, and
``CKA = ΣHSIC₁(K, L) / sqrt(ΣHSIC₁(K, K) · ΣHSIC₁(L, L))``. Unbiased, so the estimate does
not depend on the minibatch size, and streamed: only one minibatch's Grams exist at a time.

Why by hand: the CKA packages on PyPI (torch_cka, ckatorch) hook modules and keep every
layer's features for a batch; here the Grams are reduced inside the model's graph right after
each node (``Model.reduce_stream``), both models see each batch once, and every layer pair's
HSIC comes from two matrix products per batch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterator, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from deepling.analysis.projection import default_nodes
from deepling.data.base import Dataset
from deepling.data.stream import Batch, pass_batches
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.progress import Progress, no_progress

# Images per Gram (and per batch): the Grams' cost per image grows with it, the estimate's
# expectation does not; larger suits a GPU better.
MINIBATCH = 128


class Gram(nn.Module):
    """Activations ``(n, ...)`` of one minibatch -> its Gram ``(1, n, n)`` float32, or
    ``(0, n, n)`` for fewer than 4 images (the estimator needs n >= 4)."""

    def forward(self, acts: Tensor) -> Tensor:
        flat = acts.reshape(acts.shape[0], -1).float()
        with torch.autocast(flat.device.type, enabled=False):
            gram = flat @ flat.T
        return gram[None] if len(flat) >= 4 else gram[None][:0]


class HSICTerms:
    """One minibatch's Grams of L layers ``(L, n, n)`` as the three pieces HSIC₁ needs:
    the zero-diagonal Grams flattened ``(L, n²)``, their row sums ``(L, n)`` and totals
    ``(L,)``, in float64."""

    def __init__(self, grams: Tensor) -> None:
        g = grams.double().clone()
        self.n = g.shape[-1]
        g.diagonal(dim1=-2, dim2=-1).zero_()
        self.flat = g.flatten(1)
        self.rows = g.sum(dim=-1)
        self.totals = self.rows.sum(dim=-1)


def pair_hsic(a: HSICTerms, b: HSICTerms) -> Tensor:
    """HSIC₁ between every layer of ``a`` and every layer of ``b``: ``(La, Lb)``."""
    n = a.n
    trace = a.flat @ b.flat.T
    totals = torch.outer(a.totals, b.totals) / ((n - 1) * (n - 2))
    cross = (a.rows @ b.rows.T) * (2 / (n - 2))
    return (trace + totals - cross) / (n * (n - 3))


def self_hsic(a: HSICTerms) -> Tensor:
    """HSIC₁ of each layer with itself, ``(L,)``: the diagonal of ``pair_hsic(a, a)``."""
    n = a.n
    trace = a.flat.square().sum(dim=1)
    totals = a.totals.square() / ((n - 1) * (n - 2))
    cross = a.rows.square().sum(dim=1) * (2 / (n - 2))
    return (trace + totals - cross) / (n * (n - 3))


class CKAAccumulator:
    """Sums of HSIC₁ over minibatches; ``value()`` is the CKA ``(La, Lb)``."""

    def __init__(self, la: int, lb: int) -> None:
        self.cross = torch.zeros(la, lb, dtype=torch.float64)
        self.own_a = torch.zeros(la, dtype=torch.float64)
        self.own_b = torch.zeros(lb, dtype=torch.float64)
        self.minibatches = 0

    def add(self, grams_a: Tensor, grams_b: Tensor) -> None:
        """Grams of the same minibatch: ``(La, n, n)`` and ``(Lb, n, n)``."""
        a, b = HSICTerms(grams_a), HSICTerms(grams_b)
        self.cross += pair_hsic(a, b)
        self.own_a += self_hsic(a)
        self.own_b += self_hsic(b)
        self.minibatches += 1

    def value(self) -> np.ndarray:
        scale = torch.sqrt(torch.outer(self.own_a, self.own_b))
        values = torch.where(scale > 0, self.cross / scale, torch.nan)
        return values.numpy()


def features_cka(
    features_a: Sequence[Tensor], features_b: Sequence[Tensor], minibatch: int = MINIBATCH
) -> np.ndarray:
    """Minibatch CKA between feature matrices already in hand: ``features_a[i]`` ``(N, ...)``
    and ``features_b[j]`` ``(N, ...)`` for the same N images, ``(La, Lb)``."""
    count = len(features_a[0])
    accumulator = CKAAccumulator(len(features_a), len(features_b))
    gram = Gram()
    for start in range(0, count, minibatch):
        end = min(start + minibatch, count)
        if end - start < 4:
            break
        a = torch.stack([gram(f[start:end])[0] for f in features_a])
        b = torch.stack([gram(f[start:end])[0] for f in features_b])
        accumulator.add(a, b)
    return accumulator.value()


def cka(
    model_a: Model,
    model_b: Model,
    data: Dataset | Tensor,
    nodes_a: Sequence[str] | None = None,
    nodes_b: Sequence[str] | None = None,
    *,
    indices: Sequence[int] | np.ndarray | None = None,
    minibatch: int = MINIBATCH,
    progress: Progress = no_progress,
) -> np.ndarray:
    """Linear CKA ``(La, Lb)`` between every node of ``nodes_a`` in ``model_a`` and every node
    of ``nodes_b`` in ``model_b`` (each by default its ``default_nodes``), over the images of
    ``data`` (a Dataset, streamed: its images ``indices``, default all; or images ``(N, C, H,
    W)`` in [0, 1]). Both models see each batch (one minibatch) once; they may differ in
    architecture but take the same input size. At least 4 images are needed; a last
    minibatch of fewer than 4 is left out (the estimate is unbiased without it)."""
    if model_a.input_shape != model_b.input_shape:
        raise DeeplingError(
            f"The two models take different inputs: {model_a.input_shape} and "
            f"{model_b.input_shape}.",
            "CKA compares two models on the same images.",
        )
    names_a = (
        model_a.graph().check(list(nodes_a))
        if nodes_a is not None
        else default_nodes(model_a.graph())
    )
    names_b = (
        model_b.graph().check(list(nodes_b))
        if nodes_b is not None
        else default_nodes(model_b.graph())
    )
    if not 4 <= minibatch:
        raise DeeplingError(f"minibatch must be at least 4 images, got {minibatch}.")
    if isinstance(data, Tensor):
        data = model_a.check_images(data)
    # One batch, one minibatch: its Grams are reduced in the graph as it passes.
    total, batches = pass_batches(
        data, model_a.input_shape, model_a.device, indices=indices, batch_size=minibatch
    )
    if total < 4:
        raise DeeplingError(f"CKA needs at least 4 images, got {total}.")
    grams_a: dict[str, nn.Module] = {name: Gram() for name in dict.fromkeys(names_a)}
    grams_b: dict[str, nn.Module] = {name: Gram() for name in dict.fromkeys(names_b)}
    accumulator = CKAAccumulator(len(names_a), len(names_b))
    pending: deque[Batch] = deque()

    def seen_by_a() -> Iterator[Batch]:
        for batch in batches:
            pending.append(batch)
            yield batch

    def seen_by_b() -> Iterator[Batch]:
        while pending:  # each batch A has taken, once A has reduced it
            positions, x = pending.popleft()
            yield positions, x.to(model_b.device)

    stream_a = model_a.reduce_stream(seen_by_a(), grams_a)
    stream_b = model_b.reduce_stream(seen_by_b(), grams_b)
    progress(0, total)
    try:
        for (positions, found_a), (_, found_b) in zip(stream_a, stream_b, strict=False):
            a = torch.stack([found_a[name] for name in names_a], dim=1)  # (m, La, n, n)
            b = torch.stack([found_b[name] for name in names_b], dim=1)
            for k in range(a.shape[0]):
                accumulator.add(a[k], b[k])
            progress(int(positions[-1]) + 1, total)
    finally:  # a cancelled pass stops both models' streams (and the decoding) now
        for stream in (stream_a, stream_b):
            if isinstance(stream, Generator):
                stream.close()
    if accumulator.minibatches == 0:
        raise DeeplingError(f"CKA needs at least 4 readable images, got fewer of {total}.")
    return accumulator.value()

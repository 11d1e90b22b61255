"""PivotMDS (Brandes & Pich 2006) and the Procrustes alignment between layouts.

Written by hand because no maintained library offers either: PivotMDS approximates classical
(Torgerson) MDS from the squared distances of all N points to k pivots, in O(N·k·D) time.
"""

from __future__ import annotations

import numpy as np

# Pivots are chosen by max-min on a random sketch of this many points (at least 8 per pivot):
# as good as exact max-min and far cheaper than k passes over all N x D values.
SKETCH_SIZE = 2048


def squared_distances(x: np.ndarray, pivots: np.ndarray) -> np.ndarray:
    """``(N, k)`` squared Euclidean distances as one matrix product: ‖x‖² + ‖p‖² − 2 x·p."""
    d2 = np.einsum("nd,nd->n", x, x)[:, None] + np.einsum("kd,kd->k", pivots, pivots)[None, :]
    d2 -= 2.0 * (x @ pivots.T)
    clamped: np.ndarray = np.maximum(d2, 0.0, out=d2)  # rounding can make ~0 slightly negative
    return clamped


def max_min_pivots(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``k`` rows of ``x`` picked by max-min distance from a random first pivot."""
    n = x.shape[0]
    chosen = [int(rng.integers(n))]
    norms = np.einsum("nd,nd->n", x, x)
    nearest = np.full(n, np.inf, dtype=np.float64)
    for _ in range(1, min(k, n)):
        p = x[chosen[-1]]
        d2 = norms + float(p @ p) - 2.0 * (x @ p)
        np.minimum(nearest, d2, out=nearest)
        nearest[chosen[-1]] = -1.0  # never pick a pivot twice, even among duplicates
        chosen.append(int(np.argmax(nearest)))
    return np.asarray(chosen, dtype=np.int64)


def choose_pivots(
    x: np.ndarray, k: int, rng: np.random.Generator, sketch_size: int = SKETCH_SIZE
) -> np.ndarray:
    """Indices of ``k`` pivots among the rows of ``x``: max-min on a random sketch when N is
    large, exact max-min otherwise."""
    n = x.shape[0]
    if n <= max(sketch_size, 8 * k):
        return max_min_pivots(x, k, rng)
    sketch = np.sort(rng.choice(n, size=max(sketch_size, 8 * k), replace=False))
    chosen: np.ndarray = sketch[max_min_pivots(x[sketch], k, rng)]
    return chosen


def mds_from_pivot_distances(d2: np.ndarray, pivots: np.ndarray) -> np.ndarray:
    """2-D coordinates from squared distances ``d2`` (N, k) to the pivots, which are the rows
    ``pivots`` of the same point set.

    Double centring turns ``d2`` into C = Yc·Pcᵀ for Euclidean data (Yc the centred points, Pc
    the centred pivots); its top two left singular vectors U span the layout. The metric within
    that span, G = Uᵀ·C·Up·(Upᵀ·Up)⁻¹ with Up the pivots' rows of U, gives coordinates U·G^½:
    exactly classical MDS (U·Σ^½) when k = N, and a plane embedded in any dimension comes back
    as that plane up to rotation for any k ≥ 3 pivots in general position.
    """
    n, k = d2.shape
    c = d2.astype(np.float64)
    c -= c.mean(axis=0, keepdims=True)
    c -= c.mean(axis=1, keepdims=True)
    c *= -0.5
    # Left singular vectors of the thin N x k matrix through its k x k Gram matrix.
    eigenvalues, w = np.linalg.eigh(c.T @ c)
    order = np.argsort(eigenvalues)[::-1][:2]
    sigma = np.sqrt(np.clip(eigenvalues[order], 0.0, None))
    scale = sigma.max() if sigma.size else 0.0
    keep = sigma > max(scale, 1e-300) * 1e-9
    u = np.zeros((n, 2))
    u[:, : int(keep.sum())] = (c @ w[:, order[keep]]) / sigma[keep]
    if not keep.any():
        return np.zeros((n, 2))
    up = u[pivots] - u[pivots].mean(axis=0)
    metric = (u.T @ c @ up) @ np.linalg.pinv(up.T @ up)
    metric = 0.5 * (metric + metric.T)
    values, vectors = np.linalg.eigh(metric)
    root = vectors @ np.diag(np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    coords: np.ndarray = u @ root
    return coords


def pivot_mds(
    x: np.ndarray, k: int = 50, seed: int = 0, *, sketch_size: int = SKETCH_SIZE
) -> np.ndarray:
    """PivotMDS layout of the rows of ``x`` (N, D): ``(N, 2)`` float64.

    ``k`` pivots are chosen by max-min distance (seeded first pivot; on a random sketch for
    large N; ``sketch_size >= N`` makes it exact). With k >= N the result is classical MDS,
    scale included. N < 3, duplicate points
    and constant data are handled (constant data gives all zeros).
    """
    x = np.asarray(x, dtype=np.float32)
    n = x.shape[0]
    if n <= 1:
        return np.zeros((n, 2))
    x = np.ascontiguousarray(x.reshape(n, -1))
    rng = np.random.default_rng(seed)
    pivots = choose_pivots(x, max(1, min(k, n)), rng, sketch_size)
    return mds_from_pivot_distances(squared_distances(x, x[pivots]), pivots)


def procrustes_align(reference: np.ndarray, layout: np.ndarray) -> np.ndarray:
    """``layout`` (N, 2) translated, uniformly scaled and rotated onto ``reference`` (N, 2).

    The mirrored layout is tried too, and the better fit (smaller squared error) is kept, so a
    layout that is a mirrored rotation of the reference comes back onto it.
    """
    ref = np.asarray(reference, dtype=np.float64)
    lay = np.asarray(layout, dtype=np.float64)
    ref_mean, lay_mean = ref.mean(axis=0), lay.mean(axis=0)
    a, b = ref - ref_mean, lay - lay_mean
    norm_b = float((b * b).sum())
    if norm_b == 0.0 or not np.isfinite(norm_b):
        return np.broadcast_to(ref_mean, lay.shape).copy()
    best: tuple[float, np.ndarray] | None = None
    for mirror in (np.eye(2), np.diag([1.0, -1.0])):
        bm = b @ mirror
        u, s, vt = np.linalg.svd(bm.T @ a)
        d = np.sign(np.linalg.det(u @ vt)) or 1.0
        s[-1] *= d
        rotation = u @ np.diag([1.0, d]) @ vt  # a proper rotation of the (mirrored) layout
        scale = s.sum() / norm_b
        fitted = scale * bm @ rotation
        error = float(((fitted - a) ** 2).sum())
        if best is None or error < best[0] - 1e-12:
            best = (error, fitted)
    assert best is not None
    aligned: np.ndarray = best[1] + ref_mean
    return aligned

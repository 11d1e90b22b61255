"""Choosing a strip's frames from the kept points of its optimisation path."""

from __future__ import annotations

from torch import Tensor

from deepling.analysis.strip_path import PathPoint


def pick_frames(path: list[PathPoint], original: Tensor, frames: int) -> list[PathPoint]:
    """``frames`` points of ``path`` (kept points, scores rising), spaced evenly in the L2 norm
    of their change from ``original`` ``(C, H, W)``: the first point, the last, and between
    them the point nearest to each even fraction of the last one's norm.

    Points are taken in path order (an index never goes back), so the frames' scores rise too.
    A path with fewer points than ``frames`` repeats points.
    """
    norms = [float((p.pixels - original).norm()) for p in path]
    last = len(path) - 1
    picked = [0]
    for k in range(1, frames - 1):
        level = norms[last] * k / (frames - 1)
        start = picked[-1]
        nearest = min(range(start, last + 1), key=lambda i: abs(norms[i] - level))
        picked.append(nearest)
    picked.append(last)
    return [path[i] for i in picked]

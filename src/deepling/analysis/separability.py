"""How well classes separate in a point set: leave-one-out k-nearest-neighbour accuracy and the
silhouette score, in torch and numpy (sklearn is not a run-time dependency; the tests check
against it).

Both come from one pass over chunks of the pairwise distance matrix, so memory stays at
CHUNK_VALUES distances: meant for bounded samples (a few thousand points), as the cost grows
with the square of their number. Points labelled below 0 are ignored; with fewer than two classes
among the rest neither score means anything, and both are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

NEIGHBOURS = 5
# Distances held at once: query rows per chunk times N (16 MB as float32).
CHUNK_VALUES = 2**22


@dataclass(frozen=True)
class LayerScores:
    """Separability of the classes at each of a projection's L layers, arrays of shape (L,)
    (NaN where fewer than two classes were scored).

    ``knn_layout`` and ``silhouette`` score the 2-D layout on ``layout_points`` labelled images
    (all of them up to a bound, else a fixed random subset, the same at every layer);
    ``knn_full`` scores the full activations on the ``full_points`` labelled images of the
    random sample the pivots are chosen from (their activations are in memory then). ``chance``
    is the accuracy of always guessing the most common class of the layout's scored images.
    """

    knn_layout: np.ndarray
    knn_full: np.ndarray
    silhouette: np.ndarray
    neighbours: int
    layout_points: int
    full_points: int
    chance: float

    def arrays(self) -> dict[str, np.ndarray]:
        """As named arrays (for a cache entry); ``from_arrays`` reads them back."""
        return {
            "scores_knn_layout": self.knn_layout,
            "scores_knn_full": self.knn_full,
            "scores_silhouette": self.silhouette,
            "scores_counts": np.array([self.neighbours, self.layout_points, self.full_points]),
            "scores_chance": np.array(self.chance),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> LayerScores | None:
        if "scores_knn_layout" not in arrays:
            return None
        neighbours, layout_points, full_points = (int(v) for v in arrays["scores_counts"])
        return cls(
            arrays["scores_knn_layout"],
            arrays["scores_knn_full"],
            arrays["scores_silhouette"],
            neighbours,
            layout_points,
            full_points,
            float(arrays["scores_chance"]),
        )


def _codes(labels: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The rows labelled >= 0, their labels as 0..C-1, and C."""
    y = np.asarray(labels).reshape(-1)
    if y.shape[0] != n:
        raise ValueError(f"{n} points but {y.shape[0]} labels")
    keep = np.flatnonzero(y >= 0)
    classes, codes = np.unique(y[keep], return_inverse=True)
    return keep, codes.reshape(-1), len(classes)


class _Tally:
    """Leave-one-out kNN votes and silhouettes, summed over chunks of the distance matrix.

    torch for the few large operations per chunk (distances, their class sums, the nearest
    neighbours), numpy for the many small ones after: torch's thread pool makes each small
    operation cost milliseconds whenever the machine is busy (a server, a training run)."""

    def __init__(self, y: np.ndarray, classes: int, neighbours: int, dtype: torch.dtype) -> None:
        self.y = y
        self.classes = classes
        self.k = min(neighbours, len(y) - 1)
        self.one_hot = torch.nn.functional.one_hot(torch.from_numpy(y), classes).to(dtype)
        self.sizes = np.bincount(y, minlength=classes)
        self.correct = 0
        self.silhouette = 0.0

    def add(self, d: Tensor, rows: np.ndarray, silhouette: bool) -> None:
        """``d`` (len(rows), n): distances from points ``rows`` to all (for kNN alone, any
        increasing function of them will do). Overwritten."""
        own = self.y[rows]
        at = np.arange(len(rows))
        diagonal = (torch.from_numpy(at), torch.from_numpy(rows))
        if silhouette:
            d[diagonal] = 0.0  # exactly, whatever the rounding
            # Mean distance to each class; to the own class without the point itself.
            sums = (d @ self.one_hot).double().numpy()
            own_size = self.sizes[own]
            a = sums[at, own] / np.maximum(own_size - 1, 1)
            means = sums / np.maximum(self.sizes, 1)
            means[at, own] = np.inf
            b = means.min(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                s = (b - a) / np.maximum(a, b)
            # sklearn's conventions: 0 for a class of one point, and where a = b = 0.
            self.silhouette += float(np.where((own_size > 1) & np.isfinite(s), s, 0.0).sum())
        d[diagonal] = float("inf")  # leave the point itself out
        nearest = d.topk(self.k, dim=1, largest=False).indices.numpy()
        cells = (at[:, None] * self.classes + self.y[nearest]).reshape(-1)
        votes = np.bincount(cells, minlength=len(rows) * self.classes)
        # argmax takes the first of tied classes: the smallest label, as sklearn's mode does.
        self.correct += int((votes.reshape(len(rows), self.classes).argmax(axis=1) == own).sum())


def _scores(
    x: Tensor | np.ndarray, labels: np.ndarray, neighbours: int, silhouette: bool
) -> tuple[float, float]:
    """Leave-one-out kNN accuracy and (if asked, else NaN) the silhouette score."""
    points = torch.as_tensor(x)
    keep, y, classes = _codes(labels, points.shape[0])
    n = len(keep)
    if classes < 2:
        return float("nan"), float("nan")
    # No copy of (possibly wide) activations when every row is labelled.
    if n < points.shape[0]:
        points = points[torch.from_numpy(keep)]
    points = points.reshape(n, int(np.prod(points.shape[1:], dtype=np.int64))).float()
    # Few dimensions (layouts): differences taken directly. Many (activations): squared distances
    # through one matrix product, several times faster than torch.cdist there.
    low = points.shape[1] <= 64
    squares = points.square().sum(dim=1)
    tally = _Tally(y, classes, neighbours, points.dtype)
    chunk = max(64, CHUNK_VALUES // n)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(n, start + chunk))
        queries = points[start : start + chunk]
        if low:
            d = torch.cdist(queries, points, compute_mode="donot_use_mm_for_euclid_dist")
        else:
            d = torch.addmm(squares, queries, points.T, alpha=-2.0)
            d.add_(squares[start : start + chunk, None]).clamp_(min=0.0)
            if silhouette:
                d.sqrt_()
        tally.add(d, rows, silhouette)
    return tally.correct / n, (tally.silhouette / n if silhouette else float("nan"))


def knn_accuracy(x: Tensor | np.ndarray, labels: np.ndarray, neighbours: int = NEIGHBOURS) -> float:
    """Leave-one-out accuracy of a ``neighbours``-nearest-neighbour vote (Euclidean, uniform
    weights, ties to the smallest label) over the rows of ``x`` labelled >= 0."""
    return _scores(x, labels, neighbours, silhouette=False)[0]


def knn_accuracy_from_gram(
    gram: np.ndarray, labels: np.ndarray, neighbours: int = NEIGHBOURS
) -> float:
    """``knn_accuracy`` of points given by their Gram matrix ``gram`` (n, n) of inner products
    (where it is already at hand: no second pass over wide vectors)."""
    keep, y, classes = _codes(labels, gram.shape[0])
    if classes < 2:
        return float("nan")
    g = torch.from_numpy(np.asarray(gram, dtype=np.float64)[np.ix_(keep, keep)])
    squares = torch.diagonal(g)
    d2 = (squares[:, None] + squares[None, :]).sub_(2.0 * g)
    tally = _Tally(y, classes, neighbours, torch.float64)
    tally.add(d2, np.arange(len(keep)), silhouette=False)
    return tally.correct / len(keep)


def silhouette_score(x: Tensor | np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette (Euclidean) of the rows of ``x`` labelled >= 0, grouped by label."""
    return _scores(x, labels, NEIGHBOURS, silhouette=True)[1]


def knn_and_silhouette(
    x: Tensor | np.ndarray, labels: np.ndarray, neighbours: int = NEIGHBOURS
) -> tuple[float, float]:
    """Both scores from one pass over the distances."""
    return _scores(x, labels, neighbours, silhouette=True)


def majority_share(labels: np.ndarray) -> float:
    """The share of the most common label among those >= 0 (NaN below two classes)."""
    y = np.asarray(labels).reshape(-1)
    counts = np.bincount(y[y >= 0])
    return float(counts.max() / counts.sum()) if np.count_nonzero(counts) >= 2 else float("nan")

"""How alike two attribution maps are: rank correlation and structural similarity.

Maps are compared by their *absolute* values, as Adebayo et al. (2018) do: a randomised model
may flip a signed map's sign, and a map that only flips sign still "explains" the same pixels.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of a flat array, ties given their average rank (as scipy's ``rankdata``).
    Ties matter: ReLU'd maps such as Grad-CAM's hold many exact zeros."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    mean_rank = (starts + ends + 1) / 2.0  # ranks of a tie group start+1..end, averaged
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def spearman(a: Tensor, b: Tensor) -> float:
    """Spearman's correlation of the values of ``a`` and ``b``; 0 where either is constant."""
    ra = average_ranks(a.double().flatten().numpy())
    rb = average_ranks(b.double().flatten().numpy())
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / denominator) if denominator > 0 else 0.0


def rank_correlation(a: Tensor, b: Tensor) -> float:
    """Spearman's correlation of |a| and |b| over pixels (maps compared as Adebayo et al.)."""
    return spearman(a.abs(), b.abs())


def _scaled(m: Tensor) -> Tensor:
    magnitude = m.abs().double()
    top = magnitude.max()
    return magnitude / top if top > 0 else magnitude


def ssim(a: Tensor, b: Tensor, window: int = 7) -> float:
    """Mean structural similarity (Wang et al., 2004) of |a| and |b|, each scaled to [0, 1] by
    its maximum: a uniform ``window`` x ``window`` filter without padding, constants
    K1 = 0.01 and K2 = 0.03, as scikit-image's ``structural_similarity`` with data_range=1."""
    x, y = _scaled(a)[None, None], _scaled(b)[None, None]
    size = min(window, x.shape[-1], x.shape[-2])
    size -= 1 - size % 2  # odd
    kernel = torch.full((1, 1, size, size), 1.0 / size**2, dtype=torch.float64)
    n = size * size
    correction = n / (n - 1) if n > 1 else 1.0  # unbiased (co)variances, as scikit-image
    mx, my = F.conv2d(x, kernel), F.conv2d(y, kernel)
    vx = (F.conv2d(x * x, kernel) - mx * mx) * correction
    vy = (F.conv2d(y * y, kernel) - my * my) * correction
    cxy = (F.conv2d(x * y, kernel) - mx * my) * correction
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    # scikit-image crops (window - 1) / 2 from each side before averaging: the valid
    # convolution above already covers exactly those pixels.
    return float(s.mean())

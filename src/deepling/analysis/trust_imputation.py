"""ROAD's noisy linear imputation (Rong et al., 2022), batched on the model's device.

A removed pixel becomes the weighted mean of its 8 neighbours (weight 1/6 for the 4 direct
ones, 1/12 for the diagonals), known or removed themselves, plus a little noise: the linear
system of the ROAD paper and of Quantus's ``noisy_linear_imputation``. Unlike replacing
pixels with a constant, it leaves no sharp mask edges for the model to read the removed
region's shape from.

Quantus solves the system per image with scipy's sparse LU, and its ROAD fails on colour
images (it indexes an (H*W) mask with (C*H*W) indices). Here the system is solved for every
image, channel and removal fraction at once with conjugate gradients on convolutions (the
matrix is symmetric positive definite wherever each removed region touches a known pixel), so
it runs on a GPU with the model; tests compare it with Quantus's exact solve.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

_NEIGHBOURS = torch.tensor(
    [[1 / 12, 1 / 6, 1 / 12], [1 / 6, 0.0, 1 / 6], [1 / 12, 1 / 6, 1 / 12]], dtype=torch.float64
)


def _weighted_neighbours(x: Tensor) -> Tensor:
    """Per pixel of ``(B, 1, H, W)``, the weighted sum of its neighbours inside the image."""
    kernel = _NEIGHBOURS.to(x.device, x.dtype)[None, None]
    return F.conv2d(x, kernel, padding=1)


def linear_imputation(
    images: Tensor, removed: Tensor, *, tolerance: float = 1e-6, max_iterations: int | None = None
) -> Tensor:
    """``images`` ``(N, C, H, W)`` with the pixels where ``removed`` ``(N, H, W)`` is True
    replaced by the solution of the neighbour-mean system (no noise)."""
    n, c, h, w = images.shape
    # float64 keeps CG's sums exact enough; MPS has no float64, so it solves in float32 there.
    dtype = torch.float32 if images.device.type == "mps" else torch.float64
    x = images.to(dtype).reshape(n * c, 1, h, w)
    unknown = removed.to(images.device)[:, None].expand(n, c, h, w).reshape(n * c, 1, h, w)
    unknown = unknown.to(dtype)
    known = 1.0 - unknown
    degree = _weighted_neighbours(torch.ones_like(x))  # < 1 at the border

    def apply(v: Tensor) -> Tensor:  # (D - W_uu) v on the removed pixels, 0 elsewhere
        return unknown * (degree * v - _weighted_neighbours(v * unknown))

    b = unknown * _weighted_neighbours(x * known)
    solution = b / degree  # a first guess: the known neighbours' share of the mean
    residual = b - apply(solution)
    direction = residual.clone()
    rr = (residual * residual).sum(dim=(1, 2, 3), keepdim=True)
    scale = (b * b).sum(dim=(1, 2, 3), keepdim=True).clamp_min(1e-30)
    limit = max_iterations or 4 * (h + w)  # CG on a grid Laplacian needs about its diameter
    for _ in range(limit):
        if bool((rr <= tolerance**2 * scale).all()):
            break
        step = apply(direction)
        alpha = rr / (direction * step).sum(dim=(1, 2, 3), keepdim=True).clamp_min(1e-30)
        solution = solution + alpha * direction
        residual = residual - alpha * step
        rr_next = (residual * residual).sum(dim=(1, 2, 3), keepdim=True)
        direction = residual + (rr_next / rr.clamp_min(1e-30)) * direction
        rr = rr_next
    filled = torch.where(unknown.bool(), solution, x)
    return filled.reshape(n, c, h, w).to(images.dtype)


def noisy_linear_imputation(
    images: Tensor,
    removed: Tensor,
    *,
    noise: float = 0.01,
    generator: torch.Generator | None = None,
) -> Tensor:
    """``linear_imputation`` plus Gaussian noise of std ``noise`` on the imputed pixels. Solved
    to a relative residual of 1e-4 (pixel errors up to about 2e-3 at 224 px, a fifth of the
    default noise it then adds)."""
    filled = linear_imputation(images, removed, tolerance=1e-4)
    jitter = torch.randn(filled.shape, generator=generator, dtype=filled.dtype)
    mask = removed[:, None].to(filled.device)
    return torch.where(mask, filled + noise * jitter.to(filled.device), filled)

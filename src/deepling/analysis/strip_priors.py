"""What keeps an adversarial strip readable: a smoothness prior on each step, a budget on the
whole change, and the norms that measure it.

Written by hand (no attack library offers a smoothed, monotone, frame-recording path): each
piece is a few tensor ops on a batch of perturbations ``(B, C, H, W)`` in pixel space.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

Norm = Literal["linf", "l2"]
NORMS: tuple[Norm, ...] = ("linf", "l2")
TINY = 1e-12


def default_smoothing(height: int, width: int) -> float:
    """The blur's standard deviation in pixels: one pixel on a 32x32 image, growing with the
    image so that the change has the same structure at any size."""
    return max(height, width) / 16


def gaussian_kernel(sigma: float, device: torch.device) -> Tensor:
    """A normalised 1-D Gaussian ``(K,)`` with K = 2 * ceil(2 sigma) + 1."""
    radius = max(1, math.ceil(2 * sigma))
    offsets = torch.arange(-radius, radius + 1, device=device, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    return kernel / kernel.sum()


def blur(values: Tensor, kernel: Tensor | None) -> Tensor:
    """Separable Gaussian blur of ``(B, C, H, W)`` per channel (reflecting at the borders, so the
    edges are not darkened); ``kernel`` None leaves the values as they are."""
    if kernel is None:
        return values
    b, c, h, w = values.shape
    radius = kernel.numel() // 2
    x = values.reshape(b * c, 1, h, w)
    # Reflection needs the pad to be smaller than the side; tiny images fall back to replicate.
    mode = "reflect" if radius < min(h, w) else "replicate"
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode=mode), kernel.view(1, 1, 1, -1))
    x = F.conv2d(F.pad(x, (0, 0, radius, radius), mode=mode), kernel.view(1, 1, -1, 1))
    return x.reshape(b, c, h, w)


def octaves(values: Tensor, count: int) -> Tensor:
    """``values`` ``(B, C, H, W)`` summed over ``count`` scales: as they are, then average-pooled
    by 2, 4, ... and brought back (bilinear). A step along the sum moves coarse structure as
    much as fine detail: the multi-scale "octaves" of DeepDream, as a preconditioner, so that
    one path (and one frame record) covers every scale. Scales under 2 px are skipped."""
    height, width = values.shape[-2:]
    total = values
    for octave in range(1, count):
        factor = 2**octave
        if min(height, width) < 2 * factor:
            break
        coarse = F.avg_pool2d(values, factor, ceil_mode=True)
        total = total + F.interpolate(
            coarse, size=(height, width), mode="bilinear", align_corners=False
        )
    return total


def correlate_colour(values: Tensor, colour: Tensor) -> Tensor:
    """``colour @ colour.T`` applied to the channels of ``(B, 3, H, W)``: a gradient step taken
    in decorrelated colour (as feature visualisation does) and mapped back to RGB, so that
    luminance and hue move as natural images vary rather than as independent channels."""
    mix = colour @ colour.T
    return torch.einsum("ij,bjhw->bihw", mix.to(values), values)


def unit_step(direction: Tensor) -> Tensor:
    """Scale each image of ``(B, C, H, W)`` so that its largest absolute value is 1: a step of
    size ``lr`` then changes no pixel by more than ``lr`` (the step size is in pixel units)."""
    peak = direction.flatten(1).abs().amax(dim=1).clamp_min(TINY)
    return direction / peak.view(-1, 1, 1, 1)


def project(delta: Tensor, original: Tensor, norm: Norm, budget: float) -> Tensor:
    """The perturbation ``(B, C, H, W)`` brought inside the ``norm`` ball of radius ``budget``,
    then clipped so that ``original + delta`` stays in [0, 1] (clipping only shrinks the
    change, so the budget still holds)."""
    if norm == "linf":
        delta = delta.clamp(-budget, budget)
    else:
        size = delta.flatten(1).norm(dim=1).clamp_min(TINY)
        delta = delta * (budget / size).clamp(max=1.0).view(-1, 1, 1, 1)
    return (original + delta).clamp(0.0, 1.0) - original


def perturbation_norms(delta: Tensor) -> tuple[Tensor, Tensor]:
    """``(L2, L-infinity)`` norms, each ``(B,)``, of the perturbations ``(B, C, H, W)``."""
    flat = delta.flatten(1)
    return flat.norm(dim=1), flat.abs().amax(dim=1)

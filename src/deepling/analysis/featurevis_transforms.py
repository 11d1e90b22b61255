"""Transformation robustness for feature visualisation: each step sees the image jittered,
scaled and rotated at random, so only patterns that survive small moves can excite the channel
(without it the optimum is high-frequency noise).

Sizes are relative to the input, in pixels: Lucid's 8-12 px jitter suits 224-px inputs but
smears a 32-px CIFAR image, which is why CIFAR visualisations from such tools look blurred.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

Transform = Callable[[Tensor, torch.Generator], Tensor]
"""``(images (B, C, H, W) in [0, 1], generator) -> images (B, C, H, W)``, random per image."""


@dataclass(frozen=True)
class RandomAffine:
    """Jitter by up to ``jitter`` pixels, scale by a factor in ``[1 - scale, 1 + scale]`` and
    rotate by up to ``degrees``, all in one resampling (one ``grid_sample``: cheaper than three,
    and blurs once). Pixels brought in from outside the image are grey (0.5), as Lucid pads."""

    jitter: float
    scale: float
    degrees: float

    def __call__(self, images: Tensor, generator: torch.Generator) -> Tensor:
        b, _, h, w = images.shape
        u = torch.rand(b, 4, generator=generator).to(images.device) * 2 - 1  # in [-1, 1)
        angle = u[:, 0] * math.radians(self.degrees)
        zoom = 1 + u[:, 1] * self.scale
        # affine_grid works in [-1, 1] coordinates: one pixel is 2 / size.
        shift_x = u[:, 2] * self.jitter * 2 / w
        shift_y = u[:, 3] * self.jitter * 2 / h
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        theta = torch.stack(
            [torch.stack([cos, -sin, shift_x], 1), torch.stack([sin, cos, shift_y], 1)], 1
        )
        grid = F.affine_grid(theta, list(images.shape), align_corners=False)
        moved = F.grid_sample(images - 0.5, grid, mode="bilinear", padding_mode="zeros",
                              align_corners=False)  # fmt: skip
        return moved + 0.5


def standard_transforms(height: int, width: int) -> list[Transform]:
    """The default robustness for an input of ``height`` x ``width`` pixels: jitter of 1/16 of
    the size (2 px at 32 px, 14 px at 224 px), scale +-5%, rotation +-5 degrees."""
    return [RandomAffine(jitter=max(1.0, min(height, width) / 16), scale=0.05, degrees=5.0)]


def apply_transforms(
    images: Tensor, transforms: list[Transform], generator: torch.Generator
) -> Tensor:
    for transform in transforms:
        images = transform(images, generator)
    return images

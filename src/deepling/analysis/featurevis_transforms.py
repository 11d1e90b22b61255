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

    def thetas(self, count: int, height: int, width: int, generator: torch.Generator) -> Tensor:
        """``count`` random affine matrices ``(count, 2, 3)`` for ``affine_grid``, on the CPU."""
        u = torch.rand(count, 4, generator=generator) * 2 - 1  # in [-1, 1)
        angle = u[:, 0] * math.radians(self.degrees)
        zoom = 1 + u[:, 1] * self.scale
        # affine_grid works in [-1, 1] coordinates: one pixel is 2 / size.
        shift_x = u[:, 2] * self.jitter * 2 / width
        shift_y = u[:, 3] * self.jitter * 2 / height
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        return torch.stack(
            [torch.stack([cos, -sin, shift_x], 1), torch.stack([sin, cos, shift_y], 1)], 1
        )

    def __call__(self, images: Tensor, generator: torch.Generator) -> Tensor:
        b, _, h, w = images.shape
        theta = self.thetas(b, h, w, generator).to(images.device)
        return resample_centred(images - 0.5, affine_grids(theta, h, w)) + 0.5


def affine_grids(thetas: Tensor, height: int, width: int) -> Tensor:
    """``F.affine_grid(thetas, (N, C, height, width), align_corners=False)``, ``(N, H, W, 2)``,
    by broadcasting: affine_grid's batched matmul with an inner size of 3 costs ~20 us per
    32-px grid on a CPU core, this ~2 us."""
    xs = (torch.arange(width, dtype=thetas.dtype, device=thetas.device) * 2 + 1) / width - 1
    ys = (torch.arange(height, dtype=thetas.dtype, device=thetas.device) * 2 + 1) / height - 1
    by_x, by_y, shift = (thetas[:, None, None, :, k] for k in range(3))  # each (N, 1, 1, 2)
    return shift + by_x * xs[None, None, :, None] + by_y * ys[None, :, None, None]


def resample_centred(images: Tensor, grid: Tensor) -> Tensor:
    """Grey-centred ``images`` (pixel - 0.5) sampled at ``grid`` (B, H, W, 2); outside the
    image is 0, i.e. grey, as Lucid pads."""
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


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


StepTransform = Callable[[Tensor, int], Tensor]
"""``(images (B, C, H, W), step) -> images``: the transforms of one optimisation step, on
grey-centred images (pixel - 0.5)."""

GRID_BLOCK = 1 << 22  # floats of precomputed sampling grids held at once (16 MB)


def plan_transforms(
    transforms: list[Transform],
    steps: int,
    shape: tuple[int, int, int, int],
    generator: torch.Generator,
    device: torch.device,
) -> StepTransform:
    """The transforms for ``steps`` steps on grey-centred images of ``shape`` (B, C, H, W). A
    lone RandomAffine draws every step's matrices at once (the same random stream as step by
    step) and builds the sampling grids a block of steps at a time, so that a step costs one
    ``grid_sample``; other transforms run step by step on pixels in [0, 1]."""
    if len(transforms) != 1 or not isinstance(transforms[0], RandomAffine):
        return lambda images, step: apply_transforms(images + 0.5, transforms, generator) - 0.5
    batch, _, height, width = shape
    thetas = transforms[0].thetas(steps * batch, height, width, generator).to(device)
    per_block = max(1, GRID_BLOCK // (batch * height * width * 2))
    grids: dict[int, Tensor] = {}

    def step_transform(images: Tensor, step: int) -> Tensor:
        block, offset = divmod(step, per_block)
        if block not in grids:
            grids.clear()  # steps run in order: the previous block is done with
            first, last = block * per_block * batch, min(steps, (block + 1) * per_block) * batch
            grids[block] = affine_grids(thetas[first:last], height, width)
        return resample_centred(images, grids[block][offset * batch : (offset + 1) * batch])

    return step_transform

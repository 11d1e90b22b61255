"""The small random moves a robust strip must survive: shift, horizontal flip, scale and slight
rotation, drawn once as a fixed set of affine maps and applied to a batch in one resampling.

A fixed set (common random numbers) rather than fresh draws per step is what makes the path's
transform-averaged score a function of the image alone, so that "each kept step raises it" is
checkable; its robustness is then measured on a second, independent set (``robustness``).
Borders are reflected, as the reflect-padded crops CIFAR and ImageNet models are trained with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from deepling.analysis.featurevis_transforms import affine_grids


@dataclass(frozen=True)
class StripTransforms:
    """Shift by up to ``shift`` of the image side (3 px at 32 px for 3/32), flip left-right
    with probability 1/2 (``flip``), scale by a factor in ``[1 - scale, 1 + scale]`` and rotate
    by up to ``degrees``."""

    shift: float = 3 / 32
    scale: float = 0.05
    degrees: float = 5.0
    flip: bool = True

    def draw(self, count: int, generator: torch.Generator, *, identity_first: bool) -> Tensor:
        """``count`` affine maps ``(count, 2, 3)`` for ``affine_grid`` (on the CPU); with
        ``identity_first`` the first is the identity (the plain model's view)."""
        u = torch.rand(count, 5, generator=generator) * 2 - 1  # in [-1, 1)
        angle = u[:, 0] * math.radians(self.degrees)
        zoom = 1 + u[:, 1] * self.scale
        mirror = torch.where((u[:, 4] < 0) & self.flip, -1.0, 1.0)
        # affine_grid coordinates run over [-1, 1]: a shift of s of the side is 2 s.
        shift_x, shift_y = u[:, 2] * self.shift * 2, u[:, 3] * self.shift * 2
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        thetas = torch.stack(
            [
                torch.stack([cos * mirror, -sin, shift_x], 1),
                torch.stack([sin * mirror, cos, shift_y], 1),
            ],
            1,
        )
        if identity_first and count > 0:
            thetas[0] = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        return thetas


class TransformSet:
    """A fixed set of ``len(thetas)`` transforms for images of ``height`` x ``width``: the
    sampling grids are built once. ``identity_first``: the first is the identity and is applied
    by copying (exactly the image, no resampling)."""

    def __init__(
        self, thetas: Tensor, height: int, width: int, device: torch.device, identity_first: bool
    ) -> None:
        self.count = len(thetas)
        self.identity_first = identity_first
        moved = thetas[1:] if identity_first else thetas
        self._grids = affine_grids(moved.to(device), height, width)  # (M', H, W, 2)

    def __call__(self, images: Tensor) -> Tensor:
        """``images`` ``(B, C, H, W)`` -> ``(M * B, C, H, W)``, transform-major: row ``m * B +
        b`` is transform ``m`` of image ``b``."""
        batch = len(images)
        grids = self._grids.repeat_interleave(batch, dim=0)
        tiled = images.repeat(len(self._grids), 1, 1, 1)
        moved = F.grid_sample(
            tiled, grids, mode="bilinear", padding_mode="reflection", align_corners=False
        )
        return torch.cat([images, moved]) if self.identity_first else moved


def transform_set(
    transforms: StripTransforms,
    count: int,
    shape: tuple[int, int],
    device: torch.device,
    *,
    seed: int,
    identity_first: bool,
) -> TransformSet:
    """``count`` transforms drawn from ``transforms`` with ``seed``, for images of ``shape``."""
    generator = torch.Generator().manual_seed(seed)
    thetas = transforms.draw(count, generator, identity_first=identity_first)
    return TransformSet(thetas, shape[0], shape[1], device, identity_first)

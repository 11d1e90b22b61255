"""Input edits: typed operations applied in order to one image at the model's input.

An edit list is plain data (JSON-friendly, validated by pydantic), so the browser can send it,
the server can replay it, and a notebook can write it by hand::

    edited = apply_edits(image, [Occlude(x=8, y=8, w=10, h=10, fill="grey"), Rotate(degrees=90)])

Coordinates are pixels of the image being edited: ``x`` counts columns from the left, ``y``
rows from the top, and pixel ``(col, row)`` covers the square ``[col, col+1) x [row, row+1)``
(its centre is ``(col + 0.5, row + 0.5)``). Every edit is deterministic: random fills and noise
take a seed. Results stay in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from torch import Tensor

from deepling.errors import DeeplingError

OCCLUSION_BLUR_SIGMA = 4.0  # a "blur" occlusion keeps colours but removes shapes
MAX_BRUSH_POINTS = 4096

Px = Annotated[int, Field(ge=-4096, le=4096)]
Size = Annotated[int, Field(ge=1, le=4096)]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class _Edit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        """``image`` float ``(C, H, W)`` in [0, 1] -> the edited image, same shape.
        ``original`` is the image before any edit (what the eraser restores)."""
        raise NotImplementedError


class Occlude(_Edit):
    """Cover the box ``(x, y, w, h)`` (clipped to the image) with grey (0.5), a heavy blur of
    what is under it, or uniform noise (seeded)."""

    op: Literal["occlude"] = "occlude"
    x: Px
    y: Px
    w: Size
    h: Size
    fill: Literal["grey", "blur", "noise"] = "grey"
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        rows, cols = _clip(self.y, self.h, image.shape[1]), _clip(self.x, self.w, image.shape[2])
        out = image.clone()
        patch = out[:, rows, cols]
        if self.fill == "grey":
            out[:, rows, cols] = 0.5
        elif self.fill == "blur":
            out[:, rows, cols] = gaussian_blur(image, OCCLUSION_BLUR_SIGMA)[:, rows, cols]
        else:
            generator = torch.Generator().manual_seed(self.seed)
            out[:, rows, cols] = torch.rand(patch.shape, generator=generator).to(out)
        return out


class Brush(_Edit):
    """Paint ``colour`` (one value per channel, or one grey value) along the polyline through
    ``points`` with a round brush of ``radius`` pixels; with ``erase``, restore the original
    pixels there instead. A pixel is painted when its centre lies within ``radius``."""

    op: Literal["brush"] = "brush"
    points: Annotated[list[tuple[float, float]], Field(min_length=1, max_length=MAX_BRUSH_POINTS)]
    radius: Annotated[float, Field(gt=0.0, le=256.0)] = 2.0
    colour: Annotated[list[Unit], Field(min_length=1, max_length=4)] = [0.0, 0.0, 0.0]
    erase: bool = False

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        mask = stroke_mask(self.points, self.radius, image.shape[1], image.shape[2])
        source = original if self.erase else _colour(self.colour, image).expand_as(image)
        return torch.where(mask, source, image)


class Rotate(_Edit):
    """Rotate counter-clockwise by ``degrees`` about the centre. Multiples of 90 on a square
    image (and of 180 on any image) are exact pixel moves (``torch.rot90``); other angles
    resample bilinearly and fill the uncovered corners with ``fill``."""

    op: Literal["rotate"] = "rotate"
    degrees: Annotated[float, Field(ge=-360.0, le=360.0)]
    fill: Unit = 0.5

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        quarter, rest = divmod(self.degrees, 90.0)
        height, width = image.shape[1:]
        if rest == 0 and (height == width or quarter % 2 == 0):
            return torch.rot90(image, int(quarter) % 4, dims=(1, 2)).contiguous()
        angle = math.radians(self.degrees)
        cos, sin = math.cos(angle), math.sin(angle)
        # Output pixel -> source pixel in normalised coordinates (see the module docstring for
        # the axes; the aspect ratio enters because x and y are normalised by W and H).
        theta = torch.tensor(
            [[cos, -sin * height / width, 0.0], [sin * width / height, cos, 0.0]], dtype=image.dtype
        )
        return _resample(image, theta, self.fill)


class Flip(_Edit):
    """Mirror left-right (``horizontal``) or top-bottom (``vertical``)."""

    op: Literal["flip"] = "flip"
    axis: Literal["horizontal", "vertical"] = "horizontal"

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        return torch.flip(image, dims=(2,) if self.axis == "horizontal" else (1,))


class Shift(_Edit):
    """Move the content ``dx`` pixels right and ``dy`` down; uncovered pixels get ``fill``."""

    op: Literal["shift"] = "shift"
    dx: Px = 0
    dy: Px = 0
    fill: Unit = 0.5

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        _, height, width = image.shape
        out = torch.full_like(image, self.fill)
        if abs(self.dx) < width and abs(self.dy) < height:
            dst_r, src_r = _overlap(self.dy, height)
            dst_c, src_c = _overlap(self.dx, width)
            out[:, dst_r, dst_c] = image[:, src_r, src_c]
        return out


class Crop(_Edit):
    """Zoom: the box ``(x, y, w, h)`` (clipped to the image) resized back to the full image
    (bilinear, antialiased where it shrinks)."""

    op: Literal["crop"] = "crop"
    x: Px
    y: Px
    w: Size
    h: Size

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        _, height, width = image.shape
        rows, cols = _clip(self.y, self.h, height), _clip(self.x, self.w, width)
        if rows.start >= rows.stop or cols.start >= cols.stop:
            raise DeeplingError(
                f"The crop box {self.x, self.y, self.w, self.h} lies outside "
                f"the {width}x{height} image."
            )
        box = image[None, :, rows, cols]
        shrink = box.shape[-2] > height or box.shape[-1] > width
        return F.interpolate(
            box, size=(height, width), mode="bilinear", align_corners=False, antialias=shrink
        )[0].clamp(0, 1)


class Brightness(_Edit):
    """Add ``delta`` to every pixel (clipped to [0, 1])."""

    op: Literal["brightness"] = "brightness"
    delta: Annotated[float, Field(ge=-1.0, le=1.0)]

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        return (image + self.delta).clamp(0, 1)


class Contrast(_Edit):
    """Scale the distance of every pixel from the image's mean by ``factor`` (as PIL's
    ImageEnhance.Contrast does; 1 leaves the image unchanged, 0 makes it flat grey)."""

    op: Literal["contrast"] = "contrast"
    factor: Annotated[float, Field(ge=0.0, le=8.0)]

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        mean = image.mean()
        return ((image - mean) * self.factor + mean).clamp(0, 1)


class Noise(_Edit):
    """Add Gaussian noise of standard deviation ``sigma`` (seeded; clipped to [0, 1])."""

    op: Literal["noise"] = "noise"
    sigma: Annotated[float, Field(ge=0.0, le=1.0)]
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        generator = torch.Generator().manual_seed(self.seed)
        noise = torch.randn(image.shape, generator=generator).to(image)
        return (image + self.sigma * noise).clamp(0, 1)


class Blur(_Edit):
    """Gaussian blur with standard deviation ``sigma`` pixels (edges replicated)."""

    op: Literal["blur"] = "blur"
    sigma: Annotated[float, Field(ge=0.0, le=32.0)]

    def apply(self, image: Tensor, original: Tensor) -> Tensor:
        return gaussian_blur(image, self.sigma)


Edit = Annotated[
    Occlude | Brush | Rotate | Flip | Shift | Crop | Brightness | Contrast | Noise | Blur,
    Field(discriminator="op"),
]
EDITS: TypeAdapter[list[Edit]] = TypeAdapter(list[Edit])


def parse_edits(data: object) -> list[Edit]:
    """Edits from JSON-like data (a list of dicts with an ``op``); pydantic's ValidationError
    names the bad field."""
    return EDITS.validate_python(data)


def apply_edits(image: Tensor, edits: Sequence[_Edit | Mapping[str, object]]) -> Tensor:
    """Apply ``edits`` in order to ``image``, float ``(C, H, W)`` in [0, 1]; returns a new
    ``(C, H, W)`` tensor (the input is not modified). Edits are the op models of this module
    or their JSON form (``{"op": "rotate", "degrees": 90}``)."""
    if image.dim() != 3:
        raise DeeplingError(f"Edits take one image (C, H, W), got shape {tuple(image.shape)}.")
    ops = [e if isinstance(e, _Edit) else parse_edits([e])[0] for e in edits]
    original = image.detach().float()
    edited = original
    for edit in ops:
        edited = edit.apply(edited, original)
    return edited if edited is not original else original.clone()


# -- helpers ---------------------------------------------------------------------------------


def gaussian_blur(image: Tensor, sigma: float) -> Tensor:
    """``(C, H, W)`` blurred by a separable Gaussian (radius 3 sigma, edges replicated)."""
    if sigma <= 0:
        return image.clone()
    radius = max(1, math.ceil(3 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=image.dtype)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    channels = image.shape[0]
    x = F.pad(image[None], (radius, radius, radius, radius), mode="replicate")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1), groups=channels)
    x = F.conv2d(x, kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1), groups=channels)
    return x[0]


def stroke_mask(
    points: Sequence[tuple[float, float]], radius: float, height: int, width: int
) -> Tensor:
    """Bool ``(H, W)``: pixels whose centre lies within ``radius`` of the polyline."""
    rows = torch.arange(height, dtype=torch.float64)[:, None] + 0.5
    cols = torch.arange(width, dtype=torch.float64)[None, :] + 0.5
    mask = torch.zeros(height, width, dtype=torch.bool)
    segments = list(zip(points, points[1:], strict=False)) or [(points[0], points[0])]
    for (x0, y0), (x1, y1) in segments:
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        t = ((cols - x0) * dx + (rows - y0) * dy) / length2 if length2 > 0 else cols * 0
        t = t.clamp(0, 1)
        mask |= (cols - (x0 + t * dx)) ** 2 + (rows - (y0 + t * dy)) ** 2 <= radius * radius
    return mask


def _colour(colour: list[float], image: Tensor) -> Tensor:
    """``colour`` as ``(C, 1, 1)`` for the image's channel count (RGB to luma for 1 channel)."""
    channels = image.shape[0]
    values = torch.tensor(colour[:3], dtype=image.dtype)
    if len(values) == 1:
        values = values.expand(channels)
    elif channels == 1:
        luma = torch.tensor([0.299, 0.587, 0.114], dtype=image.dtype)[: len(values)]
        values = (values * luma).sum(0, keepdim=True) / luma.sum()
    elif len(values) != channels:
        raise DeeplingError(
            f"A brush colour has {len(values)} values but the image has {channels} channels;"
            f" give {channels} values or one grey value."
        )
    return values.view(-1, 1, 1)


def _clip(start: int, length: int, size: int) -> slice:
    return slice(min(max(start, 0), size), min(max(start + length, 0), size))


def _overlap(shift: int, size: int) -> tuple[slice, slice]:
    """Destination and source ranges of a shift by ``shift`` pixels (|shift| < size)."""
    if shift >= 0:
        return slice(shift, size), slice(0, size - shift)
    return slice(0, size + shift), slice(-shift, size)


def _resample(image: Tensor, theta: Tensor, fill: float) -> Tensor:
    """Sample ``image`` at the affine ``theta`` (output -> source, normalised coordinates);
    where the source lies outside the image, blend in ``fill``."""
    grid = F.affine_grid(theta[None], [1, *image.shape], align_corners=False)
    ones = torch.ones_like(image[None, :1])
    sampled = F.grid_sample(
        image[None], grid, mode="bilinear", padding_mode="zeros", align_corners=False
    )[0]
    covered = F.grid_sample(ones, grid, mode="bilinear", padding_mode="zeros", align_corners=False)[
        0
    ]
    return (sampled + fill * (1 - covered)).clamp(0, 1)

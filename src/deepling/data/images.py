"""Decoding image files and fitting images to a model's input shape."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from deepling.errors import DeeplingError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})

# ITU-R BT.601 luma, as PIL uses for RGB -> L.
_LUMA = torch.tensor([0.299, 0.587, 0.114])


def pil_to_array(img: Image.Image) -> np.ndarray:
    """A PIL image as uint8 ``(C, H, W)``: 1 channel for grayscale sources, else 3 (no alpha)."""
    if img.mode.startswith("I;16"):  # 16-bit grayscale: scale 0-65535 to 0-255, don't clip
        wide = np.asarray(img, dtype=np.float32)
        return (wide / 257).round().astype(np.uint8)[None]
    mode = "L" if img.mode in ("1", "L", "LA", "I", "F") else "RGB"
    arr = np.array(img.convert(mode), dtype=np.uint8)  # writable, for torch.from_numpy
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def read_image(path: Path, *, draft: tuple[int, int] | None = None) -> np.ndarray:
    """Decode ``path`` to uint8 ``(C, H, W)``; a DeeplingError if it is not a readable image.

    ``draft`` (width, height): the size the image is wanted at. A JPEG at least twice that size
    is then decoded at 1/2, 1/4 or 1/8 scale in the DCT, never below ``draft``: several times
    faster than decoding every pixel only to shrink them.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                if draft is not None and img.format == "JPEG":
                    img.draft(None, draft)
                img.load()
                return pil_to_array(img)
    except Exception as exc:  # PIL raises many types for broken files (EOFError, struct.error...)
        raise DeeplingError(f"Cannot read image {path}: {exc}.") from exc


def fit_batch(images: Tensor, shape: tuple[int, int, int]) -> Tensor:
    """Convert float ``(B, C, H, W)`` images in [0, 1] to the model's ``shape`` (C, H, W).

    Grayscale and RGB are converted into each other; other sizes are resized (bilinear,
    antialiased when shrinking).
    """
    channels, height, width = shape
    have = images.shape[1]
    if have != channels:
        if have == 1:
            images = images.expand(-1, channels, -1, -1)
        elif have == 3 and channels == 1:
            images = torch.einsum("bchw,c->bhw", images, _LUMA.to(images))[:, None]
        else:
            raise DeeplingError(
                f"Images have {have} channels but the model takes {channels}.",
                "Use images with 1 or 3 channels, or give the model's --input-shape.",
            )
    if images.shape[-2:] != (height, width):
        shrink = images.shape[-2] > height or images.shape[-1] > width
        images = F.interpolate(
            images, size=(height, width), mode="bilinear", align_corners=False, antialias=shrink
        ).clamp_(0, 1)
    return images.contiguous()

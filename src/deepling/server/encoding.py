"""Compact responses for big arrays: raw float32 with its shape in headers, or PNG images."""

from __future__ import annotations

import io
import math
from typing import Annotated, Any

import numpy as np
from fastapi import Query, Response
from PIL import Image
from torch import Tensor

PNG = "image/png"
# OpenAPI ``responses`` of routes that answer with a PNG, raw float32, or either.
PNG_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {PNG: {}}}}
FLOAT32_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}}
}
PNG_OR_FLOAT32: dict[int | str, dict[str, Any]] = {
    200: {"content": {PNG: {}, "application/octet-stream": {}}}
}
Scale = Annotated[int, Query(ge=1, le=16, description="enlarge (nearest neighbour)")]


def png_bytes(pixels: np.ndarray) -> bytes:
    """uint8 ``(H, W)`` or ``(H, W, 3)`` as PNG."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def image_png(image: Tensor, scale: int = 1) -> bytes:
    """A pixel-space image ``(C, H, W)`` in [0, 1] as PNG, enlarged ``scale`` times (nearest)."""
    pixels = (image.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    pixels = pixels[..., 0] if pixels.shape[2] == 1 else pixels
    if scale > 1:
        pixels = pixels.repeat(scale, axis=0).repeat(scale, axis=1)
    return png_bytes(np.ascontiguousarray(pixels))


def float32_response(values: Tensor) -> Response:
    """The tensor as little-endian float32 bytes; ``X-Shape`` gives its shape (C,H,W or D)."""
    array = np.atleast_1d(values.detach().float().cpu().numpy().astype("<f4", copy=False))
    return Response(
        content=array.tobytes(),
        media_type="application/octet-stream",
        headers={
            "X-Shape": ",".join(map(str, array.shape)),
            "X-Min": f"{float(array.min()) if array.size else 0.0:.6g}",
            "X-Max": f"{float(array.max()) if array.size else 0.0:.6g}",
        },
    )


def activation_tiles_response(values: Tensor) -> Response:
    """Activations ``(C, H, W)`` (or ``(D,)``) as one grayscale PNG atlas of channel tiles.

    All channels share one colour scale, from the minimum to the maximum over the node (given
    in ``X-Min``/``X-Max``), so tiles are comparable. Tiles are laid out row-major on a
    ``X-Grid`` = cols,rows grid, each ``X-Tile`` = height,width pixels, with a 1-pixel gap.
    A vector node is one tile of height 1.
    """
    array = np.atleast_1d(values.detach().float().cpu().numpy())
    if array.ndim == 1:
        array = array[None, None, :]
    elif array.ndim == 2:
        array = array[None]
    array = array.reshape(-1, array.shape[-2], array.shape[-1])
    channels, height, width = array.shape
    low, high = float(array.min()), float(array.max())
    scaled = (array - low) / (high - low) if high > low else np.zeros_like(array)
    tiles = (scaled * 255).round().astype(np.uint8)
    cols = max(1, math.ceil(math.sqrt(channels)))
    rows = math.ceil(channels / cols)
    atlas = np.zeros((rows * (height + 1) - 1, cols * (width + 1) - 1), dtype=np.uint8)
    for c in range(channels):
        r, q = divmod(c, cols)
        top, left = r * (height + 1), q * (width + 1)
        atlas[top : top + height, left : left + width] = tiles[c]
    return Response(
        content=png_bytes(atlas),
        media_type=PNG,
        headers={
            "X-Shape": ",".join(map(str, values.shape)) or "1",
            "X-Grid": f"{cols},{rows}",
            "X-Tile": f"{height},{width}",
            "X-Min": f"{low:.6g}",
            "X-Max": f"{high:.6g}",
        },
    )

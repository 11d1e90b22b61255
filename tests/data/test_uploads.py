"""Uploads: common formats are decoded and fitted; non-images, bombs and truncated files are
refused with a clear message and the right status."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

from deepling.data.uploads import decode_upload
from deepling.errors import DeeplingError

SHAPE = (3, 32, 32)


def _encode(img: Image.Image, format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format=format, **options)
    return buffer.getvalue()


def _gradient(width: int, height: int) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None].repeat(width, 1)
    rgb = np.stack([x, y, np.full_like(x, 40)], axis=2).astype(np.uint8)
    return Image.fromarray(rgb)


@pytest.mark.parametrize(
    ("format", "mode"),
    [
        ("PNG", "RGB"),
        ("JPEG", "RGB"),
        ("PNG", "L"),
        ("PNG", "RGBA"),
        ("GIF", "P"),
        ("BMP", "RGB"),
        ("WEBP", "RGB"),
    ],
)
def test_common_formats_are_fitted_to_the_model_input(format: str, mode: str) -> None:
    img = _gradient(64, 64).convert(mode)
    out = decode_upload(_encode(img, format), SHAPE)
    assert out.shape == SHAPE and out.dtype == torch.float32
    assert 0 <= float(out.min()) and float(out.max()) <= 1
    if mode != "L":  # the horizontal gradient survives the resize in the red channel
        assert out[0, :, -1].mean() > out[0, :, 0].mean() + 0.5
    gray = decode_upload(_encode(img, format), (1, 28, 28))
    assert gray.shape == (1, 28, 28)


def test_transparency_is_flattened_on_white() -> None:
    clear = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    assert torch.allclose(decode_upload(_encode(clear, "PNG"), SHAPE), torch.ones(SHAPE))


def test_wide_images_are_centre_cropped_not_stretched() -> None:
    rgb = np.zeros((40, 120, 3), np.uint8)
    rgb[:, 40:80] = 255  # a white square in the middle of a black band
    out = decode_upload(_encode(Image.fromarray(rgb), "PNG"), SHAPE)
    assert float(out.min()) > 0.99


def test_exif_orientation_is_applied() -> None:
    rgb = np.zeros((32, 64, 3), np.uint8)
    rgb[:, :32] = 255  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": the white half ends up on top
    data = _encode(Image.fromarray(rgb), "JPEG", exif=exif, quality=95)
    out = decode_upload(data, (3, 64, 32))
    assert out[:, :28].mean() > 0.9 and out[:, 36:].mean() < 0.1


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is not an image",
        b"%PDF-1.4\n" + b"0" * 100,
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_non_images_are_refused_with_415(data: bytes) -> None:
    with pytest.raises(DeeplingError, match="not an image") as error:
        decode_upload(data, SHAPE)
    assert error.value.status == 415


def test_truncated_files_are_refused_with_400() -> None:
    data = _encode(_gradient(200, 200), "PNG")
    jpeg = _encode(_gradient(200, 200), "JPEG")
    for cut in (data[: len(data) // 2], jpeg[:2000], jpeg[:300], data[:12]):
        with pytest.raises(DeeplingError, match="truncated or corrupt") as error:
            decode_upload(cut, SHAPE)
        assert error.value.status == 400


def test_empty_and_oversized_files_are_refused() -> None:
    with pytest.raises(DeeplingError, match="empty"):
        decode_upload(b"", SHAPE)
    data = _encode(_gradient(64, 64), "PNG")
    with pytest.raises(DeeplingError, match="limited to") as error:
        decode_upload(data, SHAPE, max_bytes=len(data) - 1)
    assert error.value.status == 413


def test_decompression_bombs_are_refused_before_decoding() -> None:
    # A tiny PNG whose header claims 50000 x 50000 pixels (2.5 gigapixels if decoded).
    small = _encode(Image.new("L", (8, 8), 128), "PNG")
    header = b"IHDR" + struct.pack(">II", 50_000, 50_000) + small[24:29]
    bomb = small[:12] + header + struct.pack(">I", zlib.crc32(header)) + small[33:]
    with pytest.raises(DeeplingError, match="too large") as error:
        decode_upload(bomb, SHAPE)
    assert error.value.status == 413
    big = _encode(Image.new("L", (7000, 7000), 128), "PNG")  # 49 MP: under PIL's own limit
    with pytest.raises(DeeplingError, match="pixels") as error:
        decode_upload(big, SHAPE)
    assert error.value.status == 413
    mid = _encode(Image.new("RGB", (3000, 2000)), "PNG")  # 6 MP: over a lowered pixel cap
    with pytest.raises(DeeplingError, match="pixels") as error:
        decode_upload(mid, SHAPE, max_pixels=5_000_000)
    assert error.value.status == 413

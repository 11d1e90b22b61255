"""Images the user uploads: decoded safely and fitted to the model's input.

Refused with a DeeplingError (the server answers with its ``status``): more than ``max_bytes``
(413), more than ``max_pixels`` pixels (413, checked from the header before anything is
decoded, so a decompression bomb costs nothing), files PIL does not recognise as an image
(415), and truncated or corrupt image data (400).
"""

from __future__ import annotations

import io
import warnings

import torch
from PIL import Image, ImageOps
from torch import Tensor

from deepling.data.images import fit_batch, pil_to_array
from deepling.errors import DeeplingError

MAX_UPLOAD_BYTES = 20 * 2**20
MAX_UPLOAD_PIXELS = 40_000_000  # a 40-megapixel photo; PIL's own bomb limit is ~89 MP
# Magic bytes of common formats: a file that starts like an image but does not open is broken.
SIGNATURES = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"RIFF",
)


def decode_upload(
    data: bytes,
    shape: tuple[int, int, int],
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pixels: int = MAX_UPLOAD_PIXELS,
) -> Tensor:
    """The image file ``data`` as float ``(C, H, W)`` in [0, 1] at ``shape``: EXIF rotation
    applied, transparency flattened onto white, centre-cropped to the model's aspect ratio,
    converted to its channel count and resized (``fit_batch``)."""
    if len(data) > max_bytes:
        raise DeeplingError(
            f"The file has {len(data):,} bytes; uploads are limited to {max_bytes:,} bytes.",
            status=413,
        )
    if not data:
        raise DeeplingError("The file is empty.", status=400)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        message = f"The image is too large to decode safely ({exc})."
        raise DeeplingError(message, status=413) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        if data.startswith(SIGNATURES):  # an image format's magic bytes, then nothing usable
            raise DeeplingError(
                f"The image data is truncated or corrupt ({exc}).", status=400
            ) from exc
        raise DeeplingError(
            "The file is not an image that can be read (PNG, JPEG, GIF, BMP, WebP, TIFF...).",
            status=415,
        ) from exc
    with img:
        width, height = img.size
        if width * height > max_pixels:
            raise DeeplingError(
                f"The image has {width}x{height} pixels; at most {max_pixels:,} "
                "pixels are accepted.",
                status=413,
            )
        try:
            img.load()
            upright: Image.Image = ImageOps.exif_transpose(img) or img
            pixels = pil_to_array(_flatten_alpha(upright))
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise DeeplingError(
                f"The image data is truncated or corrupt ({exc}).", status=400
            ) from exc
    image = torch.from_numpy(pixels).float().div_(255)
    return fit_batch(_crop_to_aspect(image, shape[1] / shape[2])[None], shape)[0]


def _flatten_alpha(img: Image.Image) -> Image.Image:
    """Transparent pixels shown on white, as a browser shows them (not black)."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(background, rgba)
        return flat.convert("L" if img.mode == "LA" else "RGB")
    return img


def _crop_to_aspect(image: Tensor, aspect: float) -> Tensor:
    """The largest centred part of ``image`` (C, H, W) with height / width = ``aspect``, so
    fitting it to the model's input does not stretch the picture."""
    _, height, width = image.shape
    if height > round(width * aspect):
        keep = max(1, round(width * aspect))
        top = (height - keep) // 2
        return image[:, top : top + keep]
    keep = max(1, round(height / aspect))
    left = (width - keep) // 2
    return image[:, :, left : left + keep]

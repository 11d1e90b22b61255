"""Sprite sheets: the thumbnails of 256 consecutive images on a 16 x 16 grid, one PNG.

Images held in memory (CIFAR arrays) are fitted on each request: cheaper than reading a file.
Images in files are decoded once, JPEGs at a reduced DCT scale, and each sheet is kept as a PNG
under the cache folder, keyed by the dataset's fingerprint (which changes when a file is
added, removed or replaced), so later requests and later sessions read one file instead of
decoding 256; concurrent requests for one sheet wait for a single decode. An image that cannot
be read gets a crossed-out tile, and is recorded in the dataset's ``unreadable`` (again when the
sheet is read back from the cache: the PNG names its unreadable images in a text chunk).
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin
from torch import Tensor

from deepling.cache import cache_key
from deepling.data.base import Dataset
from deepling.errors import DeeplingError, NotFoundError

SPRITE_COLUMNS = 16
SPRITE_IMAGES = SPRITE_COLUMNS * SPRITE_COLUMNS
UNREADABLE_CHUNK = "deepling-unreadable"  # PNG text chunk: {index: why} of a sheet's images

log = logging.getLogger("deepling.server")


def _yield_to_the_page() -> None:
    """Run this decoding thread at a lower priority (Linux: a thread's own nice value), so the
    browser, often on the same machine, keeps scrolling smoothly while thumbnails decode."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # no setpriority (Windows) or not allowed: run as is
        pass


# Shared by every request: decoding threads stay bounded however many sheets are asked at once.
_DECODERS = ThreadPoolExecutor(
    max_workers=min(8, os.cpu_count() or 1),
    thread_name_prefix="thumbs",
    initializer=_yield_to_the_page,
)
_BUILDING_GUARD = threading.Lock()
_BUILDING: dict[Path, threading.Lock] = {}  # sheets being decoded, by cache path


def sheet_images(dataset: Dataset, sheet: int) -> range:
    """The indices of sheet ``sheet``'s images, or a NotFoundError naming how many sheets exist."""
    n = len(dataset)
    first = sheet * SPRITE_IMAGES
    if first >= n:
        raise NotFoundError(
            f"Sprite sheet {sheet} is out of range: the dataset has "
            f"{(n + SPRITE_IMAGES - 1) // SPRITE_IMAGES} sheets."
        )
    return range(first, min(first + SPRITE_IMAGES, n))


def sprite_sheet(dataset: Dataset, cache_root: Path, sheet: int, size: int) -> bytes:
    """Sheet ``sheet`` of ``size``-px thumbnails as PNG bytes."""
    indices = sheet_images(dataset, sheet)
    if dataset.in_memory:
        return _png(_grid(_as_uint8(dataset.batch(indices, (3, size, size)))), {})
    folder = cache_key("sprites", dataset.fingerprint, size, SPRITE_COLUMNS)
    return _cached(cache_root / "sprites" / folder / f"{sheet}.png", dataset, indices, size)


def _cached(path: Path, dataset: Dataset, indices: range, size: int) -> bytes:
    data = _read_back(path, dataset)
    if data is not None:
        return data
    with _BUILDING_GUARD:
        lock = _BUILDING.setdefault(path, threading.Lock())
    try:
        with lock:
            data = _read_back(path, dataset)  # decoded by the request this one waited for
            if data is None:
                data = _decode(dataset, indices, size)
                _store(path, data)
    finally:
        with _BUILDING_GUARD:
            _BUILDING.pop(path, None)
    return data


def _read_back(path: Path, dataset: Dataset) -> bytes | None:
    """The cached sheet (its unreadable images recorded on ``dataset``), or None if not stored."""
    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as img:  # reads the chunks before the pixels only
            unreadable = json.loads(img.info.get(UNREADABLE_CHUNK, "{}"))
    except (OSError, ValueError, SyntaxError):
        return None
    for index, why in unreadable.items():
        dataset.mark_unreadable(int(index), str(why))
    return data


def _decode(dataset: Dataset, indices: range, size: int) -> bytes:
    thumbs = np.empty((len(indices), size, size, 3), dtype=np.uint8)
    cross = _unreadable_tile(size)

    def thumb(position: int) -> tuple[int, str] | None:
        index = indices[position]
        try:
            thumbs[position] = _as_uint8(dataset.fitted(index, (3, size, size))[None])[0]
        except DeeplingError as exc:
            dataset.mark_unreadable(index, exc.message)  # as a pass would: the views know
            thumbs[position] = cross
            return index, exc.message
        return None

    failed = [f for f in _DECODERS.map(thumb, range(len(indices))) if f is not None]
    return _png(_grid(thumbs), dict(failed))


def _store(path: Path, data: bytes) -> None:
    """Write atomically (a reader never sees half a sheet); a cache that cannot be written only
    costs decoding again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        log.warning("Cannot cache sprite sheet %s: %s", path, exc)


def _as_uint8(images: Tensor) -> np.ndarray:
    """``(B, 3, H, W)`` uint8, or float in [0, 1], as uint8 ``(B, H, W, 3)``."""
    if images.dtype.is_floating_point:
        images = images.clamp(0, 1).mul(255).round().byte()
    return images.permute(0, 2, 3, 1).numpy()


def _grid(thumbs: np.ndarray) -> np.ndarray:
    """Thumbnails ``(B, size, size, 3)`` row-major on the sheet's grid (one copy); black after
    the last one."""
    count, size = thumbs.shape[:2]
    sheet = np.zeros((SPRITE_COLUMNS, size, SPRITE_COLUMNS, size, 3), dtype=np.uint8)
    cells = sheet.transpose(0, 2, 1, 3, 4)  # (row, column, y, x, rgb): a view of the sheet
    full, rest = divmod(count, SPRITE_COLUMNS)
    cells[:full] = thumbs[: full * SPRITE_COLUMNS].reshape(full, SPRITE_COLUMNS, size, size, 3)
    if rest:
        cells[full, :rest] = thumbs[full * SPRITE_COLUMNS :]
    return sheet.reshape(SPRITE_COLUMNS * size, SPRITE_COLUMNS * size, 3)


def _unreadable_tile(size: int) -> np.ndarray:
    """Dark grey with a red cross: says "this image could not be read" at any thumbnail size."""
    tile = np.full((size, size, 3), 64, dtype=np.uint8)
    y, x = np.mgrid[:size, :size]
    inset = size // 5
    inside = (y >= inset) & (y < size - inset) & (x >= inset) & (x < size - inset)
    half = max(1, size // 16)  # half the stroke width
    cross = inside & ((np.abs(y - x) <= half) | (np.abs(y + x - (size - 1)) <= half))
    tile[cross] = (230, 60, 60)
    return tile


def _png(pixels: np.ndarray, unreadable: dict[int, str]) -> bytes:
    info = PngImagePlugin.PngInfo()
    if unreadable:
        info.add_text(UNREADABLE_CHUNK, json.dumps({str(i): why for i, why in unreadable.items()}))
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1, pnginfo=info)
    return buffer.getvalue()

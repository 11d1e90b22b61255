"""Images in an ``.npz`` file: ``x`` (N, H, W), (N, H, W, C) or (N, C, H, W); optional ``y``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deepling.data.base import ArrayDataset
from deepling.errors import DeeplingError


def to_uint8_nchw(x: np.ndarray) -> np.ndarray:
    """Pixel arrays in any common layout and range as uint8 ``(N, C, H, W)``."""
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[-1] in (1, 3) and x.shape[1] not in (1, 3):
        x = x.transpose(0, 3, 1, 2)
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise DeeplingError(
            f"Image array has shape {x.shape}.",
            "Use (N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3.",
        )
    if x.dtype == np.uint8:
        return np.ascontiguousarray(x)
    x = x.astype(np.float32)
    if x.size and x.max() > 1.0:  # 0-255 floats
        x = x / 255.0
    return np.ascontiguousarray((np.clip(x, 0, 1) * 255).round().astype(np.uint8))


def load_npz(path: Path) -> ArrayDataset:
    try:
        with np.load(path, allow_pickle=False) as f:
            if "x" not in f:
                raise DeeplingError(f"{path} has no array named 'x'.", "Save images as x=...")
            x = to_uint8_nchw(f["x"])
            y = f["y"] if "y" in f else None
            classes = [str(c) for c in f["classes"]] if "classes" in f else None
    except (OSError, ValueError, EOFError) as exc:
        raise DeeplingError(
            f"Cannot read {path} as .npz: {str(exc).rstrip('.')}.",
            "Save it with numpy.savez(path, x=images, y=labels).",
        ) from exc
    if y is not None and (y.ndim != 1 or not np.issubdtype(y.dtype, np.integer)):
        raise DeeplingError(
            f"The labels y in {path} have shape {y.shape} and type {y.dtype}.",
            "Give y as integer class indices, shape (N,) (not one-hot, not names; put names in "
            "'classes').",
        )
    if y is not None and len(y) != len(x):
        raise DeeplingError(f"{path} has {len(x)} images in x but {len(y)} labels in y.")
    if y is not None and classes is None and len(y):
        classes = [str(c) for c in range(int(np.max(y)) + 1)]
    return ArrayDataset(x, y, classes, path.stem)

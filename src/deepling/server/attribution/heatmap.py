"""Attribution maps as heat-map colours: a clipped scale, sequential or diverging."""

from __future__ import annotations

import numpy as np
import torch

CLIP_PERCENTILE = 99.0  # one hot pixel would otherwise wash out the whole colour scale


def clip_value(values: torch.Tensor) -> float:
    """The colour scale's end: the 99th percentile of |map| (its max where that is 0)."""
    magnitude = values.abs().flatten().double().numpy()
    if magnitude.size == 0:
        return 0.0
    clip = float(np.percentile(magnitude, CLIP_PERCENTILE))
    return clip if clip > 0 else float(magnitude.max())


# Colour stops: inferno-like for maps >= 0 (dark = nothing), blue-white-red for signed maps.
_SEQUENTIAL = np.array(
    [[0, 0, 4], [66, 10, 104], [147, 38, 103], [221, 81, 58], [252, 165, 10], [252, 255, 164]],
    dtype=np.float64,
)
_DIVERGING = np.array(
    [[33, 102, 172], [146, 197, 222], [247, 247, 247], [244, 165, 130], [178, 24, 43]],
    dtype=np.float64,
)


def _lookup(stops: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Colours ``(..., 3)`` uint8 for ``t`` in [0, 1], linear between the stops."""
    x = np.clip(t, 0, 1) * (len(stops) - 1)
    low = np.minimum(np.floor(x).astype(int), len(stops) - 2)
    f = (x - low)[..., None]
    colours: np.ndarray = np.round(stops[low] * (1 - f) + stops[low + 1] * f).astype(np.uint8)
    return colours


def heat_map(values: torch.Tensor, signed: bool, clip: float) -> np.ndarray:
    """``(H, W)`` map as ``(H, W, 3)`` uint8 colours, clipped at ``clip``."""
    v = values.double().numpy() / (clip if clip > 0 else 1.0)
    colours: np.ndarray = _lookup(_DIVERGING, (v + 1) / 2) if signed else _lookup(_SEQUENTIAL, v)
    return colours

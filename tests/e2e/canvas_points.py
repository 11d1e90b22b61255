"""Finding the projection's points where they are drawn: in screenshots of its canvas (pixels,
as a user sees them), never in attributes the page would write for tests."""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image
from playwright.sync_api import Page

CANVAS = "#projection-canvas"
OPACITY = 0.92  # a dot's alpha over the white canvas below 2000 points (scatter.ts)


# What the page shows over the canvas (the legend, the hint line, hover cards): left out of the
# canvas's screenshots, painted white like the canvas's background.
OVERLAYS = ".pj-stage > :not(canvas), .hover-card"


def canvas_pixels(page: Page) -> np.ndarray:
    """The canvas as drawn now, RGB, one entry per CSS pixel (the pages run at scale 1)."""
    png = page.locator(CANVAS).screenshot(mask=[page.locator(OVERLAYS)], mask_color="#ffffff")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def at_rest(page: Page, tries: int = 20) -> np.ndarray:
    """The canvas once two screenshots 300 ms apart are the same: no transition is running."""
    previous = canvas_pixels(page)
    for _ in range(tries):
        page.wait_for_timeout(300)
        current = canvas_pixels(page)
        if np.array_equal(current, previous):
            return current
        previous = current
    raise AssertionError("the projection never came to rest")


def css_rgb(css: str) -> tuple[int, int, int]:
    """`rgb(r, g, b)` as getComputedStyle writes it."""
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return r, g, b


def as_drawn(rgb: tuple[int, int, int]) -> np.ndarray:
    """A point colour as it shows over white at the scatter's opacity."""
    return np.array([OPACITY * c + (1 - OPACITY) * 255 for c in rgb])


def blobs(mask: np.ndarray) -> list[tuple[float, float, int, int, int]]:
    """4-connected regions of `mask`: centre x, centre y, width, height and pixel count."""
    seen = np.zeros_like(mask, dtype=bool)
    found = []
    for y0, x0 in np.argwhere(mask):
        if seen[y0, x0]:
            continue
        seen[y0, x0] = True
        stack, pixels = [(y0, x0)], []
        while stack:
            y, x = stack.pop()
            pixels.append((y, x))
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < mask.shape[0] and 0 <= nx < mask.shape[1]:
                    if mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        ys, xs = np.array(pixels).T
        found.append(
            (
                float(xs.mean()),
                float(ys.mean()),
                int(xs.max() - xs.min() + 1),
                int(ys.max() - ys.min() + 1),
                len(pixels),
            )
        )
    return found


def lone_dot(pixels: np.ndarray, rgb: tuple[int, int, int]) -> tuple[float, float]:
    """The centre of a dot of colour `rgb` that touches no other dot, in canvas pixels (the one
    nearest the canvas centre where there are several). A lone dot's fill is a round blob of
    the size most such blobs have; dots that overlap make longer or larger ones."""
    mask = np.all(np.abs(pixels - as_drawn(rgb)) <= 24, axis=2)
    round_ = [
        b for b in blobs(mask) if b[2] >= 4 and abs(b[2] - b[3]) <= 1 and b[4] >= 0.6 * b[2] * b[3]
    ]
    assert round_, f"no round dot of colour {rgb}"
    size = float(np.median([b[2] for b in round_]))
    dots = [(x, y) for x, y, w, _, _ in round_ if abs(w - size) <= 1]
    cy, cx = pixels.shape[0] / 2, pixels.shape[1] / 2
    return min(dots, key=lambda d: (d[0] - cx) ** 2 + (d[1] - cy) ** 2)


def drawn_centre(pixels: np.ndarray) -> tuple[float, float]:
    """The centre of the largest thing drawn (not white), in canvas pixels: the one point left
    shown, with its rings (the canvas's rounded corners leave a few grey pixels too)."""
    drawn = blobs(np.any(pixels < 250, axis=2))
    assert drawn, "nothing is drawn"
    x, y, _, _, _ = max(drawn, key=lambda b: b[4])
    return x, y


def hover(page: Page, x: float, y: float) -> tuple[float, float]:
    """Move the pointer onto canvas pixel (x, y), arriving from a few pixels away (as a hand
    does); returns the page position."""
    box = page.locator(CANVAS).bounding_box()
    assert box is not None
    px, py = box["x"] + x, box["y"] + y
    page.mouse.move(px - 8, py - 8)
    page.mouse.move(px, py, steps=3)
    return px, py

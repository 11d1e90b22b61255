"""Pointer gestures for the e2e tests."""

from __future__ import annotations

from playwright.sync_api import Page


def drag(page: Page, selector: str, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press at ``start`` and release at ``end``, both fractions of ``selector``'s box (x, y)."""
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not visible"
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=6)
    page.mouse.up()

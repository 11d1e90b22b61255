"""The attribution panel in Chromium against a real `deepling serve` (trained MNIST CNN):
overlays for every method are drawn, slow ones through jobs, for the chosen target class."""

from __future__ import annotations

import os
from pathlib import Path

from live_server import REPO

ARTIFACTS = Path(os.environ.get("DEEPLING_ARTIFACTS", REPO / "artifacts")) / "e2e"
METHODS = ("saliency", "grad_cam", "integrated_gradients", "smoothgrad", "occlusion")
BLANK = """(selector) => [...document.querySelectorAll(selector)].map(c => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 4; i < d.length; i += 4)
        if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return false;
    return true; })"""


def _shown(page, method: str) -> str:  # type: ignore[no-untyped-def]
    # Shown: its map's legend is there and the card is not busy loading another.
    selector = (
        f"#attribution-grid .at-card[data-method='{method}']:not([aria-busy='true']) .at-legend"
    )
    page.wait_for_selector(selector, timeout=60_000)
    return selector


def test_attribution_overlays_for_an_image(page, mnist_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(mnist_server.url + "/?section=semantics&panel=attribution&image=2")
    # Fast methods are drawn at once; slow ones wait for the user.
    _shown(page, "saliency")
    _shown(page, "grad_cam")
    page.wait_for_selector(".at-card[data-method='occlusion'] button.at-compute")
    assert "image #2" in page.inner_text("#attribution-caption")
    predicted = page.inner_text("#attribution-predictions li:first-child .name")
    assert predicted in page.inner_text("#attribution-caption")
    page.click("#attribution-compute-all")
    for method in METHODS:
        _shown(page, method)
    blank = page.evaluate(BLANK, "#attribution-grid canvas.at-canvas")
    assert len(blank) == 5 and not any(blank), f"flat overlays: {blank}"
    assert "for" in page.inner_text(".at-card[data-method='integrated_gradients'] .at-legend")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "attribution.png"))

    # Another target class: the caption names it and the maps are recomputed for it.
    before = page.evaluate(
        "() => document.querySelector(\"canvas[data-method='saliency']\").toDataURL()"
    )
    second = page.inner_text("#attribution-predictions li:nth-child(2) .name")
    page.click("#attribution-predictions li:nth-child(2)")
    page.wait_for_selector(f"#attribution-caption:has-text('score {second}')")
    _shown(page, "saliency")
    after = page.evaluate(
        "() => document.querySelector(\"canvas[data-method='saliency']\").toDataURL()"
    )
    assert before != after

    # Grad-CAM at another node.
    page.select_option("#attribution-node", "conv1")
    page.wait_for_selector(".at-card[data-method='grad_cam'] .at-note:has-text('conv1')")
    _shown(page, "grad_cam")

    # The next image (arrow key): the panel follows the current image.
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#attribution-caption:has-text('image #3')")
    _shown(page, "saliency")

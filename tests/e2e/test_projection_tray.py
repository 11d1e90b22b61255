"""Tray images in the layer projection, in Chromium against a real server with the trained MNIST
CNN: occlude a digit in What if, keep it, make it current, open Data → Layer projection, run it,
and find the tray point (with its original added), hover it and click it. Screenshots to
artifacts/e2e/."""

from __future__ import annotations

import os
import re
from pathlib import Path

from canvas_points import at_rest, css_rgb, drawn_centre, hover, lone_dot

from live_server import REPO
from page_gestures import drag

ARTIFACTS = Path(os.environ.get("DEEPLING_ARTIFACTS", REPO / "artifacts")) / "e2e"


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _tray_point(page, entry) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Where the tray point is drawn at rest, in canvas pixels: shown alone (a double-click on
    its legend entry), found in the canvas's pixels; then every entry is shown again."""
    entry.dblclick()
    page.mouse.move(5, 5)
    x, y = drawn_centre(at_rest(page))
    hidden = page.locator("#projection-legend .pj-legend-item[aria-pressed='false']")
    while hidden.count():  # each click draws the legend anew
        hidden.first.click()
    return x, y


def test_tray_image_in_the_layer_projection(page, mnist_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(mnist_server.url + "/?section=architecture")
    page.wait_for_selector("#current-image")
    # A 7: not among the projection's default classes (0 and 1), so its original is added.
    images = page.evaluate("fetch('api/dataset/images?offset=0&limit=10000').then(r => r.json())")
    seven = next(i["index"] for i in images["images"] if i["label"] == 7)
    page.goto(mnist_server.url + f"/?section=whatif&image={seven}")
    page.wait_for_selector("#edited-top5 li")
    drag(page, "#edit-canvas", (0.25, 0.1), (0.75, 0.5))
    page.wait_for_function(
        "() => [...document.querySelectorAll('#class-changes td:last-child')]"
        ".some(c => c.textContent !== '+0.0')"
    )
    page.click("#keep-button")
    page.wait_for_selector("#tray-strip [data-tray] img")
    tray_id = page.get_attribute("#tray-strip [data-tray]", "data-tray")
    page.click("#tray-strip [data-tray] img")
    page.wait_for_function("() => document.querySelector('#current-image').src.includes('tray=')")

    # The projection offers the tray, ticked because a tray image is current.
    page.click(".tabs [data-section='data']")
    page.click(".subtabs [data-panel='projection']")
    page.wait_for_selector("#projection-tray:checked")
    page.wait_for_selector("#projection-summary:has-text('+ 1 tray image')")
    page.fill("#projection-per-class", "10")
    page.click("#projection-run")
    page.wait_for_selector("#projection-status:has-text('layers in')", timeout=60_000)
    status = page.inner_text("#projection-status")
    # 2 classes x 10, the 7 the edit was made from, and the edit itself.
    assert status.startswith("22 images × "), status
    layers = int(re.findall(r"× (\d+) layers", status)[0])
    trays = page.locator("#projection-legend .pj-legend-item:has(.pj-swatch-tray)")
    assert trays.count() == 1
    entry = page.locator(f"#projection-legend [data-tray='{tray_id}']")
    assert entry.inner_text().startswith("tray: image #")
    x, y = _tray_point(page, entry)
    _shot(page, "projection-tray")

    # Hover: the tray image's card, with its thumbnail and its original.
    hover(page, x, y)
    page.wait_for_selector("#projection-tray-card:visible")
    card = page.inner_text("#projection-tray-card")
    assert "tray:" in card and f"#{seven}, outlined" in card
    thumbnail = page.get_attribute("#projection-tray-card img", "src") or ""
    assert f"api/image/image.png?tray={tray_id}&" in thumbnail
    page.wait_for_selector("#projection-tray-card .hc-top li .hc-prob")
    _shot(page, "projection-tray-hover")

    # Click a dataset point (a lone dot of the first class's colour, named by its hover card):
    # it becomes current; click the tray point: the edit is current again.
    swatch = page.locator("#projection-legend .pj-legend-item .pj-swatch").first
    colour = css_rgb(swatch.evaluate("e => getComputedStyle(e).backgroundColor"))
    page.mouse.move(5, 5)
    dot = hover(page, *lone_dot(at_rest(page), colour))
    page.wait_for_selector("#projection-hover-card:visible")
    index = re.findall(r"#(\d+)", page.inner_text("#projection-hover-card .hc-title"))[0]
    page.mouse.click(*dot)
    current = "document.querySelector('#current-image').src"
    page.wait_for_function(f"i => {current}.includes('index=' + i + '&')", arg=index)
    page.mouse.click(*hover(page, x, y))
    page.wait_for_function(f"id => {current}.includes('tray=' + id)", arg=tray_id)

    # At the last layer the edit and its original are laid out side by side.
    page.locator("#layer-slider").fill(str(layers - 1))
    page.mouse.move(10, 10)
    at_rest(page)
    _shot(page, "projection-tray-last-layer")
    x, y = _tray_point(page, entry)

    # Hiding the tray entry in the legend hides the point: nothing left to hover there.
    entry.click()
    page.mouse.move(10, 10)
    hover(page, x, y)
    page.wait_for_timeout(300)
    assert page.is_hidden("#projection-tray-card")

"""Tray images in the layer projection, in Chromium against a real server with the trained MNIST
CNN: occlude a digit in What if, keep it, make it current, open Data → Layer projection, run it,
and find the tray point (with its original added), hover it and click it. Screenshots to
artifacts/e2e/."""

from __future__ import annotations

import os
from pathlib import Path

from live_server import REPO
from page_gestures import drag

ARTIFACTS = Path(os.environ.get("DEEPLING_ARTIFACTS", REPO / "artifacts")) / "e2e"


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _probe(page, attribute: str) -> tuple[int, int, str]:  # type: ignore[no-untyped-def]
    """Where a point is drawn once the transition has come to rest: x, y (canvas px), name."""
    probe = ""
    for _ in range(20):
        page.wait_for_selector(f"#projection-canvas[{attribute}]")
        previous, probe = probe, page.get_attribute("#projection-canvas", attribute) or ""
        if probe == previous:
            break
        page.wait_for_timeout(400)
    x, y, name = probe.split(",")
    return int(x), int(y), name


def _point_at(page, x: int, y: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    box = page.locator("#projection-canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + x - 8, box["y"] + y - 8)
    page.mouse.move(box["x"] + x, box["y"] + y, steps=3)
    return box["x"] + x, box["y"] + y


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
    page.wait_for_selector("#projection-canvas[data-layers]", timeout=60_000)
    # 2 classes x 10, the 7 the edit was made from, and the edit itself.
    assert page.get_attribute("#projection-canvas", "data-points") == "22"
    assert page.get_attribute("#projection-canvas", "data-tray") == "1"
    entry = page.locator(f"#projection-legend [data-tray='{tray_id}']")
    assert entry.inner_text().startswith("tray: image #")
    x, y, probed = _probe(page, "data-tray-probe")
    assert probed == tray_id
    _shot(page, "projection-tray")

    # Hover: the tray image's card, with its thumbnail and its original.
    _point_at(page, x, y)
    page.wait_for_selector("#projection-tray-card:visible")
    card = page.inner_text("#projection-tray-card")
    assert "tray:" in card and f"#{seven}, outlined" in card
    thumbnail = page.get_attribute("#projection-tray-card img", "src") or ""
    assert f"api/tray/{tray_id}/image.png" in thumbnail
    page.wait_for_selector("#projection-tray-card .dv-hc-top li .dv-hc-prob")
    _shot(page, "projection-tray-hover")

    # Click a dataset point: it becomes current; click the tray point: the edit is current again.
    dx, dy, index = _probe(page, "data-probe")
    page.mouse.click(*_point_at(page, dx, dy))
    current = "document.querySelector('#current-image').src"
    page.wait_for_function(f"i => {current}.includes('images/' + i + '/')", arg=index)
    page.mouse.click(*_point_at(page, x, y))
    page.wait_for_function(f"id => {current}.includes('tray=' + id)", arg=tray_id)

    # At the last layer the edit and its original are laid out side by side.
    layers = int(page.get_attribute("#projection-canvas", "data-layers") or 0)
    page.locator("#layer-slider").fill(str(layers - 1))
    page.mouse.move(10, 10)
    page.wait_for_timeout(1500)
    _shot(page, "projection-tray-last-layer")
    x, y, _ = _probe(page, "data-tray-probe")

    # Hiding the tray entry in the legend hides the point: nothing left to hover there.
    entry.click()
    page.mouse.move(10, 10)
    _point_at(page, x, y)
    page.wait_for_timeout(300)
    assert page.is_hidden("#projection-tray-card")

"""What if → Edit input in Chromium against a real server with the trained MNIST CNN: occlude
part of a digit and see the prediction change; keep it in the tray and see the current image
of every view switch to it; upload an image (and a broken one). Screenshots to artifacts/e2e/."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from live_server import REPO
from page_gestures import drag

ARTIFACTS = Path(os.environ.get("DEEPLING_ARTIFACTS", REPO / "artifacts")) / "e2e"


def _changes(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "#class-changes tbody tr td:last-child", "cells => cells.map(c => c.textContent)"
    )


TOP_CLASS = "#edited-top5 li:first-child .name"  # the edited image's top class, as shown


def test_occlude_keep_and_follow_a_tray_image(page, mnist_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(mnist_server.url + "/?section=whatif&image=0")
    page.wait_for_selector("#edited-top5 li")
    assert set(_changes(page)) == {"+0.0"}  # no edit yet: edited = original
    before = page.inner_text(TOP_CLASS)
    # Drag a patch over the middle of the digit: the model's answer changes.
    drag(page, "#edit-canvas", (0.2, 0.15), (0.8, 0.85))
    page.wait_for_function(
        "() => [...document.querySelectorAll('#class-changes td:last-child')]"
        ".some(c => Math.abs(parseFloat(c.textContent.replace('−', '-'))) >= 5)"
    )
    assert page.is_enabled("#undo")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "whatif-occluded.png"))
    occluded_top = page.inner_text(TOP_CLASS)
    page.click("#undo")  # back to the unedited image
    page.wait_for_function(
        "() => [...document.querySelectorAll('#class-changes td:last-child')]"
        ".every(c => c.textContent === '+0.0')"
    )
    assert page.inner_text(TOP_CLASS) == before
    page.click("#redo")
    page.wait_for_function(
        f"top => document.querySelector('{TOP_CLASS}').textContent === top", arg=occluded_top
    )

    # Keep it: the tray gets it; a click makes it the current image of every view.
    page.click("#keep-button")
    page.wait_for_selector("#tray-strip [data-tray] img")
    page.click("#tray-strip [data-tray] img")
    page.wait_for_function("() => document.querySelector('#current-image').src.includes('tray=')")
    page.wait_for_selector(".current-title:has-text('tray image')")
    page.wait_for_selector("#tray-strip .we-tray-item.current")
    assert "api/image/image.png?tray=" in page.get_attribute("#original-image", "src")
    # The architecture view's feature maps follow the tray image too.
    page.click(".tabs [data-section='architecture']")
    node = next(
        n["name"]
        for n in page.evaluate("fetch('api/graph').then(r => r.json())")["nodes"]
        if len(n["shape"]) == 3 and n["name"] != "x"
    )
    page.click(f"#architecture-graph [data-node='{node}']")
    page.wait_for_selector("#feature-maps canvas")
    assert "tray image" in page.inner_text("#node-details")

    # Uploads: a real picture becomes the current image; a broken file shows the server's error.
    page.click(".tabs [data-section='whatif']")
    picture = tmp_path / "seven.png"
    Image.new("L", (90, 60), 0).save(picture)
    page.set_input_files("#upload-input", str(picture))
    page.wait_for_selector("#tray-strip [data-tray]:nth-child(2)")
    page.wait_for_selector("#tray-strip .we-tray-item.current:nth-child(2)")  # now current
    broken = tmp_path / "broken.png"
    data = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(data, format="PNG")
    broken.write_bytes(data.getvalue()[:80])
    page.set_input_files("#upload-input", str(broken))
    page.wait_for_selector(".we-tray-status .error")
    assert "truncated or corrupt" in page.inner_text(".we-tray-status")
    page.screenshot(path=str(ARTIFACTS / "whatif-tray.png"))

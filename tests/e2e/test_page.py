"""The page in a real Chromium against a real server: it shows real model output."""

from __future__ import annotations

from pathlib import Path

from conftest import LiveServer


def test_page_shows_model_images_predictions_and_evaluation(
    browser, mnist_server: LiveServer, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(mnist_server.url + "/")
    page.wait_for_selector("#model-name:has-text('mnist-cnn')")
    page.wait_for_function("document.querySelectorAll('#thumbnails img').length === 64")
    page.wait_for_function(
        "[...document.querySelectorAll('#thumbnails img')]"
        ".every(i => i.complete && i.naturalWidth === 28)"
    )
    page.click("#thumbnails img[data-index='3']")
    page.wait_for_selector("#current h2:has-text('#3')")
    assert page.locator("#top5 li").count() == 5
    page.wait_for_function("document.getElementById('feature-maps').naturalWidth > 0")
    assert "shape 16,28,28" in page.inner_text("#feature-scale")
    page.click("#evaluate")
    page.wait_for_selector("#accuracy:has-text('on 5000 images')", timeout=60_000)
    accuracy = float(page.inner_text("#accuracy").split(":")[1].split("%")[0])
    assert accuracy > 90  # the trained CNN on real digits
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    assert not errors

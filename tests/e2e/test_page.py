"""The app shell in Chromium on the MNIST demo model: header, current image, evaluation."""

from __future__ import annotations

from live_server import LiveServer


def test_shell_shows_model_current_image_and_evaluation(page, mnist_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(mnist_server.url + "/?image=3")
    page.wait_for_selector("#model-name:has-text('mnist-cnn')")
    assert "5,000 images" in page.inner_text("#dataset-name")
    page.wait_for_selector(".current-title:has-text('#3')")
    page.wait_for_function("document.querySelectorAll('#top5 li').length === 5")
    assert page.evaluate("document.getElementById('current-image').naturalWidth") == 112
    page.keyboard.press("ArrowRight")  # keyboard navigation between images
    page.wait_for_selector(".current-title:has-text('#4')")
    assert "image=4" in page.url
    assert "not evaluated" in page.inner_text("#accuracy")
    page.click("#evaluate")
    page.wait_for_selector("#accuracy:has-text('on 5,000 images')", timeout=60_000)
    accuracy = float(page.inner_text("#accuracy").split("accuracy ")[1].split("%")[0])
    assert accuracy > 90  # the trained CNN on real digits
    page.click("nav.tabs button[data-section='semantics']")
    assert "section=semantics" in page.url

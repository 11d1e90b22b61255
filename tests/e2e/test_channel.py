"""The reference demo in Chromium: from a feature map in the architecture view to what that
channel means (feature visualisation, top images, layer atlas). Screenshots of an early and a
late convolution go to artifacts/e2e/ (not committed); look at them."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from live_server import REPO, LiveServer

ARTIFACTS = Path(os.environ.get("DEEPLING_ARTIFACTS", REPO / "artifacts")) / "e2e"


@pytest.fixture(scope="module")
def demo_server(
    reference_alexnet: Path, cifar_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    env = {**os.environ, "DEEPLING_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    server = LiveServer(
        [
            "--model",
            "alexnet-cifar",
            "--weights",
            str(reference_alexnet),
            "--data",
            str(cifar_dir),
            "--split",
            "test",
        ],
        env,
    )
    yield server
    server.stop()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _until(page, script: str, timeout: float = 180.0) -> None:  # type: ignore[no-untyped-def]
    """Poll ``script`` (a function) with evaluate: the app's CSP forbids wait_for_function's
    string evaluation."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        page.wait_for_timeout(100)


def _loaded(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    _until(
        page,
        f"() => {{ const i = document.querySelector({selector!r}); "
        "return !!i && i.complete && i.naturalWidth > 0; }",
    )


def _title_has(page, text: str) -> None:  # type: ignore[no-untyped-def]
    _until(page, f"() => document.querySelector('#channel-title').textContent.includes({text!r})")


@pytest.mark.reference
def test_open_a_channel_from_the_architecture_view(page, demo_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(demo_server.url + "/?section=architecture&node=features_2")
    page.wait_for_selector("#feature-maps [data-channel='5']")
    page.click("#feature-maps [data-channel='5']")
    assert "channel=5" in page.url  # the enlarged channel is the app's current channel
    page.click("#channel-focus button[data-action='what it means']")

    page.wait_for_selector("#channel-node")
    assert page.input_value("#channel-node") == "features_2"
    assert page.input_value("#channel-index") == "5"
    _loaded(page, "#feature-vis-image")
    # The visualisation is a real image with structure, not a flat colour.
    spread = page.evaluate(
        """() => { const i = document.querySelector('#feature-vis-image');
               const c = document.createElement('canvas'); c.width = 32; c.height = 32;
               const g = c.getContext('2d'); g.drawImage(i, 0, 0, 32, 32);
               const d = g.getImageData(0, 0, 32, 32).data; let lo = 255, hi = 0;
               for (let k = 0; k < d.length; k += 4) {
                 lo = Math.min(lo, d[k]); hi = Math.max(hi, d[k]); }
               return hi - lo; }"""
    )
    assert spread > 60

    page.click("#top-images-button")
    page.wait_for_selector("#top-images .ch-top-item img", timeout=180_000)
    assert page.locator("#top-images .ch-top-item").count() == 9
    _loaded(page, "#top-images .ch-top-item img")
    page.click("#atlas-button")
    _loaded(page, ".ch-atlas-img")
    assert page.locator(".ch-atlas-frame .ch-atlas-tile").count() == 32  # a tile per channel
    page.wait_for_timeout(500)
    _shot(page, "channel-early-conv")

    # A click on an atlas tile opens that channel; a click on a top image makes it current.
    box = page.locator(".ch-atlas-img").bounding_box()
    page.mouse.click(box["x"] + 3, box["y"] + 3)  # the first tile: channel 0
    _title_has(page, "channel 0")
    page.wait_for_selector("#top-images .ch-top-body:has-text('of features_2 · channel 0.') img")
    first = page.get_attribute("#top-images .ch-top-item", "data-index")
    page.click("#top-images .ch-top-item")
    assert f"image={first}" in page.url

    # A late convolution, picked in the panel; the table of the new node is its own pass.
    # (Its 128-channel atlas is left out here: a minute of CPU that the early one already tests.)
    page.select_option("#channel-node", "features_16")
    page.fill("#channel-index", "12")
    page.press("#channel-index", "Enter")
    _title_has(page, "features_16 · channel 12")
    _loaded(page, "#feature-vis-image")
    page.click("#top-images-button")
    page.wait_for_selector(
        "#top-images .ch-top-body:has-text('of features_16 · channel 12.') img", timeout=180_000
    )
    page.wait_for_timeout(500)
    _shot(page, "channel-late-conv")

"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from folder_servers import small_resnet_server
from PIL import Image

from live_server import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A 1400 x 900 page; the test fails if the page threw an uncaught error."""
    # bypass_csp: the tests' own wait_for_function strings are evaluated in the page, which
    # the app's CSP forbids (no eval); tests/e2e/test_csp.py checks the app under its CSP.
    page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    page.close()
    assert not errors, f"errors in the page: {errors}"


APP_CLASSES = ("cat", "dog", "ship")  # CIFAR-10 labels 3, 5, 8


@pytest.fixture(scope="module")
def app_server(cifar_test, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The small residual CNN (skip connections, a concatenation) served on an image folder
    of 40 real CIFAR-10 test images per class of APP_CLASSES."""
    folder = tmp_path_factory.mktemp("images")
    for name, label in zip(APP_CLASSES, (3, 5, 8), strict=True):
        (folder / name).mkdir()
        indices = [i for i, y in enumerate(cifar_test.labels) if y == label][:40]
        for i in indices:
            pixels = cifar_test.pixels[i].permute(1, 2, 0).numpy()
            Image.fromarray(pixels).save(folder / name / f"{i:05d}.png")
    server = small_resnet_server(folder, tmp_path_factory)
    yield server
    server.stop()

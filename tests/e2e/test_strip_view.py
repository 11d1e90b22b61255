"""The adversarial strip in Chromium against a real `deepling serve`: from a misclassified image
found in the data view, one click makes its strip; frames, difference maps and chart appear.

On the trained MNIST CNN, and on the reference demo (AlexNet-CIFAR on real CIFAR-10 images,
where its checkpoint and the data exist). Screenshots go to artifacts/e2e/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from deepling.data.cifar import CIFAR10_CLASSES
from live_server import REPO, LiveServer

ARTIFACTS = Path(os.environ.get("DEEPLING_ARTIFACTS", REPO / "artifacts")) / "e2e"


@pytest.fixture(scope="module")
def cifar_server(  # type: ignore[no-untyped-def]
    reference_alexnet: Path, cifar_test, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("cifar-images")
    for label, name in enumerate(CIFAR10_CLASSES):  # folders sort in CIFAR's class order
        (folder / name).mkdir()
        indices = [i for i, y in enumerate(cifar_test.labels) if y == label][:40]
        for i in indices:
            Image.fromarray(cifar_test.pixels[i].permute(1, 2, 0).numpy()).save(
                folder / name / f"{i:05d}.png"
            )
    env = {**os.environ, "DEEPLING_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    server = LiveServer(
        ["--model", "alexnet-cifar", "--weights", str(reference_alexnet), "--data", str(folder)],
        env,
    )
    yield server
    server.stop()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _open_misclassified(page, url: str, true_class: int | None) -> int:  # type: ignore[no-untyped-def]
    """Evaluate in the data view, filter to wrong predictions, open the first one."""
    page.goto(url + "/?section=data")
    page.wait_for_selector("#image-grid [data-index]")
    page.click("#evaluate")
    page.wait_for_selector("#confusion-matrix [data-true='0'][data-predicted='0']", timeout=120_000)
    page.select_option("#filter-correct", "wrong")
    if true_class is not None:
        page.select_option("#filter-true", str(true_class))
    page.wait_for_timeout(300)
    first = page.locator("#image-grid [data-index]").first
    index = int(first.get_attribute("data-index") or -1)
    first.click()
    page.wait_for_url(f"**image={index}**")
    return index


def _predicted(page, index: int) -> str:  # type: ignore[no-untyped-def]
    return str(
        page.evaluate(f"fetch('api/image/predictions?index={index}&top=1').then(r => r.json())")[
            "top"
        ][0]["name"]
    )


def _make_strip(page) -> dict:  # type: ignore[no-untyped-def, type-arg]
    page.click("#open-strip")  # from the current image, wherever we are
    page.wait_for_url("**panel=strip**")
    page.wait_for_selector("#strip-view #strip-run")
    page.click("#strip-run")
    # Eight frames, the last captioned with its number.
    page.wait_for_selector(
        "#strip-row .st-column:nth-child(8) .st-caption:has-text('frame 7')", timeout=120_000
    )
    assert page.locator("#strip-row canvas.st-image").count() == 8
    assert page.locator("#strip-row canvas.st-diff").count() == 8
    assert page.locator("#strip-chart polyline").count() >= 1
    assert page.locator("#strip-legend").count() == 1
    blank = page.evaluate(
        """() => [...document.querySelectorAll('#strip-row canvas.st-diff')].slice(1).map(c => {
               const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0]) return false;
               return true; })"""
    )
    assert not any(blank), "a difference map after the first frame is one flat colour"
    return {"summary": page.inner_text("#strip-summary")}


def test_strip_of_a_misclassified_digit(page, mnist_server) -> None:  # type: ignore[no-untyped-def]
    index = _open_misclassified(page, mnist_server.url, None)
    predicted = _predicted(page, index)
    made = _make_strip(page)
    # A misclassified image's default target is its predicted class: "why this class?"
    assert f"image #{index} → {predicted}" in made["summary"]
    assert "already predicted at the start" in made["summary"]
    assert page.locator("#strip-flip-mark").count() == 1
    page.click("#strip-play")  # play: the shown frame advances
    page.wait_for_selector("#strip-player-label:has-text('frame 2:')")
    page.click("#strip-play")
    with page.expect_download() as download:
        page.click("#strip-download")
    path = download.value.path()
    assert path is not None and Image.open(path).size[0] > 8 * 96
    _shot(page, "strip-mnist")
    # A chosen class: the strip flips to it at a marked frame.
    page.select_option("#strip-target", label=f"class {(int(predicted) + 1) % 10}")
    page.click("#strip-run")
    page.wait_for_selector("#strip-summary:has-text('flips at frame')", timeout=120_000)
    page.wait_for_selector("#strip-flip-mark", state="attached")


@pytest.mark.reference
def test_reference_demo_airplane_strip(page, cifar_server) -> None:  # type: ignore[no-untyped-def]
    index = _open_misclassified(page, cifar_server.url, 0)  # an airplane called something else
    predicted = _predicted(page, index)
    assert predicted != "airplane"
    made = _make_strip(page)
    assert f"image #{index} → {predicted}" in made["summary"]
    assert page.locator("#strip-chart polyline[data-class='0']").count() == 1  # the true class
    _shot(page, "strip-cifar-airplane")
    page.select_option("#strip-target", label="class airplane")  # "what would make it an airplane?"
    page.click("#strip-run")
    page.wait_for_selector("#strip-summary:has-text('→ airplane')", timeout=120_000)
    assert "flips at frame" in page.inner_text("#strip-summary")
    _shot(page, "strip-cifar-to-airplane")

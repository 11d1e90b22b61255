"""The app in Chromium against a real `deepling serve`: architecture and data views.

A small residual CNN (skip connections, a concatenation) on an image folder of real CIFAR-10
images. Screenshots of each view go to artifacts/e2e/ (not committed).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from live_server import REPO, LiveServer

CLASSES = ("cat", "dog", "ship")  # CIFAR-10 labels 3, 5, 8
ARTIFACTS = Path(os.environ.get("DEEPLING_ARTIFACTS", REPO / "artifacts")) / "e2e"


@pytest.fixture(scope="module")
def app_server(cifar_test, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("images")
    for name, label in zip(CLASSES, (3, 5, 8), strict=True):
        (folder / name).mkdir()
        indices = [i for i, y in enumerate(cifar_test.labels) if y == label][:40]
        for i in indices:
            pixels = cifar_test.pixels[i].permute(1, 2, 0).numpy()
            Image.fromarray(pixels).save(folder / name / f"{i:05d}.png")
    env = {**os.environ, "DEEPLING_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    model = Path(__file__).with_name("small_resnet.py")
    server = LiveServer(["--model", f"{model}:small_resnet", "--data", str(folder),
                         "--input-shape", "3,32,32"], env)
    yield server
    server.stop()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_architecture_view_graph_node_and_feature_maps(  # type: ignore[no-untyped-def]
    page, app_server: LiveServer
) -> None:
    page.goto(app_server.url + "/?section=architecture")
    page.wait_for_selector("#architecture-graph [data-node='add']")
    for node in ("stem", "cat", "add_1", "head"):  # skip connections and the concatenation
        assert page.locator(f"#architecture-graph [data-node='{node}']").count() == 1
    page.click("#architecture-graph [data-node='layer1_conv1']")
    page.wait_for_function("document.querySelectorAll('#feature-maps canvas').length === 16")
    assert "layer1.conv1" in page.inner_text("#node-details")
    blank = page.evaluate(
        """() => [...document.querySelectorAll('#feature-maps canvas')].every(c => {
               const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0]) return false;
               return true; })"""
    )
    assert not blank, "every feature map is a single flat colour"
    assert "node=layer1_conv1" in page.url
    _shot(page, "architecture")


def test_data_view_evaluation_confusion_filter_and_bookmark(  # type: ignore[no-untyped-def]
    page, app_server: LiveServer
) -> None:
    page.goto(app_server.url + "/?section=data")
    page.wait_for_selector("#image-grid [data-index='0']")
    assert "120" in page.inner_text("#match-count")
    page.click("#evaluate")
    page.wait_for_selector("#confusion-matrix [data-true='0'][data-predicted='0']", timeout=60_000)
    counts = page.evaluate(
        """() => [...document.querySelectorAll('#confusion-matrix [data-true]')].map(
               c => [c.dataset.true, c.dataset.predicted, Number(c.dataset.count)])"""
    )
    true_class, predicted, count = max(counts, key=lambda c: c[2])
    page.click(f"#confusion-matrix [data-true='{true_class}'][data-predicted='{predicted}']")
    page.wait_for_function(f"document.querySelector('#match-count').textContent.includes('{count}')")
    _shot(page, "data-filtered")
    first = int(page.locator("#image-grid [data-index]").first.get_attribute("data-index"))
    page.click(f"#image-grid [data-index='{first}']")
    page.wait_for_function(f"location.search.includes('image={first}')")
    bookmark = page.url
    page.goto(bookmark)  # reload the bookmarked state
    page.wait_for_selector("#current-image")
    page.wait_for_function(f"document.querySelector('.current-title').textContent.includes('#{first}')")
    assert "section=data" in page.url
    _shot(page, "data-bookmark")


def test_layer_projection_pick_run_scrub_play_hover(  # type: ignore[no-untyped-def]
    page, app_server: LiveServer
) -> None:
    page.goto(app_server.url + "/?section=data&panel=projection")
    page.wait_for_selector("#projection-view #projection-classes input")
    # Pick two classes (cat and dog), 10 images each, and run.
    for box in page.locator("#projection-classes input").all():
        if box.get_attribute("value") in ("0", "1") and not box.is_checked():
            box.check()
        elif box.get_attribute("value") not in ("0", "1") and box.is_checked():
            box.uncheck()
    page.fill("#projection-per-class", "10")
    page.click("#projection-run")
    page.wait_for_selector("#projection-canvas[data-layers]", timeout=60_000)
    assert page.get_attribute("#projection-canvas", "data-points") == "20"
    layers = int(page.get_attribute("#projection-canvas", "data-layers") or 0)
    graph_nodes = page.evaluate("fetch('api/projection-layers').then(r => r.json())")["all"]
    assert layers == len(graph_nodes)
    # Drag the slider to the last layer: its node name is shown.
    page.locator("#layer-slider").fill(str(layers - 1))
    page.wait_for_function(f"document.querySelector('#layer-name').textContent.includes('{graph_nodes[-1]}')")
    _shot(page, "projection-last-layer")
    # Hover the first point once the transition has come to rest: the card names the image.
    probe = ""
    for _ in range(20):  # the probe is where the point is drawn at rest; wait until it holds
        page.wait_for_selector("#projection-canvas[data-probe]")
        previous, probe = probe, page.get_attribute("#projection-canvas", "data-probe") or ""
        if probe == previous:
            break
        page.wait_for_timeout(400)
    x, y, index = (int(v) for v in probe.split(","))
    box = page.locator("#projection-canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + x - 6, box["y"] + y - 6)
    page.mouse.move(box["x"] + x, box["y"] + y, steps=3)
    page.wait_for_selector("#projection-hover-card:visible")
    assert f"#{index}" in page.inner_text("#projection-hover-card")
    _shot(page, "projection-hover")
    # Play the loop: frames are drawn and the layer advances.
    page.click("#projection-play")
    page.wait_for_selector("#projection-canvas[data-fps]", timeout=30_000)
    assert float(page.get_attribute("#projection-canvas", "data-fps") or 0) > 10
    page.click("#projection-play")

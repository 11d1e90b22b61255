"""The layer projection in Chromium against a real `deepling serve`: pick, run, scrub, play
and hover, the class-separation curve under the slider and the two-class colours, on the small
residual CNN over real CIFAR-10 images (the app_server of conftest.py); an image that cannot be
read is left out of the picture."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import numpy as np
import pytest
from canvas_points import at_rest, css_rgb, hover, lone_dot
from folder_servers import small_resnet_server
from PIL import Image
from screens import shot

from live_server import LiveServer


def _projected(page) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Wait for the projection to be shown; its points and layers, as the status line reads."""
    page.wait_for_selector("#projection-status:has-text('layers in')", timeout=60_000)
    found = re.search(r"([\d,]+) images × (\d+) layers in", page.inner_text("#projection-status"))
    assert found, page.inner_text("#projection-status")
    points, layers = int(found[1].replace(",", "")), int(found[2])
    # The slider spans the layers, and the legend counts every point once.
    assert page.get_attribute("#layer-slider", "max") == str(layers - 1)
    counts = page.locator("#projection-legend .pj-legend-count").all_inner_texts()
    assert sum(int(c.replace(",", "")) for c in counts) == points
    return points, layers


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
    points, layers = _projected(page)
    assert points == 20
    graph_nodes = page.evaluate("fetch('api/projection-layers').then(r => r.json())")["all"]
    assert layers == len(graph_nodes)
    # Drag the slider to the last layer: its node name is shown.
    page.locator("#layer-slider").fill(str(layers - 1))
    page.wait_for_function(
        f"document.querySelector('#layer-name').textContent.includes('{graph_nodes[-1]}')"
    )
    assert f"layer {layers - 1} of 0–{layers - 1}" in page.inner_text("#layer-detail")
    shot(page, "projection-last-layer")
    # Once the transition has come to rest, hover a dot of each colour where it is drawn: the
    # card names an image of the class that colour stands for.
    pixels = at_rest(page)
    items = page.locator("#projection-legend .pj-legend-item")
    for i in range(items.count()):
        name = items.nth(i).locator(".pj-legend-label").inner_text()
        swatch = items.nth(i).locator(".pj-swatch")
        colour = css_rgb(swatch.evaluate("e => getComputedStyle(e).backgroundColor"))
        hover(page, *lone_dot(pixels, colour))
        card = page.locator("#projection-hover-card")
        card.locator(f".hc-line:has-text('true'):has-text('{name}')").wait_for()
        assert re.search(r"#\d+", card.inner_text())
        shot(page, f"projection-hover-{name}")
        page.mouse.move(5, 5)  # off the canvas: the card goes
        card.wait_for(state="hidden")
    # Play the loop: frames are drawn (the rate shows beside the hint) and the layer advances.
    page.click("#projection-play")
    page.wait_for_selector(".pj-fps:has-text('fps')", timeout=30_000)
    assert float(page.inner_text(".pj-fps").split()[0]) > 10
    page.click("#projection-play")


def _pick_classes(page, classes: tuple[str, ...], per_class: int) -> None:  # type: ignore[no-untyped-def]
    for box in page.locator("#projection-classes input").all():
        box.set_checked(box.get_attribute("value") in classes)
    page.fill("#projection-per-class", str(per_class))


def test_separation_curve_layer_labels_and_two_class_colours(  # type: ignore[no-untyped-def]
    page, app_server: LiveServer
) -> None:
    page.goto(app_server.url + "/?section=data&panel=projection")
    page.wait_for_selector("#projection-view #projection-classes input:enabled")
    _pick_classes(page, ("0", "2"), 12)  # cat and ship
    page.click("#projection-run")
    points, layers = _projected(page)
    assert points == 24
    nodes = page.evaluate("fetch('api/projection-layers').then(r => r.json())")["all"]
    graph = {n["name"]: n for n in page.evaluate("fetch('api/graph').then(r => r.json())")["nodes"]}
    jobs = page.evaluate("fetch('api/jobs').then(r => r.json())")
    url = next(j["result_url"] for j in reversed(jobs) if j["kind"].startswith("projection:"))
    scores = page.evaluate(f"fetch('{url}/scores').then(r => r.json())")
    assert scores["nodes"] == nodes and len(nodes) == layers

    # The curve: one point per layer in each series, at the height of its score.
    curve = "#projection-scores [data-series='{}'] {}"
    for series, shape in (("knn_layout", "circle"), ("knn_full", "circle"), ("silhouette", "rect")):
        points = page.locator(curve.format(series, shape)).all()
        assert [int(p.get_attribute("data-layer") or -1) for p in points] == list(range(layers))
    knn = scores["knn_layout"]
    heights = [
        float(p.get_attribute("cy") or 0)
        for p in page.locator(curve.format("knn_layout", "circle")).all()
    ]
    best = max(range(layers), key=knn.__getitem__)
    worst = min(range(layers), key=knn.__getitem__)
    assert knn[best] > knn[worst] and heights[best] < heights[worst]  # higher is drawn higher

    # Click a point of the curve: the slider goes to that layer, named 0-based with its node.
    target = layers // 2
    # A real click where the point is drawn (another series' point may lie on top of it).
    box = page.locator(curve.format("knn_layout", f"circle[data-layer='{target}']")).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(f"document.querySelector('#layer-slider').value === '{target}'")
    node = graph[nodes[target]]
    assert page.inner_text("#layer-name") == nodes[target]
    detail = page.inner_text("#layer-detail")
    assert f"layer {target} of 0–{layers - 1}" in detail
    path = node["module_path"]
    assert (f"{node['op']} · {path}" if path and path != node["name"] else node["op"]) in detail
    # The key reads that layer's values; the first tick label is layer 0.
    key = page.inner_text("#projection-score-key")
    assert f"{math.floor(scores['knn_layout'][target] * 100 + 0.5)}%" in key  # as Math.round
    assert page.locator(".pj-tick span").first.inner_text() == f"0 {nodes[0]}"
    shot(page, "projection-scores")

    # Two classes are blue and orange, in the legend as on the points.
    swatches = page.locator("#projection-legend .pj-legend-item .pj-swatch")
    colours = [s.evaluate("e => getComputedStyle(e).backgroundColor") for s in swatches.all()]
    assert colours == ["rgb(31, 119, 180)", "rgb(255, 127, 14)"]
    labels = page.locator("#projection-legend .pj-legend-label").all_inner_texts()
    assert labels == ["cat", "ship"]


@pytest.fixture(scope="module")
def unreadable_server(cifar_test, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The small residual CNN on 12 real CIFAR-10 cats and one "dog" whose file is not an image."""
    folder = tmp_path_factory.mktemp("unreadable")
    (folder / "cat").mkdir()
    (folder / "dog").mkdir()
    for i in [i for i, y in enumerate(cifar_test.labels) if y == 3][:12]:
        Image.fromarray(cifar_test.pixels[i].permute(1, 2, 0).numpy()).save(
            folder / "cat" / f"{i:05d}.png"
        )
    (folder / "dog" / "broken.png").write_bytes(b"not a PNG at all")
    server = small_resnet_server(folder, tmp_path_factory)
    yield server
    server.stop()


def test_an_unreadable_image_is_not_drawn(page, unreadable_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(unreadable_server.url + "/?section=data&panel=projection")
    page.wait_for_selector("#projection-view #projection-classes input:enabled")
    _pick_classes(page, ("0", "1"), 12)
    page.click("#projection-run")
    points, _ = _projected(page)
    assert points == 13
    assert "1 image could not be read: not drawn." in page.inner_text("#projection-status")
    labels = page.locator("#projection-legend .pj-legend-label").all_inner_texts()
    counts = page.locator("#projection-legend .pj-legend-count").all_inner_texts()
    assert dict(zip(labels, counts, strict=True)) == {"cat": "12", "dog": "1"}
    page.mouse.move(5, 5)
    cats = at_rest(page)
    items = page.locator("#projection-legend .pj-legend-item")
    items.nth(0).click()  # hide the cats: only the unreadable dog is left to draw
    page.mouse.move(5, 5)
    dog_only = at_rest(page)
    items.nth(1).click()  # hide the dog too: nothing is drawn
    page.mouse.move(5, 5)
    nothing = at_rest(page)
    assert not np.array_equal(cats, nothing)  # the cats were drawn
    assert np.array_equal(dog_only, nothing)  # the dog never is

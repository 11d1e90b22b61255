"""The layer projection in Chromium against a real `deepling serve`: pick, run, scrub, play
and hover, the class-separation curve under the slider and the two-class colours, on the small
residual CNN over real CIFAR-10 images (the app_server of conftest.py)."""

from __future__ import annotations

import math

from screens import shot

from live_server import LiveServer


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
    page.wait_for_function(
        f"document.querySelector('#layer-name').textContent.includes('{graph_nodes[-1]}')"
    )
    assert f"layer {layers - 1} of 0–{layers - 1}" in page.inner_text("#layer-detail")
    shot(page, "projection-last-layer")
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
    shot(page, "projection-hover")
    # Play the loop: frames are drawn and the layer advances.
    page.click("#projection-play")
    page.wait_for_selector("#projection-canvas[data-fps]", timeout=30_000)
    assert float(page.get_attribute("#projection-canvas", "data-fps") or 0) > 10
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
    page.wait_for_selector("#projection-canvas[data-layers]", timeout=60_000)
    layers = int(page.get_attribute("#projection-canvas", "data-layers") or 0)
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

"""The layer projection in Chromium against a real `deepling serve`: pick, run, scrub, play
and hover, on the small residual CNN over real CIFAR-10 images (the app_server of test_app)."""

from __future__ import annotations

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
    page.wait_for_function(f"document.querySelector('#layer-name').textContent.includes('{graph_nodes[-1]}')")
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

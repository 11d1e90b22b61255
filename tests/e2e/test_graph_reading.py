"""Reading the architecture graph in Chromium at 1400 x 900, as a new user first sees it: the
fitted view's labels are large enough to read, each box names its node as the dropdowns do, a
wheel notch zooms gently about the pointer, the graph uses the panel's width, and picking
another node drops the channel from the URL. Screenshots go to artifacts/e2e/ (look at them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from screens import shot

from live_server import LiveServer

READABLE_PX = 10.0  # the smallest label on screen at the fitted view
GRAPH = "#architecture-graph"

# The scale the graph is drawn at: its viewport's transform.
ZOOM = """() => {
  const t = document.querySelector('#architecture-graph .viewport').transform.baseVal.consolidate();
  return t ? t.matrix.a : 0;
}"""

# Every label of every op box on screen: its font size times the scale it is drawn at, and the
# height of its text's box; the boxes inside the panel; the graph's width against the panel's;
# the edges that run upwards somewhere (only those cut by a column break do: up the gutter).
MEASURE = """() => {
  const host = document.querySelector('#architecture-graph');
  const panel = host.getBoundingClientRect();
  const texts = [...host.querySelectorAll('.arch-node text')];
  const sizes = texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  const heights = texts.map(t => t.getBoundingClientRect().height);
  const boxes = [...host.querySelectorAll('[data-node], [data-group]')]
    .map(b => b.getBoundingClientRect());
  const inside = boxes.filter(b => b.left >= panel.left - 0.5 && b.right <= panel.right + 0.5
    && b.top >= panel.top - 0.5 && b.bottom <= panel.bottom + 0.5).length;
  return {
    smallest: Math.min(...sizes), lowest: Math.min(...heights), texts: texts.length,
    nodes: host.querySelectorAll('[data-node]').length, boxes: boxes.length, inside,
    graphWidth: host.querySelector('.viewport').getBoundingClientRect().width,
    panelWidth: panel.width,
    upwards: [...host.querySelectorAll('path.arch-edge')].filter(p => {
      const ys = [...p.getAttribute('d').matchAll(/[ML][-\\d.]+,([-\\d.]+)/g)]
        .map(m => Number(m[1]));
      return ys.some((y, i) => i > 0 && y < ys[i - 1] - 1);
    }).length,
  };
}"""

# Each op box's lines of text, by node name.
LABELS = """() => Object.fromEntries(
  [...document.querySelectorAll('#architecture-graph [data-node]')]
    .map(g => [g.dataset.node, [...g.querySelectorAll('text')].map(t => t.textContent)]))"""


def _open_graph(page: Any, url: str) -> dict[str, Any]:
    page.goto(url + "/?section=architecture")
    # Laid out and drawn: the status line gives the time it took.
    page.wait_for_function(
        "/layout \\d+ ms/.test(document.querySelector('.arch-status')?.textContent ?? '')",
        timeout=60_000,
    )
    return page.evaluate(MEASURE)  # type: ignore[no-any-return]


def _zoom(page: Any) -> float:
    return float(page.evaluate(ZOOM))


def _zoom_changes_from(page: Any, zoom: float) -> None:
    page.wait_for_function(f"({ZOOM})() !== {zoom}")


def _assert_readable_and_whole(m: dict[str, Any], name: str) -> None:
    assert m["nodes"] and m["texts"] == 2 * m["nodes"], m  # two lines per op box
    assert m["smallest"] >= READABLE_PX, f"{name}: labels {m['smallest']:.1f} px at the fit {m}"
    assert m["lowest"] >= READABLE_PX, f"{name}: a label's text is {m['lowest']:.1f} px high {m}"
    # A model of this size is read whole at that size: every box inside the panel.
    assert m["inside"] == m["boxes"], f"{name}: {m['boxes'] - m['inside']} boxes outside {m}"


def test_fitted_small_resnet_is_readable_whole_and_uses_the_width(
    page: Any, app_server: LiveServer
) -> None:
    m = _open_graph(page, app_server.url)
    shot(page, "graph-reading-small-resnet")
    _assert_readable_and_whole(m, "small ResNet")
    # 21 ops are too tall for one readable column: cut into columns across the panel (the edges
    # that cross a cut run back up to the top of the next column).
    assert m["upwards"] >= 1, m
    assert m["graphWidth"] >= 0.5 * m["panelWidth"], m


def test_every_box_names_its_node_as_the_dropdowns_do(page: Any, app_server: LiveServer) -> None:
    _open_graph(page, app_server.url)
    labels = page.evaluate(LABELS)
    graph = page.evaluate("fetch('api/graph').then(r => r.json())")["nodes"]
    assert set(labels) == {n["name"] for n in graph}
    page.goto(app_server.url + "/?section=semantics&panel=channel")
    page.wait_for_selector("#channel-node option", state="attached")
    options = page.eval_on_selector_all(
        "#channel-node option", "os => os.map(o => [o.value, o.textContent])"
    )
    assert options
    for name, text in options:
        first, second = labels[name]
        assert first == name, f"the box of {name} reads {first!r}"
        assert text == f"{first} · {second}", f"dropdown {text!r}, box {first!r} / {second!r}"
    # The op and the module path are on the second line, with the shape.
    assert labels["layer1_conv1"][1] == "conv2d · layer1.conv1 · 16×32×32"


def test_a_wheel_notch_zooms_gently_about_the_pointer(page: Any, app_server: LiveServer) -> None:
    _open_graph(page, app_server.url)
    fitted = _zoom(page)
    target = page.locator(f"{GRAPH} [data-node='layer1_bn1'] rect.box")
    box = target.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.wheel(0, -100)  # one notch up: zoom in
    _zoom_changes_from(page, fitted)
    zoomed = _zoom(page)
    assert 1.05 <= zoomed / fitted <= 1.25, f"one notch: {fitted} -> {zoomed}"
    # The point under the pointer stays under it.
    after = target.bounding_box()
    assert after is not None
    assert abs(after["x"] + after["width"] / 2 - x) < 2
    assert abs(after["y"] + after["height"] / 2 - y) < 2
    page.mouse.wheel(0, 100)  # and back down
    _zoom_changes_from(page, zoomed)
    assert abs(_zoom(page) / fitted - 1) < 0.01
    # A quick flick of three notches is no leap: well under 2x.
    for _ in range(3):
        page.mouse.wheel(0, -100)
    page.wait_for_timeout(100)
    assert _zoom(page) / fitted < 2
    # The buttons take a notch's step; Fit comes back to the fitted view.
    page.click("#fit-graph")
    assert abs(_zoom(page) - fitted) < 0.002
    page.click("#zoom-in")
    assert abs(_zoom(page) / zoomed - 1) < 0.01
    page.click("#zoom-out")
    page.click("#zoom-out")
    assert abs(_zoom(page) * zoomed / fitted**2 - 1) < 0.01


def test_picking_another_node_drops_the_channel(page: Any, app_server: LiveServer) -> None:
    page.goto(app_server.url + "/?section=architecture&node=layer1_conv1")
    page.wait_for_selector("#feature-maps [data-channel='5']")
    page.click("#feature-maps [data-channel='5']")
    page.wait_for_url("**channel=5**")
    # A click on another box: the channel was layer1_conv1's, so it goes.
    page.click(f"{GRAPH} [data-node='layer2_conv1']")
    page.wait_for_url("**node=layer2_conv1**")
    assert "channel=" not in page.url
    # Any other way of picking a node too: a link in the details panel (an input of the node).
    page.wait_for_selector("#feature-maps [data-channel='3']")
    page.click("#feature-maps [data-channel='3']")
    page.wait_for_url("**channel=3**")
    page.click("#node-details [data-link='cat']")
    page.wait_for_url("**node=cat**")
    assert "channel=" not in page.url
    # A channel named with its node stays: the Channel panel's node dropdown starts at channel 0.
    page.goto(app_server.url + "/?section=semantics&panel=channel&node=layer1_conv1&channel=7")
    page.wait_for_selector("#channel-node")
    page.select_option("#channel-node", "layer2_conv1")
    page.wait_for_url("**node=layer2_conv1**")
    assert "channel=0" in page.url


def test_mnist_demo_reads_at_the_fitted_view(page: Any, mnist_server: LiveServer) -> None:
    m = _open_graph(page, mnist_server.url)
    shot(page, "graph-reading-mnist")
    _assert_readable_and_whole(m, "MNIST demo")
    labels = page.evaluate(LABELS)
    assert all(lines[0] == name for name, lines in labels.items()), labels


@pytest.fixture(scope="module")
def alexnet_server(
    cifar_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The reference demo's architecture (AlexNet-CIFAR) on the CIFAR-10 test images. Its graph
    is the architecture's, whatever the weights: untrained here, so it is no reference test."""
    env = {**os.environ, "DEEPLING_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    server = LiveServer(
        ["--model", "alexnet-cifar", "--data", str(cifar_dir), "--split", "test"], env
    )
    yield server
    server.stop()


def test_alexnet_cifar_reads_whole_at_the_fitted_view(
    page: Any, alexnet_server: LiveServer
) -> None:
    # The case: 27 ops, which one fitted column drew at about 6 px.
    m = _open_graph(page, alexnet_server.url)
    shot(page, "graph-reading-alexnet")
    _assert_readable_and_whole(m, "AlexNet-CIFAR")
    assert m["upwards"] >= 1 and m["graphWidth"] >= 0.6 * m["panelWidth"], m  # in columns
    features_14 = ["features_14", "conv2d · features.14 · 128×8×8"]
    assert page.evaluate(LABELS)["features_14"] == features_14

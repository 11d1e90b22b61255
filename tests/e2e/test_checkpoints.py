"""Checkpoints and model comparison in Chromium against a real `deepling serve` of a series: the
MNIST CNN trained for three epochs here (a checkpoint per epoch), served from its folder of
checkpoints (it opens on the last and compares with the first). The header picks checkpoints,
the history charts the series, the training animation plays over the checkpoints, the
comparison opens the data grid on exactly the images that flipped, and CKA, weight change and
the feature maps under A and B show what changed inside. Screenshots go to artifacts/e2e/.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from screens import shot

from deepling.data.base import ArrayDataset
from live_server import LiveServer

EPOCHS = 3
JOB_TIMEOUT = 120_000


@pytest.fixture(scope="module")
def series_server(
    mnist_split: tuple[ArrayDataset, ArrayDataset], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    from deepling.models.training import train

    folder = tmp_path_factory.mktemp("series")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # seeded and single-threaded: the same weights on every run here
    try:
        train(
            "mnist-cnn", *mnist_split, folder / "mnist-cnn.pt", epochs=EPOCHS, seed=0, device="cpu"
        )
    finally:
        torch.set_num_threads(threads)
    checkpoints = folder / "mnist-cnn-epochs"
    assert sorted(p.name for p in checkpoints.iterdir()) == [f"epoch_{e}.pt" for e in (1, 2, 3)]
    env = {**os.environ, "DEEPLING_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    server = LiveServer(
        ["--model", "mnist-cnn", "--weights", str(checkpoints), "--data", "mnist-demo"], env
    )
    yield server
    server.stop()


def _api(server: LiveServer, path: str, method: str = "GET", body: object = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{server.url}/{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def _job_result(server: LiveServer, start: str, body: object = None) -> Any:
    """Start a job (done at once when its result is cached) and read its result."""
    job = _api(server, start, "POST", body if body is not None else {})
    while job["state"] in ("queued", "running"):
        job = _api(server, f"api/jobs/{job['id']}")
    assert job["state"] == "done", job
    return _api(server, job["result_url"])


def _start(server: LiveServer) -> None:
    """Every test starts as the server opens: the last checkpoint, compared with the first."""
    _api(server, "api/checkpoints/selected", "PUT", {"checkpoint": EPOCHS - 1})
    _api(server, "api/checkpoints/compare", "PUT", {"checkpoint": 0, "external": False})


def _open(page, server: LiveServer, panel: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/?section=changes&panel={panel}")
    page.wait_for_selector(f"#{panel}-panel", state="visible")


def test_header_picks_the_checkpoint_and_the_model_compared_with(page, series_server) -> None:  # type: ignore[no-untyped-def]
    _start(series_server)
    _open(page, series_server, "comparison")
    info = _api(series_server, "api/checkpoints")
    assert info["series"] and info["checkpoints"] == ["epoch_1", "epoch_2", "epoch_3"]
    assert page.locator("#checkpoint-select option").count() == EPOCHS
    assert page.input_value("#checkpoint-select") == str(EPOCHS - 1)
    assert page.input_value("#compare-select") == "checkpoint:0"
    compare_texts = page.locator("#compare-select option").all_inner_texts()
    assert compare_texts[0] == "none" and len(compare_texts) == 1 + EPOCHS
    assert "epoch_3" in page.inner_text("#model-name")
    shot(page, "checkpoints-header")

    # Another checkpoint: the page reloads on it, keeping the view.
    with page.expect_navigation():
        page.select_option("#checkpoint-select", "1")
    page.wait_for_selector("#comparison-panel", state="visible")
    assert "section=changes" in page.url and "panel=comparison" in page.url
    assert page.input_value("#checkpoint-select") == "1"
    assert "epoch_2" in page.inner_text("#model-name")
    assert _api(series_server, "api/checkpoints")["selected"] == 1
    assert "epoch_2" in page.inner_text("#comparison-panel .wc-model-a")

    # Nothing to compare with: the panel says so and points at the header; then epoch_3 again.
    page.select_option("#compare-select", "none")
    page.wait_for_selector("#comparison-status:has-text('compare with')")
    assert page.is_disabled("#comparison-run")
    assert _api(series_server, "api/checkpoints")["compare"] is None
    page.select_option("#compare-select", "checkpoint:2")
    page.wait_for_selector("#comparison-panel .wc-model-b:has-text('epoch_3')")
    assert _api(series_server, "api/checkpoints")["compare_checkpoint"] == 2
    assert page.is_enabled("#comparison-run")


def test_history_charts_every_checkpoint_and_a_click_selects_one(page, series_server) -> None:  # type: ignore[no-untyped-def]
    _start(series_server)
    _open(page, series_server, "history")
    page.click("#history-compute")
    page.wait_for_selector("#history-chart circle.wh-acc", timeout=JOB_TIMEOUT)
    assert page.locator("#history-chart circle.wh-acc").count() == EPOCHS
    assert page.locator("#history-chart rect.wh-loss").count() == EPOCHS
    selected = page.locator("#history-chart circle.wh-acc.selected")
    assert selected.count() == 1 and selected.get_attribute("data-checkpoint") == str(EPOCHS - 1)
    history = _job_result(series_server, "api/jobs/checkpoint-history")
    assert history["names"] == ["epoch_1", "epoch_2", "epoch_3"]
    assert history["accuracy"][-1] > history["accuracy"][0]  # three epochs of training help
    # Higher accuracy is drawn higher.
    heights = [
        float(page.get_attribute(f"#history-chart circle.wh-acc[data-checkpoint='{t}']", "cy") or 0)
        for t in range(EPOCHS)
    ]
    order = sorted(range(EPOCHS), key=lambda t: history["accuracy"][t])
    assert sorted(range(EPOCHS), key=lambda t: -heights[t]) == order
    shot(page, "checkpoints-history")

    # A click on the first checkpoint shows it in every view (after a reload), chart kept.
    with page.expect_navigation():
        page.click("#history-chart circle.wh-acc[data-checkpoint='0']")
    page.wait_for_selector("#history-chart circle.wh-acc.selected[data-checkpoint='0']")
    assert _api(series_server, "api/checkpoints")["selected"] == 0
    assert page.input_value("#checkpoint-select") == "0"


def test_training_animation_plays_over_the_checkpoints(page, series_server) -> None:  # type: ignore[no-untyped-def]
    _start(series_server)
    _open(page, series_server, "animation")
    # Opens on the last convolution or pooling layer, with 200 images of two classes.
    layers = _api(series_server, "api/projection-layers")
    ops = {n["name"]: n["op"] for n in _api(series_server, "api/graph")["nodes"]}
    late = [name for name in layers["conv_pool"] if re.search("conv|pool", ops[name])][-1]
    page.wait_for_function(f"document.querySelector('#checkpoint-node').value === '{late}'")
    assert page.locator("#checkpoint-classes input:checked").count() == 2
    assert page.input_value("#checkpoint-per-class") == "200"
    page.wait_for_selector("#checkpoint-summary:has-text('400 images')")
    page.click("#checkpoint-run")
    page.wait_for_selector("#checkpoint-slider:not([disabled])", timeout=JOB_TIMEOUT)
    assert page.get_attribute("#checkpoint-slider", "max") == str(EPOCHS - 1)
    assert page.inner_text("#checkpoint-frame") == "epoch_1"
    assert re.search(r"kNN \d+%.*silhouette -?\d\.\d\d", page.inner_text("#checkpoint-score"))
    legend = page.locator("#checkpoint-legend .wc-legend-item").all_inner_texts()
    assert len(legend) == 2 and all(text.endswith("200") for text in legend)
    shot(page, "checkpoints-animation-first")

    page.click("#checkpoint-play")
    page.wait_for_function(
        "document.querySelector('#checkpoint-frame').textContent !== 'epoch_1'", timeout=20_000
    )
    assert int(page.input_value("#checkpoint-slider")) > 0
    assert page.inner_text("#checkpoint-frame") in ("epoch_2", "epoch_3")
    page.wait_for_function(
        "document.querySelector('#checkpoint-frame').textContent === 'epoch_3'", timeout=20_000
    )
    page.click("#checkpoint-play")  # pause on the last checkpoint
    assert page.get_attribute("#checkpoint-play", "aria-pressed") == "false"
    page.wait_for_timeout(1500)  # the transition comes to rest
    shot(page, "checkpoints-animation-last")
    # The slider goes back to any checkpoint.
    page.locator("#checkpoint-slider").fill("1")
    page.wait_for_function("document.querySelector('#checkpoint-frame').textContent === 'epoch_2'")


def test_layers_by_checkpoints_moves_along_depth_and_training(page, series_server) -> None:  # type: ignore[no-untyped-def]
    _start(series_server)
    _open(page, series_server, "animation")
    layers = _api(series_server, "api/projection-layers")["conv_pool"]
    page.wait_for_selector("#checkpoint-grid:not([disabled])")
    page.check("#checkpoint-grid")
    assert page.is_disabled("#checkpoint-node")
    page.fill("#checkpoint-per-class", "50")
    page.wait_for_selector(f"#checkpoint-summary:has-text('100 images at {len(layers)} layers')")
    page.click("#checkpoint-run")
    page.wait_for_selector("#grid-map .wc-grid-cell", timeout=JOB_TIMEOUT)
    assert page.locator("#grid-map .wc-grid-cell").count() == len(layers) * EPOCHS
    assert page.locator("#grid-map .wc-matrix-row").all_inner_texts() == layers
    assert "Layer " + layers[0] in page.inner_text("#checkpoint-layer")
    # A cell moves there: the last layer at the first checkpoint, its own scores in the bar.
    last = layers[-1]
    page.click(f"#grid-map .wc-grid-cell[data-layer='{last}'][data-checkpoint='0']")
    page.wait_for_selector(f"#checkpoint-layer:has-text('{last}')")
    assert page.inner_text("#checkpoint-frame") == "epoch_1"
    cell = page.locator("#grid-map .wc-grid-cell.current")
    assert cell.get_attribute("data-layer") == last and cell.get_attribute("data-checkpoint") == "0"
    # The arrow keys move along training (right) and depth (up).
    page.focus("#grid-map .wc-grid-cells")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('#checkpoint-frame').textContent === 'epoch_2'")
    page.keyboard.press("ArrowUp")
    page.wait_for_selector(f"#checkpoint-layer:has-text('{layers[-2]}')")
    assert page.inner_text("#checkpoint-frame") == "epoch_2"
    # Playing through the layers keeps the checkpoint and changes the layer.
    page.select_option("#checkpoint-axis", "depth")
    page.click("#checkpoint-play")
    page.wait_for_function(
        f"!document.querySelector('#checkpoint-layer').textContent.includes('{layers[-2]}')",
        timeout=20_000,
    )
    page.click("#checkpoint-play")
    assert page.inner_text("#checkpoint-frame") == "epoch_2"
    page.wait_for_timeout(1500)  # the transition comes to rest
    shot(page, "checkpoints-grid")


def test_comparison_opens_the_grid_on_the_images_that_flipped(page, series_server) -> None:  # type: ignore[no-untyped-def]
    _start(series_server)
    _open(page, series_server, "comparison")
    page.click("#comparison-run")
    page.wait_for_selector("#confusion-diff .wc-matrix-cell", timeout=JOB_TIMEOUT)
    found = _job_result(series_server, "api/jobs/comparison")
    k = len(found["classes"])
    assert page.locator("#confusion-diff [data-true][data-predicted]").count() == k * k
    cell = page.locator("#confusion-diff [data-true='2'][data-predicted='3']")
    assert int(cell.get_attribute("data-value") or "x") == found["confusion"][2][3]
    assert f"{found['accuracy_a'] * 100:.2f}%" in page.inner_text("#accuracy-a")
    assert f"{found['accuracy_b'] * 100:.2f}%" in page.inner_text("#accuracy-b")
    assert page.locator("#class-change .wc-bar-row").count() == k
    shot(page, "checkpoints-comparison")

    for kind in ("fixed", "broken", "changed"):
        link = page.locator(f"#flip-links [data-flip='{kind}']")
        assert int(link.get_attribute("data-count") or -1) == len(found[kind])
    assert found["fixed"] and found["broken"]  # epoch 1 and 3 differ on this data both ways

    # The link opens the data grid showing exactly the fixed images.
    page.click("#flip-links [data-flip='fixed']")
    page.wait_for_selector("#image-grid [data-index]")
    assert "section=data" in page.url
    assert page.input_value("#filter-changed") == "fixed"
    fixed = len(found["fixed"])
    page.wait_for_function(
        f"document.querySelector('#match-count').textContent.startsWith('{fixed:,} of')"
    )
    shown = {
        int(i)
        for i in page.locator("#image-grid [data-index]").evaluate_all(
            "cells => cells.map(c => c.dataset.index)"
        )
    }
    # Fixed by training (wrong at epoch 1, right at epoch 3) is most images: the grid draws the
    # rows in view, each of them a fixed image.
    assert shown and shown <= set(found["fixed"])
    page.wait_for_selector(".dv-status", state="detached")  # the labels, then the thumbnails
    page.wait_for_load_state("networkidle")
    shot(page, "checkpoints-grid-fixed")
    # And the filter itself offers the other sets, with their counts.
    options = page.locator("#filter-changed option").all_inner_texts()
    assert f"broken ({len(found['broken']):,})" in options
    page.select_option("#filter-changed", "broken")
    broken = len(found["broken"])
    page.wait_for_function(
        f"document.querySelector('#match-count').textContent.startsWith('{broken:,} of')"
    )
    assert broken < 100  # few images get worse from epoch 1 to 3: all of them are drawn
    drawn = page.locator("#image-grid [data-index]").evaluate_all(
        "cells => cells.map(c => Number(c.dataset.index))"
    )
    assert set(drawn) == set(found["broken"])
    page.select_option("#filter-changed", "")
    page.wait_for_function(
        "document.querySelector('#match-count').textContent.startsWith('5,000 of')"
    )


def test_cka_weight_change_and_feature_maps_under_a_and_b(page, series_server) -> None:  # type: ignore[no-untyped-def]
    _start(series_server)
    page.set_viewport_size({"width": 1400, "height": 1500})  # the whole panel on screen
    page.goto(f"{series_server.url}/?section=changes&panel=inside&node=conv2&image=7")
    page.wait_for_selector("#inside-panel", state="visible")
    # Weight change: one bar per layer with parameters, as the API reports them.
    change = _api(series_server, "api/checkpoints/weight-change")
    page.wait_for_selector("#weight-change .wc-bar-row")
    assert page.locator("#weight-change .wc-bar-row").count() == len(change["layers"])
    assert all(layer["relative"] > 0 for layer in change["layers"])  # training moved every layer
    # CKA: a cell per pair of layers.
    page.click("#cka-run")
    page.wait_for_selector("#cka-heatmap .wc-cka-cell", timeout=JOB_TIMEOUT)
    cka = _job_result(series_server, "api/jobs/cka")
    rows, cols = len(cka["nodes_a"]), len(cka["nodes_b"])
    assert page.locator("#cka-heatmap .wc-cka-cell").count() == rows * cols
    first = cka["values"][0][0]
    page.hover(
        f"#cka-heatmap .wc-cka-cell[data-a='{cka['nodes_a'][0]}'][data-b='{cka['nodes_b'][0]}']"
    )
    readout = page.inner_text("#cka-readout")
    assert cka["nodes_a"][0] in readout and f"{first:.3f}" in readout
    assert page.locator("#inside-panel .legend canvas").count() == 1  # the 0..1 colour legend
    # Feature maps of the store's node for image 7 under A and B, side by side, not the same.
    assert page.input_value("#maps-node") == "conv2"
    page.wait_for_function(
        "['#maps-a', '#maps-b'].every(s => document.querySelector(s).naturalWidth > 0)"
    )
    differ = page.evaluate(
        """() => {
            const pixels = (s) => {
                const img = document.querySelector(s), c = document.createElement('canvas');
                c.width = img.naturalWidth; c.height = img.naturalHeight;
                const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                return g.getImageData(0, 0, c.width, c.height).data;
            };
            const a = pixels('#maps-a'), b = pixels('#maps-b');
            return a.length === b.length && a.some((v, i) => v !== b[i]);
        }"""
    )
    assert differ, "the feature maps under A and B are identical"
    # Channel statistics of the same node under A and B: a row per channel, largest change first.
    page.click("#stats-pair-run")
    page.wait_for_selector("#stats-pair-table tbody tr", timeout=JOB_TIMEOUT)
    a = _api(series_server, "api/channel-stats/conv2")
    b = _api(series_server, "api/channel-stats/conv2?model=compare")
    assert page.locator("#stats-pair-table tbody tr").count() == len(a["mean"])
    change = [x - y for x, y in zip(a["mean"], b["mean"], strict=True)]
    largest = max(range(len(change)), key=lambda i: abs(change[i]))
    first = page.locator("#stats-pair-table tbody tr").first
    assert first.get_attribute("data-channel") == str(largest)
    shot(page, "checkpoints-inside")

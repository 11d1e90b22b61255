"""A tour of every section as a user takes it, one screenshot a view: the README's pictures.

Each step opens a view the way a user does, waits for real model output in it (feature maps, the
confusion matrix, a projection, attribution maps, a feature visualisation, a strip, an edit
preview, an ablation's effect), checks that this view alone is on screen, and saves a
screenshot. The default run tours the MNIST demo into artifacts/e2e/; the README's pictures are
the reference demo's, written where $DEEPLING_SCREENSHOTS says:

    DEEPLING_SCREENSHOTS=docs/screenshots pytest tests/e2e/test_screenshots.py -m reference
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from screens import ARTIFACTS
from test_navigation import VIEWS, _assert_only, _open

from live_server import LiveServer

VIEW = {(section, panel): view for view in VIEWS for section, panel, _ in [view]}


def _save(page, demo: str, name: str) -> Path:  # type: ignore[no-untyped-def]
    folder = os.environ.get("DEEPLING_SCREENSHOTS")
    path = Path(folder) / f"{name}.png" if folder else ARTIFACTS / f"tour-{demo}-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # let the last transition (fades, the projection's morph) end
    page.screenshot(path=str(path))
    return path


def _not_flat(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the first image or canvas matching ``selector`` has more than one colour."""
    return bool(
        page.evaluate(
            """(selector) => {
                const source = document.querySelector(selector);
                if (!source) return false;
                const c = document.createElement('canvas'); c.width = 32; c.height = 32;
                const g = c.getContext('2d'); g.drawImage(source, 0, 0, 32, 32);
                const d = g.getImageData(0, 0, 32, 32).data;
                for (let i = 4; i < d.length; i += 4)
                  if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return true;
                return false; }""",
            selector,
        )
    )


@pytest.fixture(
    scope="module",
    params=["mnist", pytest.param("reference", marks=pytest.mark.reference)],
)
def tour(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LiveServer]]:  # type: ignore[no-untyped-def]
    """(demo, server): the MNIST demo, or the reference demo (AlexNet-CIFAR on the 10,000 real
    CIFAR-10 test images) where its trained weights and the data are present."""
    env = {**os.environ, "DEEPLING_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    if request.param == "mnist":
        checkpoint = request.getfixturevalue("trained_mnist")[1]
        args = ["--model", "mnist-cnn", "--weights", str(checkpoint), "--data", "mnist-demo"]
    else:
        weights = request.getfixturevalue("reference_alexnet")
        data = request.getfixturevalue("cifar_dir")
        args = ["--model", "alexnet-cifar", "--weights", str(weights), "--data", str(data)]
    server = LiveServer(args, env)
    yield request.param, server
    server.stop()


def test_tour_of_every_section(page, tour: tuple[str, LiveServer]) -> None:  # type: ignore[no-untyped-def]
    demo, server = tour
    reference = demo == "reference"
    conv = "features_11" if reference else "conv2"
    page.goto(f"{server.url}/?image=7")
    page.wait_for_selector("#architecture-graph")

    # Architecture: a convolution's feature maps for the current image.
    page.click(f"#architecture-graph [data-node='{conv}']")
    page.wait_for_selector("#feature-maps [data-channel='0']")
    assert _not_flat(page, "#feature-maps canvas")
    _assert_only(page, VIEW[("architecture", None)])
    _save(page, demo, "architecture")

    # Data: the evaluation, then the confusion matrix beside the grid.
    _open(page, "data", None)
    page.click("#evaluate")
    page.wait_for_selector("#confusion-matrix [data-true='0'][data-predicted='0']", timeout=300_000)
    _assert_only(page, VIEW[("data", None)])
    _save(page, demo, "data")

    # Data → Layer projection: the default classes (cat and dog on CIFAR), 100 images each.
    _open(page, "data", "projection")
    page.wait_for_selector("#projection-classes input")
    page.fill("#projection-per-class", "100")
    page.click("#projection-run")
    page.wait_for_selector("#projection-status:has-text('layers in')", timeout=300_000)
    layers = int(page.get_attribute("#layer-slider", "max") or 0) + 1
    assert layers > 2
    page.locator("#layer-slider").fill(str(layers - 2))
    page.wait_for_timeout(900)  # the jump's morph
    _assert_only(page, VIEW[("data", "projection")])
    _save(page, demo, "projection")

    # Semantics → Attribution: the fast maps of the current image.
    _open(page, "semantics", None)
    page.wait_for_selector(
        ".at-card[data-method='grad_cam']:not([aria-busy='true']) .at-legend", timeout=120_000
    )
    _assert_only(page, VIEW[("semantics", None)])
    _save(page, demo, "attribution")

    # Semantics → Channel: a channel's feature visualisation and its top dataset images.
    _open(page, "semantics", "channel")
    page.select_option("#channel-node", conv)
    page.fill("#channel-index", "3")
    page.press("#channel-index", "Enter")
    page.wait_for_selector("#feature-vis-image", timeout=300_000)
    page.wait_for_function(
        "() => document.querySelector('#feature-vis-image').naturalWidth > 0", timeout=300_000
    )
    page.click("#top-images-button")
    page.wait_for_selector("#top-images .ch-top-item img", timeout=300_000)
    _assert_only(page, VIEW[("semantics", "channel")])
    _save(page, demo, "channel")

    # Semantics → Adversarial strip of the current image, toward its default target.
    _open(page, "semantics", "strip")
    page.click("#strip-run")
    page.wait_for_selector("#strip-row .st-column:nth-child(8)", timeout=300_000)
    _assert_only(page, VIEW[("semantics", "strip")])
    _save(page, demo, "strip")

    # What if → Edit input: the selected node's feature maps follow an edit.
    _open(page, "whatif", None)
    page.select_option("#editor-node", conv)
    page.click("#rotate-left")
    page.wait_for_selector("#edited-top5 li")
    _assert_only(page, VIEW[("whatif", None)])
    _save(page, demo, "edit")

    # What if → Ablate channels: half of a layer's channels off, the prediction before and after.
    _open(page, "whatif", "ablation")
    page.select_option("#ablation-node", conv)
    page.fill("#ablation-numbers", "0-15")
    page.click("#ablation-numbers + button")
    page.wait_for_selector("#ablation-predictions:not(.loading) #ablation-verdict")
    _assert_only(page, VIEW[("whatif", "ablation")])
    _save(page, demo, "ablation")

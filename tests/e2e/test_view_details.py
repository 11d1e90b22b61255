"""Details a new user meets, in Chromium against real servers: the confusion matrix's corner reads
in full, paint shows on a dark digit, the batch-norm note in the ablation panel, numbered atlas
tiles, top images that stay readable where the channel fires, the misclassified mark on the
current image, labelled tray images and one node formatter in every node dropdown. On the
trained MNIST CNN (no batch norm) and the small ResNet on CIFAR images (conv → bn → relu).
Screenshots go to artifacts/e2e/ (or $DEEPLING_ARTIFACTS/e2e)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from screens import ARTIFACTS, shot

from live_server import LiveServer
from page_gestures import drag

# Mean brightness (0..255) of a rectangle of an image (as fractions of its size), as decoded.
REGION_MEAN = """async ([src, x0, y0, x1, y1]) => {
    const image = new Image(); image.src = src; await image.decode();
    const w = image.naturalWidth, h = image.naturalHeight;
    const c = document.createElement('canvas'); c.width = w; c.height = h;
    const g = c.getContext('2d'); g.drawImage(image, 0, 0);
    const [a, b] = [Math.round(x0 * w), Math.round(y0 * h)];
    const d = g.getImageData(a, b, Math.round(x1 * w) - a, Math.round(y1 * h) - b).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
    return sum / (d.length / 4); }"""


def _evaluate(page) -> tuple[list[int], list[int]]:  # type: ignore[no-untyped-def]
    """Run the evaluation from the header; the predicted and true class of every image."""
    page.click("#evaluate")
    page.wait_for_selector("#accuracy:has-text('on ')", timeout=120_000)
    predictions = page.evaluate("fetch('api/evaluation/images').then(r => r.json())")["predictions"]
    labels = [
        image["label"]
        for image in page.evaluate(
            f"fetch('api/dataset/images?offset=0&limit={len(predictions)}').then(r => r.json())"
        )["images"]
    ]
    return predictions, labels


@pytest.mark.parametrize("server_name", ["mnist_server", "app_server"])
def test_confusion_matrix_corner_reads_in_full(page, server_name: str, request) -> None:  # type: ignore[no-untyped-def]
    server: LiveServer = request.getfixturevalue(server_name)
    page.goto(server.url + "/?section=data")
    _evaluate(page)
    page.wait_for_selector("#confusion-corner")
    corner = page.evaluate(
        """() => { const c = document.querySelector('#confusion-corner');
              const view = c.closest('.dv-cm-scroll').getBoundingClientRect();
              const box = c.getBoundingClientRect();
              return { overflow: c.scrollWidth - c.clientWidth,
                       spans: [...c.children].map(s => { const r = s.getBoundingClientRect();
                         return { text: s.textContent, clipped: s.scrollWidth > s.clientWidth,
                  inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5
                    && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5
                    && r.left >= view.left - 0.5 && r.right <= view.right + 0.5 }; }) }; }"""
    )
    assert corner["overflow"] <= 0, corner
    assert [s["text"] for s in corner["spans"]] == ["predicted →", "true ↓"]
    assert all(s["inside"] and not s["clipped"] for s in corner["spans"]), corner
    # The two titles do not overlap each other either.
    boxes = page.evaluate(
        "[...document.querySelectorAll('#confusion-corner span')]"
        ".map(s => s.getBoundingClientRect().toJSON())"
    )
    assert boxes[0]["bottom"] <= boxes[1]["top"] + 0.5
    page.locator("#confusion-matrix").screenshot(
        path=str(_artifact(f"confusion-corner-{server_name}"))
    )


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_misclassified_mark_exactly_when_the_prediction_is_wrong(  # type: ignore[no-untyped-def]
    page, mnist_server: LiveServer
) -> None:
    page.goto(mnist_server.url + "/?image=0")
    predictions, labels = _evaluate(page)
    wrong = [i for i, (p, y) in enumerate(zip(predictions, labels, strict=True)) if p != y]
    assert wrong, "the trained CNN gets every digit right: no misclassified image to show"
    # The first images one by one with the arrow key, then two misclassified ones by address.
    checked = 0
    for index in [*range(12), *wrong[:2]]:
        if index == 0 or index > 11:
            page.goto(f"{mnist_server.url}/?image={index}")
        else:
            page.keyboard.press("ArrowRight")
        page.wait_for_selector(f".current-title:has-text('#{index}') .label")
        page.wait_for_function("document.querySelectorAll('#top5 li').length === 5")
        mark = page.locator(".current-title #misclassified")
        top = page.inner_text("#top5 li:first-child .name")
        if predictions[index] != labels[index]:
            assert mark.is_visible(), f"image #{index} is misclassified but not marked"
            assert mark.inner_text() == f"✗ misclassified: predicted {top}"
            assert mark.get_attribute("role") == "status"
            assert f"predicts {top}" in (mark.get_attribute("title") or "")
            colour = mark.evaluate("m => getComputedStyle(m).backgroundColor")
            assert colour == "rgb(179, 38, 30)"  # --danger: the mark is red
            checked += 1
        else:
            assert mark.count() == 0, f"image #{index} is right but marked misclassified"
    assert checked >= 2
    shot(page, "current-image-misclassified")


def test_paint_shows_on_a_dark_digit_and_tray_items_are_labelled(  # type: ignore[no-untyped-def]
    page, mnist_server: LiveServer, tmp_path: Path
) -> None:
    page.goto(mnist_server.url + "/?section=whatif&image=0")
    page.wait_for_selector("#edited-top5 li")
    page.wait_for_function("document.querySelector('#brush-colour').value === '#ffffff'")
    assert page.is_visible(".we-colour-mode:has-text('auto')")
    original = page.get_attribute("#original-image", "src") or ""
    before = page.get_attribute(".we-canvas img", "src")
    # A stroke along the top rows of the 28 x 28 digit, where the image is black.
    page.click("button[data-tool='brush']")
    drag(page, "#edit-canvas", (0.15, 0.08), (0.85, 0.08))
    page.wait_for_function("s => document.querySelector('.we-canvas img').src !== s", arg=before)
    edited = page.get_attribute(".we-canvas img", "src")
    region = [5 / 28, 1 / 28, 23 / 28, 4 / 28]  # columns 5-22, rows 1-3: under the stroke
    was = page.evaluate(REGION_MEAN, [original, *region])
    now = page.evaluate(REGION_MEAN, [edited, *region])
    assert was < 30, f"the test region is not black in the original ({was})"
    assert now > 200, f"the stroke did not paint white on black ({now})"
    shot(page, "whatif-paint-white-on-mnist")

    # Keep it: the tray item shows its name, true label and prediction, also as its title.
    page.click("#keep-button")
    page.wait_for_selector("#tray-strip [data-tray] .we-tray-pred:not(:empty)")
    entry = page.evaluate("fetch('api/tray').then(r => r.json())")[0]
    item = page.locator(f"#tray-strip [data-tray='{entry['id']}']")
    predicted = page.evaluate(
        f"fetch('api/image/predictions?tray={entry['id']}&top=1').then(r => r.json())"
    )["top"][0]["name"]
    assert item.locator(".we-tray-name").inner_text() == entry["name"]
    assert item.locator(".we-tray-label").inner_text() == f"true {entry['label_name']}"
    assert item.locator(".we-tray-pred").inner_text() == f"pred {predicted}"
    title = item.get_attribute("title") or ""
    assert entry["name"] in title and f"true: {entry['label_name']}" in title
    assert f"predicted: {predicted}" in title

    # A light image: automatic paint turns black. An upload has no label: it says so.
    white = tmp_path / "white.png"
    Image.new("L", (28, 28), 255).save(white)
    page.set_input_files("#upload-input", str(white))
    page.wait_for_selector("#tray-strip .we-tray-item.current:nth-child(2)")
    page.wait_for_function("document.querySelector('#brush-colour').value === '#000000'")
    upload = "#tray-strip .we-tray-item:nth-child(2) .we-tray-label"
    assert page.inner_text(upload) == "unlabelled"
    shot(page, "whatif-tray-labels")

    # The user's colour, once picked, stays for the next images.
    page.fill("#brush-colour", "#ff0000")
    assert page.is_visible("#brush-colour-auto") and page.is_hidden(".we-colour-mode")
    page.click(".we-side h3")  # out of the colour input: the arrow keys step through images
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(() => { const i = document.querySelector('#original-image');"
        " return i.src.includes('index=1') && i.complete; })()"
    )
    page.wait_for_timeout(300)  # time for a wrong automatic colour to show (none must)
    assert page.input_value("#brush-colour") == "#ff0000"
    page.click("#brush-colour-auto")  # back to automatic: white on this dark digit
    page.wait_for_function("document.querySelector('#brush-colour').value === '#ffffff'")


def test_top_images_and_atlas_tiles_on_mnist(page, mnist_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(mnist_server.url + "/?section=semantics&panel=channel&node=conv1&channel=3")
    page.click("#top-images-button")
    page.wait_for_selector(
        "#top-images .ch-top-body:has-text('of conv1 · channel 3.') canvas.ch-top-heat",
        timeout=120_000,
    )
    page.wait_for_function(
        "[...document.querySelectorAll('#top-images canvas.ch-top-heat')].every(c => c.width > 1)",
        timeout=60_000,
    )
    page.wait_for_function(
        "[...document.querySelectorAll('#top-images .ch-top-item img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    # Each top image composed as shown (image, then its heat overlay stretched over it): the
    # digit stays readable (its strokes much brighter than its background), and the overlay
    # marks some of the image, not none and not all.
    readings = page.evaluate(
        """() => [...document.querySelectorAll('#top-images .ch-top-item')].map(f => {
            const img = f.querySelector('img'), heat = f.querySelector('canvas');
            const w = img.naturalWidth, h = img.naturalHeight;
            const raw = document.createElement('canvas'); raw.width = w; raw.height = h;
            const r = raw.getContext('2d'); r.drawImage(img, 0, 0);
            const plain = r.getImageData(0, 0, w, h).data;
            r.imageSmoothingEnabled = true; r.drawImage(heat, 0, 0, w, h);
            const shown = r.getImageData(0, 0, w, h).data;
            const a = heat.getContext('2d').getImageData(0, 0, heat.width, heat.height).data;
            let stroke = 0, strokes = 0, ground = 0, grounds = 0, lit = 0, clear = 0;
            for (let i = 0; i < plain.length; i += 4) {
              const y = (shown[i] + shown[i + 1] + shown[i + 2]) / 3;
              if (plain[i] > 160) { stroke += y; strokes++; }
              else if (plain[i] < 40) { ground += y; grounds++; }
            }
            for (let i = 3; i < a.length; i += 4) { if (a[i] > 60) lit++; if (a[i] < 10) clear++; }
            return { contrast: stroke / strokes - ground / grounds, lit, clear }; })"""
    )
    assert len(readings) == 9
    for reading in readings:
        assert reading["contrast"] > 60, f"the digit is not readable under the overlay: {reading}"
    assert any(r["lit"] > 0 for r in readings), f"the overlay shows no firing: {readings}"
    assert any(r["clear"] > 0 for r in readings), f"the overlay covers everything: {readings}"
    shot(page, "channel-top-images-mnist")

    # Channel statistics first, so the atlas tiles' tooltips can name the mean activation.
    page.click("#channel-stat-button")
    page.wait_for_selector("#channel-stat dl", timeout=60_000)
    page.click("#atlas-button")
    page.wait_for_selector(".ch-atlas-frame .ch-atlas-tile", timeout=300_000)
    channels = page.locator(".ch-atlas-frame .ch-atlas-tile").count()
    assert channels == 16
    numbers = page.eval_on_selector_all(".ch-atlas-tile", "ts => ts.map(t => t.textContent)")
    assert numbers == [str(c) for c in range(channels)]
    page.hover(".ch-atlas-tile[data-channel='5']")
    page.wait_for_function(
        "document.querySelector(\".ch-atlas-tile[data-channel='5']\")"
        ".title.includes('mean activation')"
    )
    stats = page.evaluate("fetch('api/channel-stats/conv1?if_cached=true').then(r => r.json())")
    title = page.get_attribute(".ch-atlas-tile[data-channel='5']", "title") or ""
    assert title.startswith("conv1 · channel 5 · mean activation ")
    assert abs(float(title.split("mean activation ")[1].split(":")[0]) - stats["mean"][5]) < 0.01
    # Each number sits on its own tile: inside that tile's box, tiles in reading order.
    inside = page.evaluate(
        """() => [...document.querySelectorAll('.ch-atlas-tile')].every(t => {
            const a = t.getBoundingClientRect(), n = t.firstChild.getBoundingClientRect();
            return n.left >= a.left && n.top >= a.top
              && n.right <= a.right + 0.5 && n.bottom <= a.bottom + 0.5; })"""
    )
    assert inside
    page.click(".ch-atlas-tile[data-channel='7']")
    page.wait_for_selector("#channel-title:has-text('channel 7')")
    page.locator("#layer-atlas").screenshot(path=str(_artifact("channel-atlas-numbers")))


def test_batch_norm_note_and_one_node_formatter(page, app_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    # layer1_conv1 feeds layer1_bn1, then relu_1: zero is not off there.
    page.goto(app_server.url + "/?section=whatif&panel=ablation&node=layer1_conv1")
    page.wait_for_selector("#ablation-channels [data-channel='0']")
    note = page.locator("#ablation-bn-note")
    assert note.is_visible()
    assert "layer1_bn1" in note.inner_text() and "not off" in note.inner_text()
    shot(page, "ablation-bn-note")
    # Switch one channel off here, then move to the activation after the batch norm.
    page.click("#ablation-channels [data-channel='2']")
    page.wait_for_selector("#ablation-draft .ab-chip")
    assert page.inner_text("#ablation-bn-switch") == "Ablate at relu_1 instead"
    page.click("#ablation-bn-switch")
    page.wait_for_url("**node=relu_1**")
    assert page.input_value("#ablation-node") == "relu_1"
    page.wait_for_selector("#ablation-channels [data-channel='2'].off")
    assert note.is_hidden()
    draft = page.inner_text("#ablation-draft")
    assert "relu_1" in draft and "layer1_conv1" not in draft
    # A conv that feeds no batch norm: no note. Dataset-mean mode is fine before one: no note.
    page.select_option("#ablation-node", "stem")
    page.wait_for_url("**node=stem**")
    assert note.is_hidden()
    page.select_option("#ablation-node", "layer2_conv1")
    page.wait_for_function("!document.querySelector('#ablation-bn-note').hidden")
    assert "layer2_bn1" in note.inner_text()
    page.click("#ablation-bn-mean")
    assert page.input_value("#ablation-mode") == "mean" and note.is_hidden()

    # Every dropdown of graph nodes names a node the same way.
    texts: dict[str, dict[str, str]] = {}
    dropdowns = [
        ("whatif&panel=ablation", "#ablation-node"),
        ("whatif", "#editor-node"),
        ("semantics&panel=channel", "#channel-node"),
        ("semantics", "#attribution-node"),
    ]
    for section, select in dropdowns:
        page.goto(f"{app_server.url}/?section={section}")
        page.wait_for_selector(f"{select} option[value]:not([value=''])", state="attached")
        texts[select] = dict(
            page.eval_on_selector_all(
                f"{select} option",
                "os => os.filter(o => o.value).map(o => [o.value, o.textContent])",
            )
        )
    nodes = {n["name"]: n for n in page.evaluate("fetch('api/graph').then(r => r.json())")["nodes"]}
    seen: dict[str, str] = {}
    for options in texts.values():
        for name, text in options.items():
            node = nodes[name]
            assert text.startswith(f"{name} · {node['op']}"), text
            assert "×".join(str(s) for s in node["shape"]) in text, text
            assert seen.setdefault(name, text) == text, f"{name}: {seen[name]!r} vs {text!r}"
    assert len(seen) > 10

"""How far to trust an explanation, in Chromium against a real `deepling serve` (trained MNIST
CNN): one image's randomisation strip, verdict and faithfulness curves; the ranked method table
(sorting, exports) and its badges on the method cards, shown again after a reload without a new
job; and the feature-visualisation path check in the channel view."""

from __future__ import annotations

import re

METHODS = ("saliency", "grad_cam", "integrated_gradients", "smoothgrad", "occlusion")
CONTROLS = ("random", "edges")
LAYERS = 5  # the MNIST CNN's parameterised layers: conv1..conv3, fc1, fc2
FLAT = """(selector) => [...document.querySelectorAll(selector)].map(c => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 4; i < d.length; i += 4)
        if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return false;
    return true; })"""
ROWS = "() => [...document.querySelectorAll('#trust-table tbody tr')].map(r => r.dataset.method)"


def _table_jobs(page, url: str) -> int:  # type: ignore[no-untyped-def]
    jobs = page.request.get(url + "/api/jobs").json()
    return sum(1 for job in jobs if job["kind"].startswith("trust-table:"))


def _sorted_by(page, column: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.click(f"#trust-table th[data-sort='{column}'] button")
    rows: list[str] = page.evaluate(ROWS)
    return rows


def test_trust_panel_checks_an_image_and_ranks_the_methods(page, mnist_server) -> None:  # type: ignore[no-untyped-def]
    url = mnist_server.url
    page.goto(url + "/?section=semantics&panel=attribution&image=2")
    page.wait_for_selector("#attribution-grid .at-card[data-method='saliency'] .at-legend")
    options = page.eval_on_selector_all("#trust-method option", "os => os.map(o => o.value)")
    assert options == [*METHODS, *CONTROLS]
    # Nothing was started on load: no table existed, and none is made without a click.
    assert _table_jobs(page, url) == 0
    assert page.is_hidden("#trust-table-caption") and page.is_hidden("#trust-csv")

    # One image: the map after each randomisation step, the verdict, the curves.
    page.select_option("#trust-method", "saliency")
    page.click("#trust-run")
    page.wait_for_selector("#trust-strip", timeout=120_000)
    assert page.locator("#trust-strip .tr-frame").count() == LAYERS + 1
    labels = page.locator("#trust-strip .tr-frame-label").all_inner_texts()
    assert labels[0] == "original" and labels[1] == "after fc2" and labels[-1] == "after conv1"
    assert not any(page.evaluate(FLAT, "#trust-strip canvas")), "a blank randomisation frame"
    page.wait_for_selector("#trust-verdict:has-text('randomisation')")
    assert re.search(
        r"(Passes|Fails) the randomisation check: rank correlation -?\d\.\d\d",
        page.inner_text("#trust-verdict"),
    )
    assert page.locator("#trust-correlation path.lc-line").count() == 2
    assert page.locator("#trust-correlation .lc-rule").count() >= 1  # the threshold, dashed
    page.wait_for_selector("#trust-curves", timeout=120_000)
    assert page.locator("#trust-curves path.tr-curve").count() == 4
    legend = page.inner_text("#trust-curves-legend")
    for name in ("Deletion ↓", "Insertion ↑", "ROAD MoRF ↓", "ROAD LeRF ↑"):
        assert name in legend
    assert re.search(r"Max-sensitivity ↓ \d\.\d{3}", page.inner_text("#trust-sensitivity"))

    # One layer at a time: the check runs again, each frame with that layer alone random.
    page.select_option("#trust-order", "independent")
    page.wait_for_selector("#trust-strip .tr-frame-label:text-is('only fc2')", timeout=120_000)
    labels = page.locator("#trust-strip .tr-frame-label").all_inner_texts()
    assert labels[-1] == "only conv1" and "alone" in page.inner_text("#trust-verdict")

    # The table on a tiny sample: every method and both controls, the controls marked.
    page.fill("#trust-images", "4")
    assert page.inner_text("#trust-table-run") == "Rank methods on 4 images"
    page.click("#trust-table-run")
    page.wait_for_selector("#trust-table tbody tr", timeout=300_000)
    rows = page.evaluate(ROWS)
    assert sorted(rows) == sorted([*METHODS, *CONTROLS])
    for control in CONTROLS:
        row = page.locator(f"#trust-table tr[data-method='{control}']")
        assert "tr-control" in (row.get_attribute("class") or "")
        assert "control" in row.inner_text()
    caption = page.inner_text("#trust-table-caption")
    assert "4 images" in caption and "first 4" in caption

    # Sorting follows the data (the JSON export is the table the page shows).
    table = page.evaluate(
        "async () => await (await fetch(document.querySelector('#trust-json').href)).json()"
    )
    assert rows == [r["method"] for r in table["rows"]]  # the server's order: by rank

    def best_first(metric: str) -> list[str]:
        lower = table["lower_is_better"][metric]
        ordered = sorted(table["rows"], key=lambda r: r["scores"][metric] * (1 if lower else -1))
        return [r["method"] for r in ordered]

    assert _sorted_by(page, "metric:max_sensitivity") == best_first("max_sensitivity")
    assert (
        page.get_attribute("#trust-table th[data-sort='metric:max_sensitivity']", "aria-sort")
        == "ascending"
    )
    assert _sorted_by(page, "metric:max_sensitivity") == best_first("max_sensitivity")[::-1]
    assert _sorted_by(page, "metric:insertion") == best_first("insertion")
    assert (
        page.get_attribute("#trust-table th[data-sort='metric:insertion']", "aria-sort")
        == "descending"
    )
    by_randomisation = sorted(table["rows"], key=lambda r: abs(r["randomization"]))
    assert _sorted_by(page, "randomization") == [r["method"] for r in by_randomisation]

    # The exports: the CSV route, and the JSON as a download.
    href = page.get_attribute("#trust-csv", "href") or ""
    assert href == table["csv_url"] and href.endswith(".csv")
    csv = page.request.get(f"{url}/{href}")
    assert csv.ok and "attachment" in csv.headers["content-disposition"]
    assert csv.text().splitlines()[0].startswith("rank,method,control,deletion")
    assert (page.get_attribute("#trust-json", "href") or "").startswith("blob:")
    assert (page.get_attribute("#trust-json", "download") or "").endswith(".json")

    # Next to every attribution: its rank and randomisation verdict.
    badges = page.locator("#attribution-grid .at-card .trust-badge")
    assert badges.count() == len(METHODS)
    for text in badges.all_inner_texts():
        assert re.fullmatch(r"rank [1-7]/7 · randomisation [✓✗]", text), text
    saliency = next(r for r in table["rows"] if r["method"] == "saliency")
    mark = "✓" if saliency["passes_randomization"] else "✗"
    assert page.inner_text(".at-card[data-method='saliency'] .trust-badge").endswith(mark)

    # Another image: the check shown no longer applies and is put away; the table stays.
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#attribution-caption:has-text('image #3')")
    page.wait_for_selector("#trust-results", state="hidden")
    assert page.locator("#trust-table tbody tr").count() == len(METHODS) + len(CONTROLS)

    # A reload shows the table this server made, and its badges, without starting a job.
    jobs = _table_jobs(page, url)
    page.reload()
    page.wait_for_selector("#trust-table tbody tr", timeout=30_000)
    page.wait_for_selector("#attribution-grid .trust-badge")
    assert page.input_value("#trust-images") == "4"
    assert _table_jobs(page, url) == jobs


def test_feature_visualisation_path_check(page, mnist_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(mnist_server.url + "/?section=semantics&panel=channel&node=conv2&channel=3")
    page.wait_for_selector("#feature-vis-image", timeout=180_000)
    page.click("#fv-check-run")
    page.wait_for_selector("#fv-check-verdict", timeout=300_000)
    verdict = page.locator("#fv-check-verdict")
    assert "path score" in verdict.inner_text()
    assert re.search(
        r"fv-(follows|partly|diverges|inconclusive)", verdict.get_attribute("class") or ""
    )
    assert page.locator("#fv-check-chart path.lc-line").count() == 3
    ticks = page.eval_on_selector_all(
        "#fv-check-chart .lc-tick", "ts => ts.map(t => t.firstChild.nodeValue)"
    )
    assert "conv1" in ticks and "conv2" in ticks  # the layers up to the checked node
    # The check's pass ranked the node's top images: the card shows them without a click.
    page.wait_for_selector(".ch-top-item", timeout=60_000)
    assert page.locator(".ch-top-item").count() == 9

    # Another channel clears the verdict; the output's classes have no natural top images.
    page.click(".ch-controls button[title='Next channel']")
    page.wait_for_selector("#channel-title:has-text('channel 4')")
    assert page.locator("#fv-check-verdict").count() == 0
    output = page.eval_on_selector("#channel-node", "s => s.options[s.options.length - 1].value")
    page.select_option("#channel-node", output)
    page.wait_for_selector("#fv-check-run[disabled]")
    assert "output" in (page.get_attribute("#fv-check-run", "title") or "")

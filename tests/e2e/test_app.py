"""The app in Chromium against a real `deepling serve`: architecture and data views.

A small residual CNN (skip connections, a concatenation) on an image folder of real CIFAR-10
images. Screenshots of each view go to artifacts/e2e/ (not committed).
"""

from __future__ import annotations

from screens import shot

from live_server import LiveServer


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
    shot(page, "architecture")


def test_data_view_evaluation_confusion_filter_and_bookmark(  # type: ignore[no-untyped-def]
    page, app_server: LiveServer
) -> None:
    page.goto(app_server.url + "/?section=data")
    page.wait_for_selector("#image-grid [data-index='0']")
    assert "120" in page.inner_text("#match-count")
    page.click("#evaluate")
    page.wait_for_selector("#confusion-matrix [data-true='0'][data-predicted='0']", timeout=60_000)
    counts = page.evaluate(
        r"""() => [...document.querySelectorAll('#confusion-matrix [data-true]')].map(
               c => [c.dataset.true, c.dataset.predicted,
                     Number(c.title.match(/: ([\d,]+) images/)[1].replaceAll(',', ''))])"""
    )
    true_class, predicted, count = max(counts, key=lambda c: c[2])
    page.click(f"#confusion-matrix [data-true='{true_class}'][data-predicted='{predicted}']")
    page.wait_for_function(
        f"document.querySelector('#match-count').textContent.includes('{count}')"
    )
    shot(page, "data-filtered")
    first = int(page.locator("#image-grid [data-index]").first.get_attribute("data-index"))
    page.click(f"#image-grid [data-index='{first}']")
    page.wait_for_function(f"location.search.includes('image={first}')")
    bookmark = page.url
    page.goto(bookmark)  # reload the bookmarked state
    page.wait_for_selector("#current-image")
    page.wait_for_function(
        f"document.querySelector('.current-title').textContent.includes('#{first}')"
    )
    assert "section=data" in page.url
    shot(page, "data-bookmark")

"""Navigation in Chromium: whatever route leads to a view (a section tab, a sub-tab, "What it
means", "Adversarial strip →", a bookmarked URL), exactly that view is on screen.

A view is on screen when its key control is the element the browser finds at the control's own
centre (nothing drawn over it) and every other view's key control is not rendered.
"""

from __future__ import annotations

from itertools import permutations

import pytest

from live_server import LiveServer

# (section, panel, key control): one entry per view the user can open; panel None is the
# section's first (and, for the architecture, only) view.
VIEWS = (
    ("architecture", None, "#architecture-graph"),
    ("data", None, "#image-grid"),
    ("data", "projection", "#projection-run"),
    ("semantics", None, "#attribution-target"),
    ("semantics", "channel", "#channel-node"),
    ("semantics", "strip", "#strip-run"),
    ("whatif", None, "#editor-node"),
    ("whatif", "ablation", "#ablation-node"),
    ("changes", None, "#history-compute"),
    ("changes", "animation", "#checkpoint-run"),
    ("changes", "comparison", "#comparison-run"),
    ("changes", "inside", "#cka-run"),
)
SUB_TABS = {section: [v for v in VIEWS if v[0] == section] for section, _, _ in VIEWS}
FIRST_PANEL = {"data": "images", "semantics": "attribution", "whatif": "edit", "changes": "history"}

# The key control itself, or something inside it, is the topmost element at its centre.
ON_TOP = """(selector) => {
    const control = document.querySelector(selector);
    if (!control || !control.checkVisibility()) return false;
    const box = control.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return false;
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return hit !== null && (hit === control || control.contains(hit));
}"""
RENDERED = "(selector) => !!document.querySelector(selector)?.checkVisibility()"


def _open(page, section: str, panel: str | None) -> None:  # type: ignore[no-untyped-def]
    """Open a view as a user does: the section's tab, then the panel's sub-tab."""
    page.click(f"nav.tabs button[data-section='{section}']")
    if len(SUB_TABS[section]) > 1:
        wanted = panel or FIRST_PANEL[section]
        page.click(f"#section-{section} .subtabs button[data-panel='{wanted}']")


def _assert_only(page, shown: tuple[str, str | None, str]) -> None:  # type: ignore[no-untyped-def]
    section, panel, control = shown
    page.wait_for_selector(control, state="visible")
    assert page.evaluate(ON_TOP, control), f"{section}/{panel}: {control} is covered or missing"
    for other in VIEWS:
        if other != shown:
            assert not page.evaluate(RENDERED, other[2]), (
                f"{section}/{panel} is open but {other[0]}/{other[1]}'s {other[2]} is still shown"
            )


@pytest.fixture()
def app_page(page, mnist_server: LiveServer):  # type: ignore[no-untyped-def]
    page.goto(mnist_server.url + "/")
    page.wait_for_selector("#architecture-graph")
    return page


def test_every_view_after_every_other_shows_alone(app_page) -> None:  # type: ignore[no-untyped-def]
    # Build every view once, then switch along every ordered pair of views (sub-tabs of one
    # section and views of different sections alike).
    for view in VIEWS:
        _open(app_page, view[0], view[1])
        _assert_only(app_page, view)
    for left, chosen in permutations(VIEWS, 2):
        _open(app_page, left[0], left[1])
        _assert_only(app_page, left)
        _open(app_page, chosen[0], chosen[1])
        _assert_only(app_page, chosen)


def test_bookmarked_urls_open_their_view_alone(page, mnist_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    for view in VIEWS:
        section, panel, _ = view
        query = f"section={section}" + (f"&panel={panel}" if panel else "")
        page.goto(f"{mnist_server.url}/?{query}")
        _assert_only(page, view)


def test_what_it_means_and_strip_links_land_on_their_view(app_page) -> None:  # type: ignore[no-untyped-def]
    views = {(section, panel): view for view in VIEWS for section, panel, _ in [view]}
    # Start on the attribution panel, the one that used to stay on top.
    _open(app_page, "semantics", None)
    _assert_only(app_page, views[("semantics", None)])
    _open(app_page, "architecture", None)
    app_page.click("#architecture-graph [data-node='conv2']")
    app_page.wait_for_selector("#feature-maps canvas")
    app_page.locator("#feature-maps canvas").first.click()
    app_page.click("#channel-focus button:has-text('What it means')")
    _assert_only(app_page, views[("semantics", "channel")])
    assert "panel=channel" in app_page.url
    # The header's "Adversarial strip →" from an unrelated view.
    _open(app_page, "whatif", "ablation")
    app_page.click("#open-strip")
    _assert_only(app_page, views[("semantics", "strip")])
    # And back to the first panel by its tab: the strip is gone.
    _open(app_page, "semantics", None)
    _assert_only(app_page, views[("semantics", None)])

"""The real app under its Content-Security-Policy, behind an access token, in Chromium.

The browser opens the printed ``?token=`` URL (as a user would), is redirected to the URL
without it and keeps a cookie; then every section and panel is opened and used a little. Not
one CSP violation may be reported, and no API call may be refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from live_server import REPO, LiveServer

ARTIFACTS = Path(os.environ.get("DEEPLING_ARTIFACTS", REPO / "artifacts")) / "e2e"
SECTIONS = ("architecture", "data", "semantics", "whatif")
TOKEN = "browser-test-token-42"
# Collects what the browser reports, from the first script on.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`));
"""


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {
        **os.environ,
        "DEEPLING_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
        "DEEPLING_TOKEN": TOKEN,
    }
    server = LiveServer(["--model", "mnist-cnn", "--data", "mnist-demo"], env)
    yield server
    server.stop()


@pytest.fixture()
def strict_page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A page that enforces the CSP (the shared ``page`` fixture bypasses it)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    page.close()
    assert not errors, f"errors in the page: {errors}"


def test_every_section_runs_with_no_csp_violation(strict_page, guarded_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = strict_page
    console: list[str] = []
    refused: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on(
        "response",
        lambda r: refused.append(f"{r.status} {r.url}") if r.status in (401, 403) else None,
    )
    page.add_init_script(WATCH)
    page.goto(f"{guarded_server.url}/?token={TOKEN}&section=architecture")
    assert "token" not in page.url  # redirected to the URL without it
    page.wait_for_selector("#architecture-graph [data-node]")
    page.locator("#architecture-graph [data-node]").nth(2).click()  # feature maps: canvases
    page.wait_for_timeout(1500)
    page.locator("#evaluate").click()
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "csp-architecture.png"))
    opened = []
    for section in SECTIONS:
        page.goto(f"{guarded_server.url}/?section={section}")
        page.wait_for_load_state("networkidle")
        tabs = page.locator("[role=tab][data-panel]")
        panels = [tabs.nth(i).get_attribute("data-panel") for i in range(tabs.count())] or [None]
        for panel in panels:
            if panel is not None:
                page.locator(f"[role=tab][data-panel='{panel}']").click()
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)
            page.screenshot(path=str(ARTIFACTS / f"csp-{section}-{panel or 'main'}.png"))
            opened.append(f"{section}/{panel}")
            violations = page.evaluate("window.__csp")
            assert not violations, (section, panel, violations)
    csp_words = ("Content Security Policy", "Content-Security-Policy", "Refused to")
    csp_messages = [m for m in console if any(word in m for word in csp_words)]
    assert not csp_messages, csp_messages
    assert not refused, refused
    assert len(opened) >= len(SECTIONS)

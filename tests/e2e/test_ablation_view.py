"""Channel ablation in Chromium against a real server with the trained MNIST CNN: ablate a
channel from the architecture view, switch more off, see the predictions before and after and
the dataset re-evaluation (accuracy per class before and after, the changed images)."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

from live_server import REPO, LiveServer

ARTIFACTS = Path(os.environ.get("DEEPLING_ARTIFACTS", REPO / "artifacts")) / "e2e"


def _last_conv(server: LiveServer) -> tuple[str, int]:
    with urllib.request.urlopen(server.url + "/api/graph") as response:
        nodes = json.load(response)["nodes"]
    conv = [n for n in nodes if n["op"] == "conv2d"][-1]
    return conv["name"], conv["shape"][0]


def test_ablate_a_channel_and_see_the_reevaluation(page, mnist_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    node, channels = _last_conv(mnist_server)
    page.goto(f"{mnist_server.url}/?section=architecture&node={node}&image=3")
    page.wait_for_selector("#feature-maps [data-channel='0']")
    page.click("#feature-maps [data-channel='0']")
    page.click("#channel-focus [data-action='ablate']")
    page.wait_for_url("**panel=ablation**")
    page.wait_for_selector("#ablation-draft .ab-chip")
    assert node in page.inner_text("#ablation-draft")
    page.wait_for_selector("#ablation-channels [data-channel='0'].off")
    page.wait_for_selector("#ablation-verdict")
    # Switch off half the channels by number and watch the probabilities move.
    page.fill("#ablation-numbers", f"1-{channels // 2}")
    page.click("#ablation-numbers + button")
    page.wait_for_function(
        f"document.querySelectorAll('#ablation-channels .off').length === {channels // 2 + 1}"
    )
    page.wait_for_selector("#ablation-predictions:not(.loading) #ablation-verdict")
    page.fill("#ablation-name", "half")
    page.click("#ablation-save")
    page.wait_for_selector("#ablation-sets [data-set='half']")
    page.click("#ablation-run")
    page.wait_for_selector("#ablation-effect", timeout=120_000)
    rows = page.locator("#ablation-effect .ab-classes .ab-pred-row")
    assert rows.count() == 10
    accuracy = page.inner_text("#ablation-accuracy")
    before, after = (float(v) for v in re.findall(r"([\d.]+)%", accuracy)[:2])
    assert before > 90 and after < before, accuracy
    bars = page.evaluate(
        """() => [...document.querySelectorAll('#ablation-effect .ab-classes .ab-pred-row')]
              .map(r => [r.querySelector('.before').style.width,
                         r.querySelector('.after').style.width])"""
    )
    assert any(b != a for b, a in bars)  # some class's accuracy moved
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ablation-mnist.png"), full_page=True)
    first = page.locator("#ablation-changed .ab-thumb").first
    index = first.get_attribute("data-index")
    first.click()
    page.wait_for_url(f"**image={index}**")

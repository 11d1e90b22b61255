"""Frame rate of the layer-projection animation with 10,000 points in headless Chromium.

Serves the AlexNet-CIFAR on the 10,000 CIFAR-10 test images, projects a random sample of all of
them in the Data section's projection panel, plays the layer loop and counts the frames the
page draws over a few seconds (requestAnimationFrame callbacks, timed in the page: the app
renders on every one while it plays, so a slow frame delays them alike), goal >= 30 fps.

    python benchmarks/bench_projection_fps.py [--weights alexnet-cifar.pt]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

from bench_graph_layout import FLAGS, start_server
from playwright.sync_api import sync_playwright

DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"

# The times of every animation frame over `ms` milliseconds, in the page.
FRAMES = """ms => new Promise(resolve => {
  const times = [];
  const tick = now => {
    times.push(now);
    if (now - times[0] < ms) requestAnimationFrame(tick); else resolve(times);
  };
  requestAnimationFrame(tick);
})"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds played before counting")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"SKIPPED: CIFAR-10 not found at {DATA}", file=sys.stderr)
        return 0
    extra = ["--weights", str(args.weights)] if args.weights else []
    with tempfile.TemporaryDirectory() as cache, sync_playwright() as playwright:
        process, url = start_server("alexnet-cifar", DATA, cache, extra, input_shape=None)
        try:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            # bypass_csp: the frame counter is evaluated in the page, which the app's CSP forbids.
            page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
            page.goto(url + "?section=data&panel=projection")
            # A random sample of every class (the random mode keeps to the ticked classes).
            page.wait_for_selector("#projection-classes input:enabled")
            page.click("#projection-classes-all")
            page.select_option("#projection-mode", "random")
            page.fill("#projection-count", str(args.points))
            page.click("#projection-run")
            page.wait_for_selector("#projection-status:has-text('layers in')", timeout=900_000)
            status = page.inner_text("#projection-status")
            shown = re.match(r"([\d,]+) images × (\d+) layers", status)
            assert shown, status
            page.click("#projection-play")
            page.wait_for_timeout(args.warmup * 1000)
            layer = page.input_value("#layer-slider")
            times = page.evaluate(FRAMES, args.seconds * 1000)
            moved = page.input_value("#layer-slider") != layer  # it played: the layer advanced
            page.click("#projection-play")
            gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
            fps = 1000 * len(gaps) / (times[-1] - times[0])
            slowest = sorted(gaps)[int(0.95 * (len(gaps) - 1))]
            print(
                f"{shown[1]} points x {shown[2]} layers, playing: {fps:.1f} fps over "
                f"{len(gaps)} frames (median {statistics.median(gaps):.1f} ms, 95th percentile "
                f"{slowest:.1f} ms; the layer advanced: {moved}); goal >= 30 fps"
            )
            browser.close()
        finally:
            process.terminate()
            process.wait(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())

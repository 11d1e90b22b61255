"""Frame rate of the layer-projection animation with 10,000 points in headless Chromium.

Serves the AlexNet-CIFAR on the 10,000 CIFAR-10 test images, projects a random sample of all of
them in the Data section's projection panel, plays the layer loop for a few seconds and prints
the frame rate the page measured with requestAnimationFrame (goal: >= 30 fps).

    python benchmarks/bench_projection_fps.py [--weights alexnet-cifar.pt]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_graph_layout import FLAGS, start_server
from playwright.sync_api import sync_playwright

DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"SKIPPED: CIFAR-10 not found at {DATA}", file=sys.stderr)
        return 0
    extra = ["--weights", str(args.weights)] if args.weights else []
    with tempfile.TemporaryDirectory() as cache, sync_playwright() as playwright:
        process, url = start_server("alexnet-cifar", DATA, cache, extra, input_shape=None)
        try:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url + "?section=data&panel=projection")
            # A random sample of every class (the random mode keeps to the ticked classes).
            page.wait_for_selector("#projection-classes input:enabled")
            page.click("#projection-classes-all")
            page.select_option("#projection-mode", "random")
            page.fill("#projection-count", str(args.points))
            page.click("#projection-run")
            page.wait_for_selector("#projection-canvas[data-layers]", timeout=300_000)
            points = page.get_attribute("#projection-canvas", "data-points")
            layers = page.get_attribute("#projection-canvas", "data-layers")
            page.click("#projection-play")
            page.wait_for_timeout(args.seconds * 1000)
            fps = page.get_attribute("#projection-canvas", "data-fps")
            frames = page.get_attribute("#projection-canvas", "data-frames")
            page.click("#projection-play")
            print(
                f"{points} points x {layers} layers, playing: {fps} fps over the last "
                f"{frames} frames (goal >= 30 fps)"
            )
            browser.close()
        finally:
            process.terminate()
            process.wait(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())

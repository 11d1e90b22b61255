"""Frame rate of the layer-projection animation at 100,000 and 1,000,000 points in Chromium.

Serves the AlexNet-CIFAR on the 10,000 CIFAR-10 test images and projects all of them (a real
projection, computed once: the runs share the server's cache). Their coordinates are then
repeated, with a small jitter, to reach the point count: Playwright's page.route answers the
page's requests about the points as if the dataset held that many images (image i standing for
test image i mod 10,000): the dataset's size and labels, the projection request (sent to the
server as the 10,000 test images), and each layer's coordinates (GET .../layers/{layer}, the
real layer repeated). Everything else (the scores, the layer names) is the server's own.

Once every layer has arrived, for each point count it measures the frames the page draws
(requestAnimationFrame callbacks, timed in the page; the app draws on every one while it plays):
while one transition moves (speed 0.25×, a 4.4 s move: every frame a moving frame), and while
playing the loop (1×: moves and holds). Each with the view's "thin out while moving" off (every
frame draws every point) and on (a moving frame draws the points that keep it near 30 fps, more
opaque, and says how many). Goal >= 30 fps. Prints the renderer: without a GPU, Chromium draws
WebGL in software (SwiftShader), at about a million points a second.

    python benchmarks/bench_projection_fps.py [--points 100000 1000000] [--weights W] [--gpu]
        [--shots DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from urllib.request import urlopen

import numpy as np
from bench_graph_layout import FLAGS, start_server
from playwright.sync_api import Page, Route, sync_playwright

DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"
WEIGHTS = Path.home() / ".cache/deepling/models/alexnet-cifar.pt"
JITTER = 0.004  # in the server's [-1, 1] layout units: copies of an image form a small cloud
# Chromium on a GPU (for a machine that has one): ANGLE over Vulkan instead of SwiftShader.
GPU_FLAGS = [
    "--no-sandbox",
    "--use-angle=vulkan",
    "--enable-features=Vulkan",
    "--ignore-gpu-blocklist",
    "--enable-gpu-rasterization",
]

# The times of every animation frame over `ms` milliseconds, in the page.
FRAMES = """ms => new Promise(resolve => {
  const times = [];
  const tick = now => {
    times.push(now);
    if (now - times[0] < ms) requestAnimationFrame(tick); else resolve(times);
  };
  requestAnimationFrame(tick);
})"""
# Main-thread tasks over 50 ms (what makes controls feel stuck), recorded from the page's start.
LONG_TASKS = """window.longTasks = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) window.longTasks.push(entry.duration);
}).observe({ type: 'longtask', buffered: true });"""
RENDERER = """() => {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL2';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
}"""


def get_json(url: str) -> Any:
    with urlopen(url) as response:
        return json.load(response)


class Repeated:
    """The page's view of a dataset of `points` images, image i standing for real image
    i % len(labels), answered by page.route; the layers' coordinates repeated with a jitter."""

    def __init__(self, info: dict[str, Any], labels: np.ndarray, points: int) -> None:
        self.real = len(labels)
        self.points = points
        self.labels = labels[np.arange(points) % self.real]
        counts = np.bincount(self.labels[self.labels >= 0], minlength=len(info["classes"]))
        self.info = {**info, "size": points, "class_counts": counts.tolist()}
        self.rng = np.random.default_rng(0)
        self.indices: np.ndarray | None = None  # the fake dataset index of each point
        self.served: set[int] = set()

    def attach(self, page: Page) -> None:
        page.route(re.compile(r".*/api/dataset$"), lambda route: route.fulfill(json=self.info))
        page.route(re.compile(r".*/api/dataset/images\?.*"), self._images)
        page.route(re.compile(r".*/api/jobs/projection$"), self._start)
        page.route(re.compile(r".*/api/projections/[^/]+/layers/\d+$"), self._layer)

    def _images(self, route: Route) -> None:
        query = parse_qs(urlparse(route.request.url).query)
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        stop = min(self.points, offset + limit)
        images = [{"index": i, "label": int(self.labels[i])} for i in range(offset, stop)]
        route.fulfill(json={"total": self.points, "offset": offset, "images": images})

    def _start(self, route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        self.indices = np.asarray(body["indices"], dtype=np.int64)
        # The real images these stand for, in order: the same request (one cached projection)
        # for any point count that covers them all.
        real = np.unique(self.indices % self.real)
        assert len(real) == self.real, "choose every image, so that each real one is projected"
        body["indices"] = real.tolist()
        route.fulfill(response=route.fetch(post_data=json.dumps(body)))

    def _layer(self, route: Route) -> None:
        assert self.indices is not None
        response = route.fetch()
        coords = np.frombuffer(response.body(), dtype="<f4").reshape(self.real, 2)
        points = coords[self.indices % self.real]
        points = points + self.rng.normal(0, JITTER, points.shape).astype(np.float32)
        self.served.add(int(route.request.url.rsplit("/", 1)[1]))
        headers = {**response.headers, "x-shape": f"{len(points)},2"}
        headers.pop("content-length", None)
        route.fulfill(status=200, headers=headers, body=points.astype("<f4").tobytes())


def frame_rate(page: Page, seconds: float) -> tuple[float, float, float, int, list[float]]:
    """Frames per second over `seconds`, the median and 95th percentile frame time, frames, and
    the main thread's long tasks meanwhile (ms)."""
    before = page.evaluate("window.longTasks.length")
    times = page.evaluate(FRAMES, seconds * 1000)
    tasks = page.evaluate(f"window.longTasks.slice({before})")
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    fps = 1000 * len(gaps) / (times[-1] - times[0])
    slowest = sorted(gaps)[int(0.95 * (len(gaps) - 1))]
    return fps, statistics.median(gaps), slowest, len(gaps), tasks


def at_layer(page: Page, layer: int) -> None:
    page.fill("#layer-slider", str(layer))
    page.wait_for_timeout(1500)  # the transition there (at most 700 ms), and the resting picture


def measure(page: Page, args: argparse.Namespace, points: int, layers: int) -> None:
    for thin in (False, True):
        page.set_checked("#projection-thin", thin)
        label = "thin out while moving" if thin else "every point every frame"
        # One long transition: every frame measured is a moving frame.
        page.select_option("#projection-speed", "0.25")
        at_layer(page, 0)
        page.click("#projection-play")
        moving = frame_rate(page, min(args.seconds, 4.0))
        page.click("#projection-play")
        # The loop at 1x: moves and holds.
        page.select_option("#projection-speed", "1")
        at_layer(page, 0)
        page.click("#projection-play")
        page.wait_for_timeout(args.warmup * 1000)
        layer = page.input_value("#layer-slider")
        playing = frame_rate(page, args.seconds)
        advanced = page.input_value("#layer-slider") != layer
        shown = page.inner_text(".pj-fps")
        page.click("#projection-play")
        for name, (fps, median, slowest, frames, tasks) in (
            ("moving", moving),
            ("playing", playing),
        ):
            longest = f", longest {max(tasks):.0f} ms" if tasks else ""
            print(
                f"{points:>9,} points x {layers} layers, {label}, {name}: {fps:5.1f} fps over "
                f"{frames} frames (median {median:.1f} ms, 95th percentile {slowest:.1f} ms); "
                f"main-thread tasks over 50 ms: {len(tasks)}{longest}",
                flush=True,
            )
        print(f"{'':>9}  the layer advanced: {advanced}; the page shows: {shown!r}", flush=True)


def screenshots(page: Page, folder: Path, points: int, layers: int) -> None:
    """The last layer at rest, and a moving frame (thinned where the renderer is slow)."""
    folder.mkdir(parents=True, exist_ok=True)
    page.set_checked("#projection-thin", True)
    at_layer(page, layers - 1)
    page.mouse.move(5, 5)
    page.wait_for_timeout(3000)  # the resting picture fills in
    page.screenshot(path=str(folder / f"projection-{points}-rest.png"))
    page.select_option("#projection-speed", "0.25")
    page.fill("#layer-slider", str(layers - 2))
    page.wait_for_timeout(300)
    page.screenshot(path=str(folder / f"projection-{points}-moving.png"))
    page.select_option("#projection-speed", "1")


def run(page: Page, url: str, points: int, repeated: Repeated) -> int:
    """Project every image of the repeated dataset; the number of layers."""
    repeated.attach(page)
    page.goto(url + "?section=data&panel=projection")
    page.wait_for_selector("#projection-classes input:enabled", timeout=600_000)
    page.click("#projection-classes-all")
    page.select_option("#projection-mode", "random")
    page.click("#projection-count-all")
    page.click("#projection-run")
    page.wait_for_selector("#projection-status:has-text('layers in')", timeout=3_600_000)
    status = page.inner_text("#projection-status")
    shown = re.match(r"([\d,]+) images × (\d+) layers", status)
    assert shown and int(shown[1].replace(",", "")) == points, status
    layers = int(shown[2])
    # Every layer fetched before anything is timed: step the slider through them.
    started = time.monotonic()
    for layer in range(layers):
        page.fill("#layer-slider", str(layer))
        while layer not in repeated.served:
            page.wait_for_timeout(50)
    page.wait_for_timeout(500)
    print(
        f"{points:,} points: {status.splitlines()[0]}; {layers} layers of {points:,} points "
        f"(8 bytes each) fetched one by one in {time.monotonic() - started:.1f} s",
        flush=True,
    )
    return layers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=WEIGHTS if WEIGHTS.exists() else None)
    parser.add_argument("--points", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds played before counting")
    parser.add_argument("--gpu", action="store_true", help="Chromium on the GPU (ANGLE, Vulkan)")
    parser.add_argument("--shots", type=Path, help="save screenshots of the view into this folder")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"SKIPPED: CIFAR-10 not found at {DATA}", file=sys.stderr)
        return 0
    extra = ["--weights", str(args.weights)] if args.weights else []
    with tempfile.TemporaryDirectory() as cache, sync_playwright() as playwright:
        process, url = start_server("alexnet-cifar", DATA, cache, extra, input_shape=None)
        try:
            info = get_json(url + "api/dataset")
            labels = np.full(info["size"], -1, dtype=np.int64)
            for offset in range(0, info["size"], 10_000):
                page_of = get_json(url + f"api/dataset/images?offset={offset}&limit=10000")
                for entry in page_of["images"]:
                    labels[entry["index"]] = entry["label"]
            flags = GPU_FLAGS if args.gpu else FLAGS
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
            print(
                f"Coordinates of the {info['size']:,} {info['name']} images repeated with a "
                f"jitter (sd {JITTER}) to each point count, by intercepting the page's dataset, "
                "label, projection-request and per-layer coordinate requests (page.route).",
                flush=True,
            )
            for points in args.points:
                # bypass_csp: the frame counter is evaluated in the page, which the CSP forbids.
                page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
                page.add_init_script(LONG_TASKS)
                if points == args.points[0]:
                    print(f"Renderer: {page.evaluate(RENDERER)}", flush=True)
                layers = run(page, url, points, Repeated(info, labels, points))
                measure(page, args, points, layers)
                if args.shots:
                    screenshots(page, args.shots, points, layers)
                page.close()
            browser.close()
        finally:
            process.terminate()
            process.wait(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())

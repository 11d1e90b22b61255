"""Large image folders: opening 1.28 million files, and scrolling the grid over 50,000 JPEGs.

(a) Builds once (reused on later runs) an ImageNet-sized tree: 1000 class folders of 1,280
files each, hard links to a few thousand real 224-px JPEGs made from CIFAR-10
(tests/jpeg_folders.py), and times ``load_dataset`` on it against a bare ``os.walk`` and an
``os.scandir`` count of the same tree in the same process (the ratios are what opening costs
beyond listing), then the dataset's fingerprint (one stat a file, on threads) and the memory
the opened dataset holds. Goal: opens in seconds.

(b) Serves a folder of 50,000 224-px JPEGs (CIFAR-10's train split) and, in headless Chromium,
scrolls the Data section's grid at a steady speed, counting the frames the page draws (as
bench_projection_fps.py does) and timing every sprite sheet the browser fetched, with a cold
thumbnail cache (each sheet decoded from its JPEGs) and a warm one (a new server on the same
cache), against the same scroll over CIFAR-10's arrays; ``--runs`` of each, interleaved.

    python benchmarks/bench_folder_scale.py [--dir /tmp/deepling-scale] [--runs 3]
        [--skip-open | --skip-grid]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from bench_graph_layout import FLAGS, start_server
from playwright.sync_api import Request, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from deepling.data.folder import FolderDataset  # noqa: E402
from deepling.data.loading import load_dataset  # noqa: E402
from jpeg_folders import make_jpeg_folder  # noqa: E402

DATA = REPO.parent / "shared/data/cifar10/cifar-10-batches-py"
CLASSES = 1000
PER_CLASS = 1280
SOURCES = 2000  # real JPEGs the 1.28M names link to

# Scroll the grid `px` pixels a frame for `ms` milliseconds; the times of the frames drawn.
SCROLL = """([ms, px]) => new Promise(resolve => {
  const grid = document.querySelector('#image-grid');
  const times = [];
  const tick = now => {
    times.push(now);
    grid.scrollTop += px;
    if (now - times[0] < ms) requestAnimationFrame(tick); else resolve(times);
  };
  requestAnimationFrame(tick);
})"""
# A model that takes 224-px images (the grid then asks for thumbnails at display size, as it
# would for an ImageNet model); what it computes does not matter here.
MODEL = """from torch import nn

def net():
    return nn.Sequential(
        nn.Conv2d(3, 8, 7, stride=4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(8, 10),
    )
"""


def build_tree(root: Path) -> Path:
    """root/tree: CLASSES folders of PER_CLASS hard links to SOURCES real JPEGs."""
    tree = root / "tree"
    marker = root / f".tree-{CLASSES}x{PER_CLASS}"
    if marker.exists():
        return tree
    sources = make_jpeg_folder(DATA, root / "sources", SOURCES, 224, split="train", classes=False)
    files = sorted(str(p) for p in sources.glob("*.jpg"))
    started = time.perf_counter()
    for c in range(CLASSES):
        folder = tree / f"n{c:08d}"
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(PER_CLASS):
            link = folder / f"n{c:08d}_{k}.JPEG"
            if not link.exists():
                os.link(files[(c * PER_CLASS + k) % len(files)], link)
    marker.touch()
    print(f"built {CLASSES * PER_CLASS:,} links in {time.perf_counter() - started:.0f} s")
    return tree


def scandir_count(tree: Path) -> int:
    """The least any program does to count the files: one scandir a folder."""
    count = 0
    with os.scandir(tree) as classes:
        for folder in classes:
            with os.scandir(folder.path) as entries:
                count += sum(1 for e in entries if e.is_file())
    return count


def walk_names(tree: Path) -> int:
    """What a program does to know the files' names: os.walk."""
    return sum(len(files) for _, _, files in os.walk(tree))


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    """The fastest of ``runs`` timings of ``work()`` (the machine's other load makes single
    runs noisy), and what it returned."""
    best, result = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - t)
    return best, result


def bench_open(root: Path) -> None:
    tree = build_tree(root)
    scandir_count(tree)  # warm the directory cache for every timing alike
    scanned, n = best_of(3, lambda: scandir_count(tree))
    walked, _ = best_of(3, lambda: walk_names(tree))
    opened, dataset = best_of(3, lambda: load_dataset(tree))
    assert isinstance(dataset, FolderDataset) and len(dataset) == n == CLASSES * PER_CLASS
    digest, fingerprint = best_of(1, lambda: dataset.fingerprint)
    tracemalloc.start()
    again = load_dataset(tree)
    held = tracemalloc.get_traced_memory()[0]  # what `again` holds: names and labels
    tracemalloc.stop()
    print(
        f"{n:,} files in {len(dataset.classes)} folders: load_dataset {opened:.2f} s; bare "
        f"os.walk {walked:.2f} s (ratio {opened / walked:.2f}), os.scandir count {scanned:.2f} s "
        f"(ratio {opened / scanned:.2f}); fingerprint {digest:.2f} s ({str(fingerprint)[:8]}, "
        f"one stat a file on {min(32, 4 * (os.cpu_count() or 1))} threads); the dataset holds "
        f"{held / 1e6:.0f} MB for {len(again):,} files"
    )


class Scroll(NamedTuple):
    fps: float
    slow_frame: float  # 95th percentile gap between frames, ms
    sheets: int  # sprite sheets fetched while scrolling
    sheet_ms: float  # their median fetch time

    def __str__(self) -> str:
        return (
            f"{self.fps:.1f} fps (95th percentile frame {self.slow_frame:.1f} ms), "
            f"{self.sheets} sprite sheets fetched, median {self.sheet_ms:.0f} ms"
        )


def bench_grid(
    data: Path, cache: Path, seconds: float, px: int, extra: list[str] | None = None
) -> Scroll:
    """Open the Data section, wait for the first screen's sheets, then scroll the grid."""
    (cache.parent / "net.py").write_text(MODEL)
    model = f"{cache.parent / 'net.py'}:net"
    process, url = start_server(model, data, str(cache), extra, input_shape="3,224,224")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
            sheets: dict[str, float] = {}  # url -> ms to fetch, once finished
            pending: set[str] = set()

            def finished(request: Request) -> None:
                pending.discard(request.url)
                sheets[request.url] = request.timing["responseEnd"]

            page.on("request", lambda r: "/sprites/" in r.url and pending.add(r.url))
            page.on("requestfinished", lambda r: "/sprites/" in r.url and finished(r))
            page.goto(url + "?section=data")
            page.wait_for_selector("#image-grid .dv-cell")
            while pending:
                page.wait_for_timeout(50)
            sheets.clear()
            times = page.evaluate(SCROLL, [seconds * 1000, px])
            deadline = time.monotonic() + 120
            while pending and time.monotonic() < deadline:
                page.wait_for_timeout(50)
            browser.close()
    finally:
        process.terminate()
        process.wait(20)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    fetched = list(sheets.values()) or [float("nan")]
    return Scroll(
        fps=1000 * len(gaps) / (times[-1] - times[0]),
        slow_frame=sorted(gaps)[int(0.95 * (len(gaps) - 1))],
        sheets=len(sheets),
        sheet_ms=statistics.median(fetched),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "deepling-scale")
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--px", type=int, default=40, help="scroll speed, pixels a frame")
    parser.add_argument("--runs", type=int, default=3, help="of each grid measurement")
    parser.add_argument("--skip-open", action="store_true")
    parser.add_argument("--skip-grid", action="store_true")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"SKIPPED: CIFAR-10 not found at {DATA}", file=sys.stderr)
        return 0
    if not args.skip_open:
        bench_open(args.dir)
    if args.skip_grid:
        return 0
    jpegs = make_jpeg_folder(DATA, args.dir / "jpegs", args.images, 224, split="train")
    kinds = {
        "CIFAR-10 train arrays": (DATA, ["--split", "train"]),
        f"{args.images:,} 224-px JPEGs, cold cache": (jpegs, []),
        f"{args.images:,} 224-px JPEGs, warm cache": (jpegs, []),  # a new server, same cache
    }
    results: dict[str, list[Scroll]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):  # interleaved, so the machine's load falls on all alike
            cache = Path(scratch) / f"cache{run}"
            for kind, (data, extra) in kinds.items():
                result = bench_grid(data, cache, args.seconds, args.px, extra)
                results[kind].append(result)
                print(f"run {run + 1}, {kind}: {result}", flush=True)
    print(f"Scrolling {args.px} px a frame for {args.seconds:.0f} s, the run of median fps:")
    for kind, runs in results.items():
        middle = sorted(runs)[len(runs) // 2]
        print(f"  {kind}: {middle}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

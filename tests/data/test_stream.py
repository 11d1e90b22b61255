"""``Dataset.stream``: bounded memory over a long pass, damaged files reported and skipped,
cancellation within a batch or two, and the batches ``Dataset.batch`` gives."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from deepling.data.loading import load_dataset
from deepling.data.stream import PREFETCH
from deepling.errors import DeeplingError
from jpeg_folders import make_jpeg_folder

SHAPE = (3, 224, 224)


@pytest.fixture(scope="module")
def jpegs(cifar_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 real CIFAR-10 test images resized to 224 px, as JPEGs in a class tree."""
    return make_jpeg_folder(cifar_dir, tmp_path_factory.mktemp("jpegs"), 400, 224)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_stream_yields_what_batch_gives(jpegs: Path) -> None:
    data = load_dataset(jpegs)
    indices = [5, 399, 0, 17, 5]
    seen = [(i, x) for i, x in data.stream(SHAPE, indices, batch_size=2, workers=3)]
    assert [list(i) for i, _ in seen] == [[5, 399], [0, 17], [5]]
    x = torch.cat([x for _, x in seen])
    assert x.dtype == torch.float32 and x.shape == (5, *SHAPE)
    assert torch.equal(x, data.batch(indices, SHAPE))
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    small = torch.cat([x for _, x in data.stream((1, 32, 32), [3, 4], workers=2)])
    assert torch.allclose(small, data.batch([3, 4], (1, 32, 32)))  # resized and made gray
    with pytest.raises(DeeplingError, match="out of range"):
        next(data.stream(SHAPE, [400]))


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc for RSS")
def test_memory_stays_flat_over_a_long_pass(jpegs: Path) -> None:
    """3,200 images of 224 px (1.9 GB as float32) stream in the memory of a few batches."""
    data = load_dataset(jpegs)
    indices = np.tile(np.arange(400), 8)
    batch = 64 * int(np.prod(SHAPE)) * 4  # bytes in one float32 batch
    after_warm_up = 0
    peak = 0
    for step, (_, x) in enumerate(data.stream(SHAPE, indices, batch_size=64, workers=2)):
        x.mean()  # the consumer touches every batch
        if step == 4:
            after_warm_up = _rss_bytes()
        peak = max(peak, _rss_bytes())
    assert step == 49
    assert peak - after_warm_up < 3 * batch  # no growth with the number of images


def test_a_file_damaged_mid_pass_is_reported_and_skipped(jpegs: Path, tmp_path: Path) -> None:
    data = load_dataset(jpegs)
    victim = 150
    path = data.path(victim)
    original = path.read_bytes()
    try:
        path.write_bytes(original[: len(original) // 3])  # truncated after the folder opened
        seen = np.concatenate([i for i, _ in data.stream(SHAPE, range(300), batch_size=64)])
    finally:
        path.write_bytes(original)
    assert victim not in seen and len(seen) == 299
    assert list(data.unreadable) == [victim] and str(path) in data.unreadable[victim]


def test_a_cancelled_pass_stops_within_a_batch_or_two(jpegs: Path) -> None:
    data = load_dataset(jpegs)
    decoded: list[int] = []
    fitted = data.fitted

    def counting(index: int, shape: tuple[int, int, int]) -> torch.Tensor:
        decoded.append(index)
        return fitted(index, shape)

    data.fitted = counting  # type: ignore[method-assign]
    stream = data.stream(SHAPE, batch_size=16, workers=2)
    for step, _ in enumerate(stream):
        if step == 1:
            break
    stream.close()  # what a pass raising Cancelled does to its stream
    stopped_at = len(decoded)
    deadline = time.monotonic() + 5
    while any(t.name.startswith("deepling-") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "decoding threads still running"
        time.sleep(0.05)
    assert len(decoded) == stopped_at  # nothing decoded after the stream closed
    # Two batches consumed, at most PREFETCH + 1 more decoded ahead (in flight when it stopped).
    assert stopped_at <= 16 * (2 + PREFETCH + 1) < len(data)


def test_a_pass_cancelled_by_its_progress_stops_its_threads(jpegs: Path) -> None:
    """As a job is cancelled: the progress callback raises, the error is kept (a traceback
    holding the pass's frames), and still no decoding goes on."""
    import torch.nn as nn

    from deepling.analysis.evaluation import evaluate
    from deepling.errors import Cancelled
    from deepling.models.model import Model

    data = load_dataset(jpegs)
    net = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 10))
    model = Model(net, SHAPE, classes=[str(i) for i in range(10)])

    def cancel_after_two(done: int, total: int) -> None:
        if done >= 32:
            raise Cancelled()

    with pytest.raises(Cancelled) as kept:
        evaluate(model, data, batch_size=16, workers=2, progress=cancel_after_two)
    assert kept.value.__traceback__ is not None
    deadline = time.monotonic() + 5
    while any(t.name.startswith("deepling-") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "decoding threads still running"
        time.sleep(0.05)


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` and holds no pixels."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def test_any_failure_to_decode_is_an_unreadable_image(tmp_path: Path) -> None:
    """PIL raises many kinds of error (a decompression bomb, a file cut short, a header that
    lies); each is one unreadable image, never the end of the pass."""
    from PIL import Image

    root = tmp_path / "mixed"
    root.mkdir()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(root / "a_good.png")
    (root / "b_bomb.png").write_bytes(_png_header(30_000, 30_000))  # 900 MP: PIL refuses it
    (root / "c_header_only.png").write_bytes(_png_header(40, 40))
    Image.new("RGB", (40, 40), (30, 200, 30)).save(root / "d_good.png")
    data = load_dataset(root)
    seen = np.concatenate([i for i, _ in data.stream((3, 32, 32), workers=2)])
    assert list(seen) == [0, 3]
    assert sorted(data.unreadable) == [1, 2]
    assert "b_bomb.png" in data.unreadable[1]

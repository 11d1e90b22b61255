"""Image folders opened by listing alone: files are checked when first read, unreadable ones
recorded as they are found; the fingerprint follows files added, removed and replaced."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from deepling.data.folder import FolderDataset
from deepling.data.loading import load_dataset
from deepling.errors import DeeplingError
from jpeg_folders import make_jpeg_folder


@pytest.fixture(scope="module")
def made_jpegs(cifar_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 real CIFAR-10 test images as 64-px JPEGs in class folders (made once)."""
    return make_jpeg_folder(cifar_dir, tmp_path_factory.mktemp("jpegs"), count=12, size=64)


@pytest.fixture()
def jpegs(made_jpegs: Path, tmp_path: Path) -> Path:
    """A copy of the JPEG folder this test may damage."""
    return Path(shutil.copytree(made_jpegs, tmp_path / "jpegs"))


def test_opening_reads_no_file(tmp_path: Path) -> None:
    garbage = {"cat": 3, "dog": 2}  # every "image" is text: a check at opening would drop all
    for name, count in garbage.items():
        (tmp_path / name).mkdir()
        for i in range(count):
            (tmp_path / name / f"{i}.jpg").write_text("not a JPEG")
    (tmp_path / "dog" / ".DS_Store").write_text("hidden: not an image of the dataset")
    ds = load_dataset(tmp_path)
    assert isinstance(ds, FolderDataset)
    assert len(ds) == 5 and ds.classes == ["cat", "dog"] and ds.labels.tolist() == [0] * 3 + [1] * 2
    assert ds.unreadable == {} and ds.skipped == []  # nothing read, so nothing found yet
    with pytest.raises(DeeplingError) as info:
        ds.image(4)
    assert info.value.status == 422 and str(tmp_path / "dog" / "1.jpg") in str(info.value)
    assert [path for path, _ in ds.skipped] == [tmp_path / "dog" / "1.jpg"]


def test_truncated_jpeg_found_mid_pass(jpegs: Path) -> None:
    ds = load_dataset(jpegs)
    assert isinstance(ds, FolderDataset) and len(ds) == 12
    damaged = 5
    path = ds.path(damaged)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])  # cut off after opening
    seen = []
    for indices, x in ds.stream((3, 32, 32), batch_size=4, workers=2):
        assert x.shape == (len(indices), 3, 32, 32) and x.dtype == torch.float32
        seen += indices.tolist()
    assert seen == [i for i in range(12) if i != damaged]  # left out, the pass went on
    assert list(ds.unreadable) == [damaged]
    [(skipped_path, why)] = ds.skipped
    assert skipped_path == path and str(path) in why


def test_fitted_decodes_at_the_target_size(jpegs: Path, tmp_path: Path, cifar_test) -> None:  # type: ignore[no-untyped-def]
    jpeg = load_dataset(jpegs)
    small = jpeg.fitted(0, (3, 24, 24))  # decoded at half scale, then resized: float in [0, 1]
    assert small.shape == (3, 24, 24) and small.dtype == torch.float32
    whole = F.interpolate(jpeg.image(0)[None], size=24, mode="bilinear", antialias=True)
    assert (small - whole[0]).abs().mean() < 0.03  # the same picture as decoding every pixel
    pixels = cifar_test.pixels[0]
    Image.fromarray(pixels.permute(1, 2, 0).numpy()).save(tmp_path / "one.png")
    exact = load_dataset(tmp_path).fitted(0, (3, 32, 32))  # already the target shape: as is
    assert exact.dtype == torch.uint8 and torch.equal(exact, pixels)


def fingerprint(root: Path) -> str:
    return load_dataset(root).fingerprint


def test_fingerprint_follows_added_removed_and_replaced_files(tmp_path: Path, cifar_test) -> None:  # type: ignore[no-untyped-def]
    # BMP: uncompressed, so a different picture of the same size is a file of the same size.
    pics = cifar_test.pixels[:4].permute(0, 2, 3, 1).numpy()
    for i in range(3):
        Image.fromarray(pics[i]).save(tmp_path / f"{i}.bmp")
    first = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == first
    # Replaced by a rename with the old size and mtime kept (as rsync -t or mv of a copy do).
    old = (tmp_path / "1.bmp").stat()
    Image.fromarray(pics[3]).save(tmp_path / "new.bmp")
    assert (tmp_path / "new.bmp").stat().st_size == old.st_size
    os.utime(tmp_path / "new.bmp", ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(tmp_path / "new.bmp", tmp_path / "1.bmp")
    replaced = fingerprint(tmp_path)
    assert replaced != first
    Image.fromarray(pics[0]).save(tmp_path / "3.bmp")
    added = fingerprint(tmp_path)
    (tmp_path / "0.bmp").unlink()
    removed = fingerprint(tmp_path)
    assert len({first, replaced, added, removed}) == 4


def test_image_paths_in_a_flat_folder(tmp_path: Path, cifar_test) -> None:  # type: ignore[no-untyped-def]
    for name, i in (("b.png", 1), ("a.PNG", 0), ("c.webp", 2)):
        Image.fromarray(cifar_test.pixels[i].permute(1, 2, 0).numpy()).save(tmp_path / name)
    ds = load_dataset(tmp_path)
    assert [ds.path(i).name for i in range(len(ds))] == ["a.PNG", "b.png", "c.webp"]
    assert ds.path(-1) == tmp_path / "c.webp" and not ds.labelled
    assert np.array_equal((ds.image(1) * 255).round().byte().numpy(), cifar_test.pixels[1].numpy())

"""load_dataset on every supported format, with real CIFAR-10 pixels as the source images."""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from deepling.data.base import ArrayDataset
from deepling.data.cifar import CIFAR10_CLASSES
from deepling.data.loading import load_dataset
from deepling.errors import DeeplingError, NotFoundError


@pytest.fixture(scope="module")
def pics(cifar_test: ArrayDataset) -> np.ndarray:
    """The first 12 real CIFAR-10 test images as uint8 (N, 32, 32, 3)."""
    return cifar_test.pixels[:12].permute(0, 2, 3, 1).numpy().copy()


def save(path: Path, pixels: np.ndarray, mode: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.fromarray(pixels)
    (img.convert(mode) if mode else img).save(path)
    return path


def as_uint8(image: torch.Tensor) -> np.ndarray:
    """A loaded (C, H, W) float image back as uint8 (H, W, C)."""
    return (image * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def test_class_tree_sorts_classes_labels_files_and_round_trips_png(tmp_path, pics):
    expected: dict[str, np.ndarray] = {}
    for i, name in enumerate(["zebra", "apple", "mango", "zebra", "apple", "zebra"]):
        expected[name + str(i)] = pics[i]
        save(tmp_path / name / f"{i}.png", pics[i])
    (tmp_path / "apple" / "notes.txt").write_text("not an image")
    (tmp_path / "empty").mkdir()
    ds = load_dataset(tmp_path)
    assert ds.classes == ["apple", "mango", "zebra"]
    assert len(ds) == 6 and ds.labelled and ds.skipped == []
    assert np.bincount(ds.labels).tolist() == [2, 1, 3]
    for i in range(len(ds)):
        path = ds.path(i)
        assert ds.classes[ds.labels[i]] == path.parent.name
        image, label = ds[i]
        assert label == ds.labels[i]
        assert image.dtype == torch.float32 and image.shape == (3, 32, 32)
        np.testing.assert_array_equal(as_uint8(image), expected[path.parent.name + path.stem])


def test_flat_folder_is_unlabelled(tmp_path, pics):
    for i in range(4):
        save(tmp_path / f"img{i}.png", pics[i])
    ds = load_dataset(tmp_path)
    assert len(ds) == 4
    assert ds.labels.tolist() == [-1] * 4
    assert ds.classes == [] and not ds.labelled
    np.testing.assert_array_equal(as_uint8(ds[2][0]), pics[2])


@pytest.mark.parametrize("tree", [True, False], ids=["class-tree", "flat"])
def test_corrupt_files_are_found_when_read_and_listed(tmp_path, pics, tree):
    folder = tmp_path / "cls" if tree else tmp_path
    good = [save(folder / f"good{i}.png", pics[i]) for i in range(3)]
    truncated = folder / "truncated.png"
    truncated.write_bytes(good[0].read_bytes()[:300])
    text = folder / "text.png"
    text.write_text("hello, I am not a PNG")
    ds = load_dataset(tmp_path)  # listed, not read: every file is an image until read
    assert [ds.path(i) for i in range(len(ds))] == [*good, text, truncated]
    assert ds.labels.tolist() == ([0] * 5 if tree else [-1] * 5) and ds.skipped == []
    for i in range(len(ds)):
        if ds.path(i) in good:
            np.testing.assert_array_equal(as_uint8(ds.image(i)), pics[good.index(ds.path(i))])
        else:
            with pytest.raises(DeeplingError, match=re.escape(str(ds.path(i)))):
                ds.image(i)
    assert [p for p, _ in ds.skipped] == [text, truncated]
    assert all(reason for _, reason in ds.skipped)


def test_channels_and_sizes(tmp_path, pics):
    rgba = np.dstack([pics[1], np.full((32, 32), 7, np.uint8)])
    wide = np.asarray(Image.fromarray(pics[2]).resize((45, 20)))
    save(tmp_path / "a_gray.png", pics[0], "L")
    save(tmp_path / "b_rgba.png", rgba)
    save(tmp_path / "c_wide.png", wide)
    save(tmp_path / "d_photo.jpg", pics[3])
    ds = load_dataset(tmp_path)
    gray, rgb, non_square, jpeg = (ds.image(i) for i in range(4))
    assert gray.shape == (1, 32, 32)
    np.testing.assert_array_equal(
        as_uint8(gray)[..., 0], np.asarray(Image.fromarray(pics[0]).convert("L"))
    )
    assert rgb.shape == (3, 32, 32)
    np.testing.assert_array_equal(as_uint8(rgb), pics[1])  # alpha dropped, colour untouched
    assert non_square.shape == (3, 20, 45)
    np.testing.assert_array_equal(as_uint8(non_square), wide)
    assert jpeg.shape == (3, 32, 32)
    assert np.abs(as_uint8(jpeg).astype(int) - pics[3]).mean() < 12  # lossy, but the same image
    as_rgb = ds.batch([0, 1, 2, 3], (3, 28, 28))
    assert as_rgb.shape == (4, 3, 28, 28) and as_rgb.dtype == torch.float32
    assert 0 <= as_rgb.min() and as_rgb.max() <= 1
    assert torch.equal(as_rgb[0, 0], as_rgb[0, 1]) and torch.equal(as_rgb[0, 1], as_rgb[0, 2])
    as_gray = ds.batch([1, 0], (1, 32, 32))
    assert as_gray.shape == (2, 1, 32, 32)
    pil_luma = torch.from_numpy(np.array(Image.fromarray(pics[1]).convert("L"))) / 255
    assert (as_gray[0, 0] - pil_luma).abs().max() <= 1 / 255 + 1e-6
    assert torch.equal(as_gray[1], gray)  # right shape already: unchanged
    same = ds.batch([1], (3, 32, 32))
    assert torch.equal(same[0], rgb)


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path, pics):
    deep = pics[0][..., 0].astype(np.uint16) * 257  # 0-255 spread over 0-65535
    save(tmp_path / "deep.png", deep)
    image = load_dataset(tmp_path).image(0)
    assert image.shape == (1, 32, 32)
    np.testing.assert_array_equal(as_uint8(image)[..., 0], pics[0][..., 0])


def test_real_cifar_test_split(cifar_dir):
    for spec in (cifar_dir, cifar_dir.parent):  # the batches folder or the folder above it
        ds = load_dataset(spec)
        assert len(ds) == 10_000 and ds.classes == CIFAR10_CLASSES
        assert np.bincount(ds.labels).tolist() == [1_000] * 10
        image, label = ds[0]
        assert image.shape == (3, 32, 32) and 0 <= image.min() and image.max() <= 1
        assert label == ds.labels[0] and image.std() > 0.05  # a real photo, not a blank


def test_real_cifar_train_and_all_splits(cifar_dir, cifar_test):
    train = load_dataset(cifar_dir, split="train")
    assert len(train) == 50_000 and np.bincount(train.labels).tolist() == [5_000] * 10
    everything = load_dataset(cifar_dir, split="all")
    assert len(everything) == 60_000
    assert torch.equal(everything.pixels[50_000:], cifar_test.pixels)
    assert np.array_equal(everything.labels[:50_000], train.labels)


def write_cifar_copy(folder: Path, cifar_dir: Path, byte_keys: bool) -> Path:
    """The real test batch rewritten with bytes keys and strings (as the official Python 2
    pickles hold them) or with str ones."""
    with open(cifar_dir / "test_batch", "rb") as f:
        real = {k.decode() if isinstance(k, bytes) else k: v for k, v in pickle.load(f).items()}

    def text(value: str) -> str | bytes:
        return value.encode() if byte_keys else value

    batch = {
        text("batch_label"): text("testing batch 1 of 1"),
        text("labels"): [int(v) for v in real["labels"]],
        text("data"): np.asarray(real["data"], dtype=np.uint8),
        text("filenames"): [text(str(name)) for name in real["filenames"]],
    }
    meta = {
        text("label_names"): [text(name) for name in CIFAR10_CLASSES],
        text("num_cases_per_batch"): 10_000,
        text("num_vis"): 3072,
    }
    folder.mkdir()
    (folder / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return folder


@pytest.mark.parametrize("byte_keys", [True, False], ids=["bytes-keys", "str-keys"])
def test_cifar_copy_loads_identically(tmp_path, cifar_dir, cifar_test, byte_keys):
    ds = load_dataset(write_cifar_copy(tmp_path / "copy", cifar_dir, byte_keys))
    assert ds.classes == CIFAR10_CLASSES
    assert torch.equal(ds.pixels, cifar_test.pixels)
    assert np.array_equal(ds.labels, cifar_test.labels)
    assert ds.fingerprint == cifar_test.fingerprint
    with pytest.raises(DeeplingError, match="data_batch_1 is missing"):
        load_dataset(tmp_path / "copy", split="train")


def test_unknown_cifar_split(cifar_dir):
    with pytest.raises(DeeplingError) as info:
        load_dataset(cifar_dir, split="validation")
    assert "'validation'" in str(info.value) and "train, test, all" in str(info.value)


def small_batch(**changes: object) -> bytes:
    rng = np.random.default_rng(1)
    batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [0, 1, 2, 3]}
    batch.update({k.encode(): v for k, v in changes.items()})
    return pickle.dumps({k: v for k, v in batch.items() if v is not None}, protocol=2)


@pytest.mark.parametrize(
    "content",
    [
        small_batch()[:-40],
        b"these are not the pixels you are looking for",
        pickle.dumps([1, 2, 3]),
        small_batch(labels=None),
        small_batch(labels=[0, 1]),
        small_batch(data=np.zeros((4, 100), np.uint8)),
    ],
    ids=["truncated", "text", "not-a-dict", "no-labels", "too-few-labels", "wrong-image-size"],
)
def test_damaged_cifar_batch_names_the_file(tmp_path, content):
    (tmp_path / "test_batch").write_bytes(content)
    with pytest.raises(DeeplingError, match=re.escape(str(tmp_path / "test_batch"))):
        load_dataset(tmp_path)


def test_damaged_cifar_meta_names_the_file(tmp_path):
    (tmp_path / "test_batch").write_bytes(small_batch())
    assert len(load_dataset(tmp_path)) == 4
    (tmp_path / "batches.meta").write_bytes(b"\x80\x02}q\x00(X")
    with pytest.raises(DeeplingError, match=re.escape(str(tmp_path / "batches.meta"))):
        load_dataset(tmp_path)


@pytest.mark.parametrize(
    ("layout", "gray"),
    [
        ("NHW", True),
        ("NHWC", False),
        ("NCHW", False),
        ("NHWC-float01", False),
        ("NCHW-float255", False),
        ("NHWC1-float01", True),
    ],
)
def test_npz_layouts_and_ranges(tmp_path, pics, layout, gray):
    nhwc = pics[:5]
    x = {
        "NHW": nhwc[..., 0],
        "NHWC": nhwc,
        "NCHW": nhwc.transpose(0, 3, 1, 2),
        "NHWC-float01": nhwc.astype(np.float32) / 255,
        "NCHW-float255": nhwc.transpose(0, 3, 1, 2).astype(np.float64),
        "NHWC1-float01": nhwc[..., :1].astype(np.float32) / 255,
    }[layout]
    np.savez(tmp_path / "d.npz", x=x)
    ds = load_dataset(tmp_path / "d.npz")
    expected = nhwc[..., :1] if gray else nhwc
    assert len(ds) == 5 and ds.image(0).shape == (expected.shape[-1], 32, 32)
    assert torch.equal(ds.pixels, torch.from_numpy(expected.transpose(0, 3, 1, 2).copy()))
    assert ds.labels.tolist() == [-1] * 5 and ds.classes == [] and not ds.labelled


def test_npz_labels_and_classes(tmp_path, pics):
    np.savez(tmp_path / "y.npz", x=pics[:4], y=np.array([2, 0, 2, 1]))
    ds = load_dataset(tmp_path / "y.npz")
    assert ds.labels.tolist() == [2, 0, 2, 1] and ds.classes == ["0", "1", "2"]
    assert ds[0][1] == 2 and ds.labelled
    np.savez(tmp_path / "named.npz", x=pics[:2], y=[1, 0], classes=np.array(["cat", "dog"]))
    assert load_dataset(tmp_path / "named.npz").classes == ["cat", "dog"]


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"images": np.zeros((2, 8, 8), np.uint8)}, "no array named 'x'"),
        ({"x": np.zeros((3, 8, 8), np.uint8), "y": [0, 1]}, "3 images in x but 2 labels"),
        ({"x": np.zeros((2, 5, 8, 8), np.uint8)}, r"shape \(2, 5, 8, 8\)"),
        ({"x": np.zeros((2, 8, 8), np.uint8), "y": np.eye(2)}, "not one-hot"),
        ({"x": np.zeros((2, 8, 8), np.uint8), "y": np.array(["a", "b"])}, "integer class"),
    ],
)
def test_bad_npz(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DeeplingError, match=message):
        load_dataset(tmp_path / "bad.npz")


def test_unloadable_specs_explain_themselves(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.txt").write_text("not an image")
    (tmp_path / "table.csv").write_text("a,b\n1,2\n")
    cases = {
        tmp_path / "missing": "does not exist",
        tmp_path / "empty": "No images found",
        tmp_path / "junk": "No images found in {} (no .bmp, .gif, .jpeg, .jpg, .png",
        tmp_path / "table.csv": "unknown kind",
    }
    for spec, problem in cases.items():
        with pytest.raises(DeeplingError) as info:
            load_dataset(spec)
        text = str(info.value)
        assert problem.format(spec) in text and str(spec) in text
        assert ".npz" in text and "cifar-10-batches-py" in text  # says what would work


def test_index_out_of_range(tmp_path, pics):
    save(tmp_path / "a.png", pics[0])
    save(tmp_path / "b.png", pics[1])
    np.savez(tmp_path / "d.npz", x=pics[:3])
    for ds in (load_dataset(tmp_path), load_dataset(tmp_path / "d.npz")):
        n = len(ds)
        assert torch.equal(ds[-1][0], ds[n - 1][0])
        for bad in (n, -n - 1, 10**6):
            with pytest.raises(NotFoundError, match=f"has {n} images"):
                ds[bad]


def test_npz_fingerprint(tmp_path, pics):
    y = np.arange(6) % 3
    np.savez(tmp_path / "a.npz", x=pics[:6], y=y)
    first = load_dataset(tmp_path / "a.npz").fingerprint
    assert load_dataset(tmp_path / "a.npz").fingerprint == first
    changed = pics[:6].copy()
    changed[4, 10, 10, 1] ^= 1
    np.savez(tmp_path / "a.npz", x=changed, y=y)
    assert load_dataset(tmp_path / "a.npz").fingerprint != first
    np.savez(tmp_path / "a.npz", x=pics[:6], y=np.where(np.arange(6) == 5, 0, y))
    assert load_dataset(tmp_path / "a.npz").fingerprint != first


def test_folder_fingerprint(tmp_path, pics):
    for i in range(4):
        save(tmp_path / ("cat" if i % 2 else "dog") / f"{i}.png", pics[i])
    first = load_dataset(tmp_path).fingerprint
    assert load_dataset(tmp_path).fingerprint == first
    edited = pics[2].copy()
    edited[0, 0, 0] ^= 1
    path = save(tmp_path / "dog" / "2.png", edited)
    later = path.stat().st_mtime_ns + 2_000_000_000  # an edit made later, as a user makes it
    os.utime(path, ns=(later, later))
    second = load_dataset(tmp_path).fingerprint
    assert second != first
    (tmp_path / "dog" / "0.png").rename(tmp_path / "cat" / "0.png")  # relabel one image
    assert load_dataset(tmp_path).fingerprint not in (first, second)


def test_mnist_demo():
    ds = load_dataset("mnist-demo")
    assert len(ds) == 5_000 and ds.classes == [str(d) for d in range(10)]
    assert np.bincount(ds.labels).tolist() == [500] * 10
    image, label = ds[0]
    assert image.shape == (1, 28, 28) and 0 <= label <= 9
    assert image.max() > 0.9 and image.min() == 0  # a real digit: white strokes on black

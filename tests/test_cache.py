"""ArrayCache: damaged entries are detected and reported missing, never served."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from deepling.cache import ArrayCache, cache_key

ARRAYS = {"coords": np.arange(24, dtype=np.float32).reshape(2, 6, 2), "nodes": np.array(["a", "b"])}


@pytest.fixture()
def stored(tmp_path: Path) -> tuple[ArrayCache, str, Path]:
    cache = ArrayCache(tmp_path)
    key = cache_key("test", 1)
    return cache, key, cache.save("projection", key, ARRAYS)


def test_a_saved_entry_reads_back_whole(stored: tuple[ArrayCache, str, Path]) -> None:
    cache, key, path = stored
    loaded = cache.load("projection", key)
    assert loaded is not None and set(loaded) == set(ARRAYS)
    assert np.array_equal(loaded["coords"], ARRAYS["coords"])
    assert not list(path.parent.glob("*.tmp"))


@pytest.mark.parametrize("cut", [0, 1, 22, 100, -1])
def test_a_truncated_entry_is_deleted_and_reported_missing(
    stored: tuple[ArrayCache, str, Path], cut: int
) -> None:
    cache, key, path = stored
    data = path.read_bytes()
    path.write_bytes(data[: cut if cut >= 0 else len(data) + cut])
    assert cache.load("projection", key) is None
    assert not path.exists()  # recomputed next time, not read again


def test_garbage_and_a_foreign_entry_are_not_served(stored: tuple[ArrayCache, str, Path]) -> None:
    cache, key, path = stored
    other = cache_key("test", 2)
    # An entry copied (or renamed) under another key carries the wrong key inside.
    cache.path("projection", other).write_bytes(path.read_bytes())
    assert cache.load("projection", other) is None
    path.write_bytes(b"\0" * path.stat().st_size)
    assert cache.load("projection", key) is None


def test_a_writer_killed_before_its_rename_leaves_no_entry(tmp_path: Path) -> None:
    cache = ArrayCache(tmp_path)
    key = cache_key("test", 3)
    real = cache.save("projection", key, ARRAYS)
    # What a process killed mid-write leaves: a partial temporary file beside the entries.
    partial = real.parent / f".{cache_key('test', 4)}abc.tmp"
    partial.write_bytes(real.read_bytes()[:50])
    assert cache.load("projection", cache_key("test", 4)) is None
    assert cache.load("projection", key) is not None


@pytest.mark.parametrize("name", ["../x", "..", "a/b", "a\\b", ".hidden", "", "x" * 200])
def test_names_that_are_not_plain_file_names_are_refused(tmp_path: Path, name: str) -> None:
    cache = ArrayCache(tmp_path / "cache")
    (tmp_path / "x.npz").write_bytes(b"outside the cache")
    assert cache.load("projection", name) is None
    assert cache.load(name, "0123") is None
    with pytest.raises(ValueError, match="not a cache entry name"):
        cache.save("projection", name, ARRAYS)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.npz"))


def test_weights_digest_follows_every_change_of_the_weights() -> None:
    """The digest is kept between calls, yet changes with an in-place edit, an optimizer step
    and load_state_dict, and returns to its value when the weights do."""
    from deepling.cache import weights_digest

    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    first = weights_digest(module)
    assert weights_digest(module) == first
    saved = {k: v.clone() for k, v in module.state_dict().items()}
    with torch.no_grad():
        module[0].weight[0, 0] += 1.0
    edited = weights_digest(module)
    step = torch.optim.SGD(module.parameters(), lr=0.1)
    module(torch.randn(8, 4)).sum().backward()  # training mode: batch norm's buffers move too
    step.step()
    stepped = weights_digest(module)
    module.load_state_dict(saved)
    assert len({first, edited, stepped}) == 3 and weights_digest(module) == first

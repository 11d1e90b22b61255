"""Sprite sheets of an image folder: decoded once, then read from the cache folder; an
unreadable image is a crossed-out tile, recorded as unreadable, in a sheet that still loads."""

from __future__ import annotations

import io
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image
from torch import nn

from deepling import create_app
from deepling.data.base import ArrayDataset
from deepling.data.folder import FolderDataset
from deepling.models.loading import load_model
from deepling.models.model import Model
from deepling.server.dataset.sprites import sprite_sheet
from deepling.server.session import Session
from jpeg_folders import make_jpeg_folder

COUNT = 40  # images: one sheet, partly filled
SIZE = 32


@pytest.fixture(scope="module")
def made_jpegs(cifar_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_jpeg_folder(cifar_dir, tmp_path_factory.mktemp("jpegs"), count=COUNT, size=96)


@pytest.fixture()
def jpegs(made_jpegs: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(made_jpegs, tmp_path / "jpegs"))


@pytest.fixture(scope="module")
def model() -> Model:
    module = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
    module(torch.zeros(1, 3, 32, 32))  # materialise the lazy layer
    return load_model(module, input_shape=(3, 32, 32))


@pytest.fixture()
def serve(model: Model, tmp_path: Path) -> Iterator[object]:
    """serve(dataset) -> a client of a new session on the test's one cache folder."""
    clients: list[TestClient] = []

    def start(dataset: FolderDataset | ArrayDataset) -> TestClient:
        client = TestClient(create_app(Session.open(model, dataset, tmp_path / "cache")))
        clients.append(client.__enter__())
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def tiles(png: bytes) -> np.ndarray:
    """A sheet's tiles, (256, SIZE, SIZE, 3), row-major."""
    sheet = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    grid = sheet.reshape(16, SIZE, 16, SIZE, 3).transpose(0, 2, 1, 3, 4)
    return grid.reshape(256, SIZE, SIZE, 3).astype(int)


def thumbnail(path: Path) -> np.ndarray:
    """The file decoded in full and shrunk by PIL: what tile of it should look like."""
    return np.asarray(Image.open(path).convert("RGB").resize((SIZE, SIZE), Image.BOX)).astype(int)


def test_sheet_is_decoded_once_then_read_from_the_cache(jpegs: Path, serve) -> None:  # type: ignore[no-untyped-def]
    dataset = FolderDataset.from_folder(jpegs)
    client = serve(dataset)
    first = client.get("/api/dataset/sprites/0.png", params={"size": SIZE})
    assert first.status_code == 200
    shown = tiles(first.content)
    for i in range(COUNT):  # each tile is its own image, not a neighbour's
        errors = [np.abs(shown[i] - thumbnail(dataset.path(j))).mean() for j in range(COUNT)]
        assert int(np.argmin(errors)) == i and errors[i] < 8
    assert (shown[COUNT:] == 0).all()
    for folder in [p for p in jpegs.iterdir() if p.is_dir()]:
        shutil.rmtree(folder)  # no image file is left to read
    again = client.get("/api/dataset/sprites/0.png", params={"size": SIZE})
    assert again.status_code == 200 and again.content == first.content
    assert client.get("/api/dataset").json()["skipped_files"] == 0
    # The control: a size not cached is decoded from the files, which are gone.
    assert client.get("/api/dataset/sprites/0.png", params={"size": 16}).status_code == 200
    assert client.get("/api/dataset").json()["skipped_files"] == COUNT


def test_concurrent_requests_for_a_sheet_decode_it_once(jpegs: Path, tmp_path: Path) -> None:
    class Counted(FolderDataset):
        decoded: Counter[int] = Counter()

        def fitted(self, index: int, shape: tuple[int, int, int]) -> torch.Tensor:
            self.decoded[index] += 1
            return super().fitted(index, shape)

    dataset = Counted.from_folder(jpegs)
    start = threading.Barrier(6)
    sheets: list[bytes] = []

    def request() -> None:
        start.wait()
        sheets.append(sprite_sheet(dataset, tmp_path / "cache", 0, SIZE))

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sheets) == 6 and len(set(sheets)) == 1
    assert dataset.decoded == Counter(range(COUNT))  # each image once, for all six requests


def test_unreadable_image_is_a_crossed_tile_in_a_sheet_that_loads(jpegs: Path, serve) -> None:  # type: ignore[no-untyped-def]
    damaged = 7
    path = FolderDataset.from_folder(jpegs).path(damaged)
    path.write_bytes(path.read_bytes()[:200])
    dataset = FolderDataset.from_folder(jpegs)
    client = serve(dataset)
    assert client.get("/api/dataset").json()["skipped_files"] == 0  # nothing read yet
    response = client.get("/api/dataset/sprites/0.png", params={"size": SIZE})
    assert response.status_code == 200
    shown = tiles(response.content)
    cross = shown[damaged]
    assert tuple(cross[SIZE // 2, SIZE // 2]) == (230, 60, 60) and tuple(cross[0, 0]) == (64,) * 3
    assert np.abs(shown[damaged + 1] - thumbnail(dataset.path(damaged + 1))).mean() < 8
    assert client.get("/api/dataset").json()["skipped_files"] == 1
    assert dataset.skipped == [(path, dataset.unreadable[damaged])]
    view = client.get("/api/image/image.png", params={"index": damaged})
    assert view.status_code == 422 and str(path) in view.json()["detail"]
    # A later session reads the sheet from the cache, and still knows the image is unreadable.
    reopened = serve(FolderDataset.from_folder(jpegs))
    assert reopened.get("/api/dataset/sprites/0.png", params={"size": SIZE}).content == (
        response.content
    )
    assert reopened.get("/api/dataset").json()["skipped_files"] == 1


def test_in_memory_sheets_are_not_cached(cifar_test: ArrayDataset, serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = ArrayDataset(cifar_test.pixels[:300], cifar_test.labels[:300], cifar_test.classes, "c")
    client = serve(data)
    response = client.get("/api/dataset/sprites/1.png", params={"size": SIZE})
    assert response.status_code == 200
    assert np.array_equal(tiles(response.content)[3], data.pixels[259].permute(1, 2, 0).numpy())
    assert not (tmp_path / "cache" / "sprites").exists()

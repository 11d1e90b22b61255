"""Fetching CIFAR-10 when it is absent: checksum checked, clear advice without network.

The archive is served from a local HTTP server on loopback, built from real CIFAR-10 batches.
"""

from __future__ import annotations

import hashlib
import http.server
import shutil
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from deepling.data import cifar_download
from deepling.data.cifar import load_cifar10
from deepling.errors import DeeplingError


@pytest.fixture()
def archive_server(cifar_dir: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(url, md5) of a cifar-10-python.tar.gz holding the real test batch and meta file."""
    folder = tmp_path / "src" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name in ("test_batch", "batches.meta"):
        shutil.copy(cifar_dir / name, folder / name)
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{archive.name}"
    yield url, hashlib.md5(archive.read_bytes()).hexdigest()
    server.shutdown()


def test_download_checks_the_checksum_and_unpacks(
    archive_server: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, md5 = archive_server
    monkeypatch.setattr(cifar_download, "CIFAR10_URL", url)
    monkeypatch.setattr(cifar_download, "CIFAR10_MD5", md5)
    folder = cifar_download.ensure_cifar10(tmp_path / "data")
    assert len(load_cifar10(folder, "test")) == 10_000
    assert cifar_download.ensure_cifar10(tmp_path / "data") == folder  # found, not fetched again


def test_a_damaged_download_is_refused(
    archive_server: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cifar_download, "CIFAR10_URL", archive_server[0])
    with pytest.raises(DeeplingError, match="checksum"):
        cifar_download.ensure_cifar10(tmp_path / "data")
    assert not (tmp_path / "data" / "cifar-10-batches-py").exists()


def test_without_network_it_says_where_to_put_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cifar_download, "CIFAR10_URL", "http://127.0.0.1:9/cifar.tar.gz")
    with pytest.raises(DeeplingError, match="cifar-10-batches-py") as error:
        cifar_download.ensure_cifar10(tmp_path / "data")
    assert str(tmp_path / "data") in str(error.value)

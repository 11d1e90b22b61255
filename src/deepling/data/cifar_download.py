"""Finding CIFAR-10 on disk, or fetching the official archive with its checksum checked."""

from __future__ import annotations

import hashlib
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from deepling.data.cifar import is_cifar_folder
from deepling.errors import DeeplingError

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"


def find_cifar10(data_dir: Path) -> Path | None:
    """The ``cifar-10-batches-py`` folder at or inside ``data_dir``, if there is one."""
    for candidate in (data_dir, data_dir / "cifar-10-batches-py"):
        if is_cifar_folder(candidate):
            return candidate
    return None


def ensure_cifar10(data_dir: Path, *, download: bool = True, timeout: float = 20.0) -> Path:
    """The CIFAR-10 folder under ``data_dir``, downloading and verifying it if it is absent."""
    found = find_cifar10(data_dir)
    if found is not None:
        return found
    where = (
        f"Put the official 'cifar-10-batches-py' folder (from {CIFAR10_URL}) at "
        f"{data_dir / 'cifar-10-batches-py'}, or pass --data-dir to the folder that holds it."
    )
    if not download:
        raise DeeplingError(f"CIFAR-10 was not found in {data_dir}.", where)
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        archive = Path(tmp) / "cifar-10-python.tar.gz"
        try:
            with urllib.request.urlopen(CIFAR10_URL, timeout=timeout) as response:
                archive.write_bytes(response.read())
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise DeeplingError(
                f"CIFAR-10 was not found in {data_dir} and could not be downloaded ({exc}).", where
            ) from exc
        digest = hashlib.md5(archive.read_bytes()).hexdigest()  # noqa: S324 - published checksum
        if digest != CIFAR10_MD5:
            raise DeeplingError(
                f"The downloaded CIFAR-10 archive has checksum {digest}, "
                f"not {CIFAR10_MD5}: it is damaged.",
                where,
            )
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        (Path(tmp) / "cifar-10-batches-py").rename(data_dir / "cifar-10-batches-py")
    return data_dir / "cifar-10-batches-py"

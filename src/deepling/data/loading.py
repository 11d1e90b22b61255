"""``load_dataset``: one entry point for every supported dataset format."""

from __future__ import annotations

from pathlib import Path

from deepling.data.arrays import load_npz
from deepling.data.base import Dataset
from deepling.data.cifar import is_cifar_folder, load_cifar10
from deepling.data.demo_mnist import load_demo_mnist
from deepling.data.folder import FolderDataset
from deepling.data.images import IMAGE_SUFFIXES
from deepling.errors import DeeplingError

FORMATS_HELP = (
    "Give an image folder (class/xxx.png, or a flat folder of images), a CIFAR-10 "
    "'cifar-10-batches-py' folder, an .npz file with arrays x and y, or 'mnist-demo'."
)


def load_dataset(spec: str | Path, *, split: str = "test") -> Dataset:
    """Load a dataset from ``spec``.

    ``spec`` is a path to an image folder tree (``class/xxx.png``), a flat folder of unlabelled
    images, a CIFAR-10 ``cifar-10-batches-py`` folder (``split`` = "test", "train" or "all"), an
    ``.npz`` file holding ``x`` and optionally ``y`` and ``classes``, or ``"mnist-demo"`` for the
    5,000 bundled MNIST digits. An image folder is only listed here: a file that cannot be
    decoded is found when it is first read, and recorded in ``dataset.unreadable``.
    """
    if str(spec) == "mnist-demo":
        return load_demo_mnist()
    path = Path(spec).expanduser()
    if not path.exists():
        raise DeeplingError(f"Dataset {path} does not exist.", FORMATS_HELP)
    if path.is_file():
        if path.suffix.lower() == ".npz":
            return load_npz(path)
        raise DeeplingError(f"Dataset {path} is a file of an unknown kind.", FORMATS_HELP)
    if not path.is_dir():  # a pipe, a socket, a device: nothing to read images from
        raise DeeplingError(f"Dataset {path} is neither a file nor a folder.", FORMATS_HELP)
    if is_cifar_folder(path):
        return load_cifar10(path, split)
    if (path / "cifar-10-batches-py").is_dir():
        return load_cifar10(path / "cifar-10-batches-py", split)
    try:
        dataset = FolderDataset.from_folder(path)
    except OSError as exc:
        raise DeeplingError(f"Cannot read dataset folder {path}: {exc.strerror or exc}.") from exc
    if len(dataset) == 0:
        suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
        raise DeeplingError(f"No images found in {path} (no {suffixes} files).", FORMATS_HELP)
    return dataset

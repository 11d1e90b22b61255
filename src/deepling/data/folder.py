"""Image files on disk: an ImageFolder-style class tree, or a flat folder of unlabelled images."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from deepling.data.base import UNLABELLED, Dataset
from deepling.data.images import IMAGE_SUFFIXES, check_image_file, read_image
from deepling.errors import DeeplingError


def _image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


class FolderDataset(Dataset):
    """Images decoded lazily from files; ``skipped`` lists the files that were unreadable."""

    def __init__(self, files: list[Path], labels: list[int], classes: list[str], name: str) -> None:
        self.skipped: list[tuple[Path, str]] = []
        kept: list[Path] = []
        kept_labels: list[int] = []
        for path, label in zip(files, labels, strict=True):
            problem = check_image_file(path)
            if problem is None:
                kept.append(path)
                kept_labels.append(label)
            else:
                self.skipped.append((path, problem))
        self.files = kept
        self._labels = np.asarray(kept_labels, dtype=np.int64)
        self.classes = classes
        self.name = name

    @classmethod
    def from_folder(cls, root: Path) -> FolderDataset:
        """A class tree (``root/<class>/<image>``) or, without class folders, a flat folder."""
        class_dirs = sorted(d for d in root.iterdir() if d.is_dir() and _image_files(d))
        if class_dirs:
            files: list[Path] = []
            labels: list[int] = []
            for label, folder in enumerate(class_dirs):
                found = _image_files(folder)
                files += found
                labels += [label] * len(found)
            return cls(files, labels, [d.name for d in class_dirs], root.name)
        flat = _image_files(root)
        return cls(flat, [UNLABELLED] * len(flat), [], root.name)

    def __len__(self) -> int:
        return len(self.files)

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    def image(self, index: int) -> Tensor:
        path = self.files[self.check_index(index)]
        try:
            return torch.from_numpy(read_image(path)).float().div_(255)
        except DeeplingError as exc:
            raise DeeplingError(
                exc.message, "The file changed or is damaged; fix or remove it and reload."
            ) from exc

    def _content_digest(self) -> str:
        h = hashlib.blake2b(digest_size=16)
        for path in self.files:
            stat = path.stat()
            h.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return h.hexdigest()

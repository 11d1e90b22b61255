"""Image files on disk: an ImageFolder-style class tree, or a flat folder of unlabelled images.

Opening lists names only (``os.scandir``: no per-file stat or open), so a folder of a million
files opens in seconds; a file is checked when a pass or a view first decodes it, and one that
cannot be read is recorded in ``unreadable`` then.
"""

from __future__ import annotations

import copy
import hashlib
import os
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from deepling.data.base import UNLABELLED, Dataset
from deepling.data.images import IMAGE_SUFFIXES, fit_batch, read_image
from deepling.errors import DeeplingError

DAMAGED_HINT = "The file changed or is damaged; fix or remove it, then open the dataset again."
# Files stat'ed per task when fingerprinting: big enough to amortise a task, small enough that
# a flat folder of a million files still spreads over every thread.
_STAT_BLOCK = 4096
_SUFFIXES = tuple(IMAGE_SUFFIXES)


def _image_names(folder: str) -> tuple[list[str], list[str]]:
    """The image file names (sorted) and the subfolder names directly in ``folder``.

    Names from the directory listing alone: ``DirEntry.is_file``/``is_dir`` read the entry's
    type, which needs no stat on Linux and macOS file systems. Hidden files (``.DS_Store``,
    macOS ``._x.jpg`` resource forks) are not images of the dataset.
    """
    images: list[str] = []
    folders: list[str] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            if entry.is_file():
                if name.lower().endswith(_SUFFIXES):
                    images.append(name)
            elif entry.is_dir():
                folders.append(name)
    images.sort()
    folders.sort()
    return images, folders


def _stat_block(folder: str, names: list[str]) -> bytes:
    """Size, mtime and inode of each file, as int64 bytes (-1s for a file gone since listing)."""
    try:  # stat relative to the open folder (no path walk a file), where the OS can
        fd = os.open(folder, os.O_RDONLY) if os.stat in os.supports_dir_fd else None
    except OSError:
        return np.full((len(names), 3), -1, dtype=np.int64).tobytes()
    paths = names if fd is not None else [os.path.join(folder, name) for name in names]
    stat = partial(os.stat, dir_fd=fd)

    def row(path: str) -> tuple[int, int, int]:
        try:
            st = stat(path)
        except OSError:
            return -1, -1, -1
        return st.st_size, st.st_mtime_ns, st.st_ino

    try:
        return np.asarray([row(path) for path in paths], dtype=np.int64).reshape(-1, 3).tobytes()
    finally:
        if fd is not None:
            os.close(fd)


class FolderDataset(Dataset):
    """Images decoded from files when needed; ``skipped`` lists those found unreadable so far.

    ``groups`` are (folder, sorted image file names) pairs; in a class tree each folder is a
    class (its label is its position), in a flat folder there is one group, unlabelled.
    """

    def __init__(
        self, root: Path, groups: list[tuple[str, list[str]]], *, labelled: bool, name: str
    ) -> None:
        self.root = root
        self.name = name
        self.classes = [folder for folder, _ in groups] if labelled else []
        self._folders = [str(root / folder) for folder, _ in groups]
        counts = [len(names) for _, names in groups]
        # Image i is file names[i] of folder k where starts[k] <= i < starts[k + 1].
        self._starts: list[int] = [0, *np.cumsum(counts, dtype=np.int64).tolist()]
        self._names = [name for _, names in groups for name in names]
        self._labels = (
            np.repeat(np.arange(len(groups), dtype=np.int64), counts)
            if labelled
            else np.full(len(self._names), UNLABELLED, dtype=np.int64)
        )

    @classmethod
    def from_folder(cls, root: Path) -> FolderDataset:
        """A class tree (``root/<class>/<image>``) or, without class folders, a flat folder."""
        flat, subfolders = _image_names(str(root))
        groups = []
        for folder in subfolders:
            images, _ = _image_names(str(root / folder))
            if images:
                groups.append((folder, images))
        if groups:
            return cls(root, groups, labelled=True, name=root.name)
        return cls(root, [(".", flat)] if flat else [], labelled=False, name=root.name)

    def __len__(self) -> int:
        return len(self._names)

    def for_workers(self) -> FolderDataset:
        travelling = copy.copy(self)
        travelling.__dict__.pop("_unreadable", None)  # this process's record, not theirs
        travelling._folders = [os.path.abspath(folder) for folder in self._folders]
        return travelling

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    def path(self, index: int) -> Path:
        """The file of image ``index``."""
        index = self.check_index(index)
        return Path(self._folders[bisect_right(self._starts, index) - 1], self._names[index])

    @property
    def skipped(self) -> list[tuple[Path, str]]:
        """(file, why) of every image found unreadable so far, in index order."""
        return [(self.path(i), why) for i, why in sorted(self.unreadable.items())]

    def _read(self, index: int, draft: tuple[int, int] | None = None) -> Tensor:
        """Image ``index`` decoded as uint8 ``(C, H, W)``; recorded as unreadable if it fails."""
        index = self.check_index(index)
        try:
            return torch.from_numpy(read_image(self.path(index), draft=draft))
        except DeeplingError as exc:
            self.mark_unreadable(index, exc.message)
            raise DeeplingError(exc.message, DAMAGED_HINT, status=422) from exc

    def image(self, index: int) -> Tensor:
        return self._read(index).float().div_(255)

    def fitted(self, index: int, shape: tuple[int, int, int]) -> Tensor:
        # JPEGs decoded at the smallest DCT scale that still covers the target size.
        pixels = self._read(index, draft=(shape[2], shape[1]))
        if tuple(pixels.shape) == shape:
            return pixels
        return fit_batch(pixels.float().div_(255)[None], shape)[0]

    def _content_digest(self) -> str:
        """Relative paths plus each file's size, mtime and inode.

        Names catch files added, removed or renamed; mtime and size catch a file rewritten in
        place (an editor's save, ``cp`` over it); the inode catches one replaced by a rename
        even when size and mtime were kept (``rsync -t``, ``mv``). That needs one stat a file,
        but no read: run once per dataset (``fingerprint`` is cached) on threads, since stat
        releases the GIL and, on a cold disk, waits on it.
        """
        tasks = [
            (folder, self._names[start : min(start + _STAT_BLOCK, stop)])
            for folder, first, stop in zip(
                self._folders, self._starts[:-1], self._starts[1:], strict=True
            )
            for start in range(first, stop, _STAT_BLOCK)
        ]
        h = hashlib.blake2b(digest_size=16)
        workers = min(32, 4 * (os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            stats = pool.map(lambda task: _stat_block(*task), tasks)
            for (folder, names), block in zip(tasks, stats, strict=True):
                h.update(os.path.relpath(folder, self.root).encode() + b"\0")
                h.update("\0".join(names).encode() + b"\n")
                h.update(block)
        return h.hexdigest()

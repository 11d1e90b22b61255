"""The dataset interface every view and analysis works on, and its in-memory implementation."""

from __future__ import annotations

import hashlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Generator, Sequence
from functools import cached_property

import numpy as np
import torch
from torch import Tensor

from deepling.data.images import fit_batch
from deepling.errors import NotFoundError

UNLABELLED = -1
# Guards every dataset's record of unreadable images: written from decoding threads, rarely.
_UNREADABLE_LOCK = threading.Lock()


def as_unit_float(pixels: Tensor) -> Tensor:
    """``Dataset.fitted``'s output (uint8 0-255 or float in [0, 1]) as float32 in [0, 1]."""
    return pixels.float().div_(255) if pixels.dtype == torch.uint8 else pixels.float()


class Dataset(ABC):
    """Images in pixel space with optional labels.

    ``dataset[i]`` is ``(image, label)``: ``image`` a float32 tensor ``(C, H, W)`` in [0, 1] at
    the image's own size and channel count, ``label`` an int (``-1`` when unlabelled).
    ``classes`` names the labels (empty for an unlabelled dataset).
    """

    name: str
    classes: list[str]
    # Images held in memory: a pass gathers its batches rather than decoding them on threads.
    in_memory = False

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def image(self, index: int) -> Tensor:
        """Image ``index`` as float32 ``(C, H, W)`` in [0, 1]."""

    @property
    @abstractmethod
    def labels(self) -> np.ndarray:
        """All labels, int64 ``(N,)``; ``-1`` where unlabelled."""

    @abstractmethod
    def _content_digest(self) -> str:
        """A digest of the images' content (or of what identifies it, such as paths and mtimes)."""

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        index = self.check_index(index)
        return self.image(index), int(self.labels[index])

    @property
    def labelled(self) -> bool:
        return bool(len(self)) and bool((self.labels >= 0).any())

    def check_index(self, index: int) -> int:
        """``index`` as a non-negative int, or a NotFoundError naming the valid range."""
        n = len(self)
        if not isinstance(index, (int, np.integer)) or not -n <= int(index) < n:
            raise NotFoundError(f"Image index {index} is out of range: the dataset has {n} images.")
        return int(index) % n

    def fitted(self, index: int, shape: tuple[int, int, int]) -> Tensor:
        """Image ``index`` fitted to the model input ``shape`` (C, H, W): float32 in [0, 1], or
        uint8 (0-255) where it needed no resizing (converted later, on the model's device).
        The unit of work of ``stream``, run on its decoding threads; a DeeplingError if the
        image cannot be read."""
        return fit_batch(self.image(index)[None], shape)[0]

    def batch(self, indices: Sequence[int], shape: tuple[int, int, int]) -> Tensor:
        """Images ``indices`` fitted to the model input ``shape`` (C, H, W): ``(B, C, H, W)``
        float32 in [0, 1], exactly as ``stream`` yields them."""
        return torch.stack([as_unit_float(self.fitted(int(i), shape)) for i in indices])

    def stream(
        self,
        input_shape: tuple[int, int, int],
        indices: Sequence[int] | np.ndarray | None = None,
        *,
        batch_size: int = 256,
        workers: int | None = None,
        device: torch.device | str | None = None,
    ) -> Generator[tuple[np.ndarray, Tensor], None, None]:
        """Batches ``(indices (B,) int64, x (B, C, H, W) float32 in [0, 1])`` of images
        ``indices`` (default: all, in order) fitted to ``input_shape``, decoded on ``workers``
        threads (default: one per core) a few batches ahead, on ``device`` (default: the CPU;
        copied without blocking from pinned memory to a GPU). Memory stays bounded whatever
        the number of images. An image that cannot be read is left out of its batch and
        recorded in ``unreadable``; the stream goes on."""
        from deepling.data.stream import stream_dataset

        return stream_dataset(self, input_shape, indices, batch_size, workers, device)

    def for_workers(self) -> Dataset:
        """This dataset as it travels to other processes (Ray workers), which run in another
        folder: the same images, found by absolute paths."""
        return self

    @property
    def unreadable(self) -> dict[int, str]:
        """Images found unreadable so far (index: why), by ``stream`` or ``mark_unreadable``."""
        with _UNREADABLE_LOCK:
            return dict(self.__dict__.get("_unreadable", {}))

    def mark_unreadable(self, index: int, reason: str) -> None:
        """Record that image ``index`` could not be read (thread-safe)."""
        with _UNREADABLE_LOCK:
            self.__dict__.setdefault("_unreadable", {})[int(index)] = reason

    @cached_property
    def fingerprint(self) -> str:
        """Identifies this dataset's content and labels, for cache keys."""
        h = hashlib.blake2b(digest_size=16)
        h.update(self._content_digest().encode())
        h.update(np.ascontiguousarray(self.labels).tobytes())
        h.update("\n".join(self.classes).encode())
        return h.hexdigest()


class ArrayDataset(Dataset):
    """Images held in memory as uint8 ``(N, C, H, W)``: CIFAR batches, ``.npz`` files, demo data.

    uint8 keeps 50,000 CIFAR images at 150 MB; batches are converted to float on the fly.
    """

    in_memory = True

    def __init__(
        self,
        images: np.ndarray | Tensor,
        labels: np.ndarray | Sequence[int] | None,
        classes: Sequence[str] | None,
        name: str,
    ) -> None:
        pixels = torch.as_tensor(np.asarray(images))
        if pixels.dtype != torch.uint8 or pixels.ndim != 4:
            raise ValueError("ArrayDataset takes uint8 images of shape (N, C, H, W).")
        self.pixels = pixels.contiguous()
        n = pixels.shape[0]
        self._labels = (
            np.full(n, UNLABELLED, dtype=np.int64)
            if labels is None
            else np.asarray(labels, dtype=np.int64).reshape(-1)
        )
        if self._labels.shape[0] != n:
            raise ValueError(f"{n} images but {self._labels.shape[0]} labels.")
        self.classes = list(classes or [])
        self.name = name

    def __len__(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    def image(self, index: int) -> Tensor:
        return self.pixels[self.check_index(index)].float().div_(255)

    def fitted(self, index: int, shape: tuple[int, int, int]) -> Tensor:
        pixels = self.pixels[self.check_index(index)]
        return (
            pixels
            if tuple(pixels.shape) == shape
            else fit_batch(as_unit_float(pixels)[None], shape)[0]
        )

    def batch(self, indices: Sequence[int], shape: tuple[int, int, int]) -> Tensor:
        # One gather and one conversion for the whole batch: the evaluation pass's hot path.
        index = torch.as_tensor(np.asarray(indices, dtype=np.int64))
        return fit_batch(self.pixels.index_select(0, index).float().div_(255), shape)

    def _content_digest(self) -> str:
        return hashlib.blake2b(self.pixels.numpy().tobytes(), digest_size=16).hexdigest()

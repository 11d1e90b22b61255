"""The data side of every dataset-wide pass: images decoded on a pool of threads a few batches
ahead of the model, fitted to its input, and copied to its device without blocking.

Threads, not worker processes: Pillow and torch release the GIL while they decode and resize
(measured here: 2 threads read 224-px JPEGs as fast as a DataLoader with 2 worker processes), and
a thread pool starts at once inside a server that already runs threads, where forking is unsafe
and spawned workers would have to be sent the dataset. Besides the batch the model is running, a
pass holds at most ``PREFETCH`` finished batches, the one being assembled and the one decoding
ahead of it, whatever the dataset's size.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

from deepling.errors import DeeplingError

if TYPE_CHECKING:
    from deepling.data.base import Dataset

# Batches decoded ahead of the one being consumed.
PREFETCH = 2
Batch = tuple[np.ndarray, Tensor]  # positions (B,) int64 into the images streamed, pixels


def default_workers() -> int:
    """One decoding thread per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_indices(indices: Sequence[int] | np.ndarray | None, size: int) -> np.ndarray:
    """``indices`` (default: all ``size`` images, in order) as int64, each checked in range."""
    if indices is None:
        return np.arange(size, dtype=np.int64)
    order = np.asarray(indices, dtype=np.int64).reshape(-1)
    bad = np.flatnonzero((order < 0) | (order >= size))
    if bad.size:
        raise DeeplingError(
            f"Image index {int(order[bad[0]])} is out of range: the dataset has {size} images."
        )
    return order


def _stack(images: list[Tensor]) -> Tensor:
    """Fitted images as one batch: uint8 if every one is (converted on the device), else float."""
    if all(image.dtype == torch.uint8 for image in images):
        return torch.stack(images)
    return torch.stack([im.float().div_(255) if im.dtype == torch.uint8 else im for im in images])


def to_device(pixels: Tensor, device: torch.device) -> Tensor:
    """A batch on ``device`` as float32 in [0, 1]; uint8 batches travel as uint8 (a quarter of
    the bytes) and are converted there."""
    if device.type == "cuda" and pixels.device.type == "cpu":
        pixels = pixels.pin_memory().to(device, non_blocking=True)
    elif pixels.device != device:
        pixels = pixels.to(device)
    return pixels.float().div_(255) if pixels.dtype == torch.uint8 else pixels.float()


class _Producer:
    """Runs ``make(positions)`` for each batch on a background thread, ``PREFETCH`` ahead."""

    def __init__(
        self,
        chunks: list[np.ndarray],
        make: Callable[[np.ndarray], Batch | None],
        on_stop: Callable[[], None] = lambda: None,
    ) -> None:
        self._on_stop = on_stop  # run when the consumer stops, before the thread is joined
        self._results: queue.Queue[Batch | BaseException | None] = queue.Queue(PREFETCH)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(chunks, make), name="deepling-stream", daemon=True
        )
        self._thread.start()

    def _put(self, item: Batch | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                self._results.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, chunks: list[np.ndarray], make: Callable[[np.ndarray], Batch | None]) -> None:
        try:
            for chunk in chunks:
                if self._stop.is_set():
                    return
                batch = make(chunk)
                if batch is not None and not self._put(batch):
                    return
            self._put(None)
        except CancelledError:  # the consumer stopped: its decodes were cancelled
            return
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)

    def __iter__(self) -> Iterator[Batch]:
        try:
            while (item := self._results.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()
            self._on_stop()  # cancels decodes not started, so the join waits for none of them
            self._thread.join()


class _Decoder:
    """Makes batches image by image on ``workers`` threads, each batch submitted when the one
    before it is taken up, so the pool never idles between batches; unreadable images are left
    out and recorded."""

    def __init__(
        self,
        dataset: Dataset,
        order: np.ndarray,
        shape: tuple[int, int, int],
        chunks: list[np.ndarray],
        workers: int,
    ) -> None:
        self._dataset, self._order, self._shape = dataset, order, shape
        self._following = {int(a[0]): b for a, b in zip(chunks, chunks[1:], strict=False)}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="deepling-decode")
        self._submitted: dict[int, list[Future[Tensor | None]]] = {}

    def _fit(self, index: int) -> Tensor | None:
        try:
            return self._dataset.fitted(index, self._shape)
        except DeeplingError as exc:
            self._dataset.mark_unreadable(index, exc.message)
            return None

    def _submit(self, positions: np.ndarray) -> list[Future[Tensor | None]]:
        return [self._pool.submit(self._fit, int(self._order[p])) for p in positions]

    def __call__(self, positions: np.ndarray) -> Batch | None:
        first = int(positions[0])
        futures = self._submitted.pop(first, None) or self._submit(positions)
        if (following := self._following.get(first)) is not None:
            self._submitted[int(following[0])] = self._submit(following)
        images = [future.result() for future in futures]
        kept = [i for i, image in enumerate(images) if image is not None]
        if not kept:
            return None
        return positions[kept], _stack([image for image in images if image is not None])

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def stream_positions(
    dataset: Dataset,
    input_shape: tuple[int, int, int],
    order: np.ndarray,
    batch_size: int,
    workers: int | None,
    device: torch.device,
) -> Iterator[Batch]:
    """Batches ``(positions into order, x on device, float32 in [0, 1])`` of images ``order``."""
    if batch_size < 1:
        raise DeeplingError(f"batch_size must be at least 1, got {batch_size}.")
    chunks = [
        np.arange(start, min(start + batch_size, len(order)), dtype=np.int64)
        for start in range(0, len(order), batch_size)
    ]
    if dataset.in_memory:  # a gather and a conversion per batch: no decoding to spread

        def make(positions: np.ndarray) -> Batch:
            return positions, dataset.batch(order[positions], input_shape)

        batches = _Producer(chunks, make)
        for positions, pixels in batches:
            yield positions, to_device(pixels, device)
        return
    decoder = _Decoder(dataset, order, input_shape, chunks, workers or default_workers())
    try:
        for positions, pixels in _Producer(chunks, decoder, on_stop=decoder.close):
            yield positions, to_device(pixels, device)
    finally:
        decoder.close()


def stream_dataset(
    dataset: Dataset,
    input_shape: tuple[int, int, int],
    indices: Sequence[int] | np.ndarray | None,
    batch_size: int,
    workers: int | None,
    device: torch.device | str | None,
) -> Generator[tuple[np.ndarray, Tensor], None, None]:
    """``Dataset.stream``: batches of dataset indices and images (see there)."""
    order = check_indices(indices, len(dataset))
    target = torch.device(device) if device is not None else torch.device("cpu")
    for positions, x in stream_positions(dataset, input_shape, order, batch_size, workers, target):
        yield order[positions], x


def pass_batches(
    data: Dataset | Tensor,
    input_shape: tuple[int, int, int],
    device: torch.device,
    *,
    indices: Sequence[int] | np.ndarray | None = None,
    extra: Tensor | None = None,
    batch_size: int,
    workers: int | None = None,
) -> tuple[int, Iterator[Batch]]:
    """The images of a pass and how many there are: dataset images ``indices`` (default: all)
    streamed, or the rows of an image tensor ``(N, C, H, W)`` in [0, 1] (already fitted), then
    the rows of ``extra`` (such as edited images), positions counting on after them."""
    from deepling.data.base import Dataset

    if isinstance(data, Dataset):
        order = check_indices(indices, len(data))
        head: Iterator[Batch] = stream_positions(
            data, input_shape, order, batch_size, workers, device
        )
        count = len(order)
    else:
        rows = data if indices is None else data[torch.as_tensor(check_indices(indices, len(data)))]
        head, count = tensor_batches(rows, 0, batch_size, device), len(rows)
    if extra is None or len(extra) == 0:
        return count, head
    tail = tensor_batches(extra, count, batch_size, device)
    return count + len(extra), _chain(head, tail)


def tensor_batches(
    x: Tensor, offset: int, batch_size: int, device: torch.device
) -> Iterator[Batch]:
    for start in range(0, len(x), batch_size):
        stop = min(start + batch_size, len(x))
        yield np.arange(offset + start, offset + stop), to_device(x[start:stop], device)


def _chain(*parts: Iterator[Batch]) -> Iterator[Batch]:
    for part in parts:
        yield from part

"""The image tray: edited and uploaded images the user keeps beside the dataset.

Any per-image analysis (predictions, activations, strips, attributions) can run on a tray image
instead of a dataset image; see ``image_refs``. The tray lives in server memory and is bounded,
so a long session cannot grow without limit: the oldest image is dropped first.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from torch import Tensor

from deepling.errors import NotFoundError

TRAY_SIZE = 32


@dataclass(frozen=True)
class TrayImage:
    """``pixels``: float32 ``(C, H, W)`` in [0, 1] at the model's input shape."""

    id: str
    pixels: Tensor
    name: str
    label: int = -1  # the true class when the image came from a labelled dataset image
    source: int = -1  # the dataset image it was made from (-1: an upload)
    created: float = field(default_factory=time.time)

    @property
    def digest(self) -> str:
        """Identifies the pixels (for cache keys)."""
        data = self.pixels.detach().float().cpu().contiguous().numpy().tobytes()
        return hashlib.blake2b(data, digest_size=16).hexdigest()


class ImageTray:
    """Thread-safe, bounded store of tray images by id."""

    def __init__(self, size: int = TRAY_SIZE) -> None:
        self._images: OrderedDict[str, TrayImage] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def add(self, pixels: Tensor, name: str, label: int = -1, source: int = -1) -> TrayImage:
        image = TrayImage(uuid.uuid4().hex[:12], pixels.detach().float().cpu(), name, label, source)
        with self._lock:
            self._images[image.id] = image
            while len(self._images) > self._size:
                self._images.popitem(last=False)
        return image

    def get(self, image_id: str) -> TrayImage:
        with self._lock:
            image = self._images.get(image_id)
        if image is None:
            raise NotFoundError(
                f"No tray image {image_id!r}.",
                f"The tray keeps the last {self._size} images of this server run; add it again.",
            )
        return image

    def remove(self, image_id: str) -> None:
        self.get(image_id)
        with self._lock:
            self._images.pop(image_id, None)

    def list(self) -> list[TrayImage]:
        with self._lock:
            return list(self._images.values())

"""An on-disk cache of numpy results: atomic writes, corrupt entries detected and recomputed."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import threading
import weakref
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

# Bumped when the layout of cached results changes, so old entries are not misread.
CACHE_VERSION = "1"
# Kinds and keys become file names: no separators, no leading dot, so none can leave the root.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


# Per module: the identity of its tensors when last digested, and the digest.
_DIGESTS: weakref.WeakKeyDictionary[nn.Module, tuple[object, str]] = weakref.WeakKeyDictionary()
_DIGESTS_LOCK = threading.Lock()


def _tensors_identity(state: dict[str, torch.Tensor]) -> object:
    """What changes whenever a tensor is replaced or written to in place: its storage, shape
    and version counter (bumped by every in-place op, an optimizer step or load_state_dict's
    copy included), and a few of its values, for writes through ``.data``, which bypass the
    counter."""
    return tuple(
        (name, t.data_ptr(), tuple(t.shape), t._version, t.dtype, _sampled_values(t))
        for name, t in state.items()
    )


def _sampled_values(tensor: torch.Tensor) -> bytes:
    """Up to 16 values spread over the tensor, as bytes."""
    flat = tensor.detach().reshape(-1)
    step = max(1, flat.numel() // 16)
    return flat[::step][:16].cpu().contiguous().view(torch.uint8).numpy().tobytes()


def weights_digest(module: nn.Module) -> str:
    """A digest of every parameter and buffer of ``module`` (names, shapes and values).

    Hashing a ResNet-50's 100 MB on every cache key cost a tenth of a second per request, so
    the digest is kept until a tensor of the module changes (``_tensors_identity``)."""
    state = module.state_dict()
    identity = _tensors_identity(state)
    with _DIGESTS_LOCK:
        known = _DIGESTS.get(module)
    if known is not None and known[0] == identity:
        return known[1]
    digest = _digest(state)
    with _DIGESTS_LOCK:
        _DIGESTS[module] = (identity, digest)
    return digest


def _digest(state: dict[str, torch.Tensor]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for name, tensor in state.items():
        h.update(name.encode())
        h.update(str(tuple(tensor.shape)).encode())
        # reshape(-1): 0-dim buffers (batch norm's num_batches_tracked) cannot be viewed as bytes.
        t = tensor.detach().cpu().contiguous().reshape(-1)
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def cache_key(*parts: object) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in (CACHE_VERSION, *parts):
        h.update(repr(part).encode())
        h.update(b"\0")
    return h.hexdigest()


class ArrayCache:
    """``key -> dict of arrays`` stored as ``.npz`` files under ``root``.

    Writes go to a temporary file that is renamed into place, so a crash never leaves a partial
    entry under the real name; an entry that fails to load (or lacks its own key) is deleted and
    reported missing, so the caller recomputes it.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, kind: str, key: str) -> Path:
        """Where entry ``key`` of ``kind`` lives; ValueError for a name that is not a plain file
        name (a key taken from a URL, say)."""
        if not self._valid(kind, key):
            raise ValueError(f"not a cache entry name: {kind!r}/{key!r}")
        return self.root / kind / f"{key}.npz"

    @staticmethod
    def _valid(kind: str, key: str) -> bool:
        return bool(SAFE_NAME.fullmatch(kind) and SAFE_NAME.fullmatch(key))

    def exists(self, kind: str, key: str) -> bool:
        """Whether entry ``key`` is stored, without reading it (False for a name that cannot be
        an entry). A corrupt entry counts as stored until ``load`` finds it corrupt."""
        return self._valid(kind, key) and self.path(kind, key).is_file()

    def load(self, kind: str, key: str) -> dict[str, np.ndarray] | None:
        if not self._valid(kind, key):
            return None  # no such entry can exist
        path = self.path(kind, key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {name: f[name] for name in f.files}
            if str(arrays.pop("__key__", "")) != key:
                raise ValueError("entry does not carry its key")
            return arrays
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError):
            path.unlink(missing_ok=True)
            return None

    def save(self, kind: str, key: str, arrays: dict[str, np.ndarray]) -> Path:
        path = self.path(kind, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        payload = {"__key__": np.array(key), **arrays}
        np.savez(buffer, **payload)  # type: ignore[arg-type]  # numpy types **kwds as bool
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key}", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(buffer.getvalue())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path

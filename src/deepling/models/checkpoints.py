"""A series of checkpoints of one architecture (epochs of a training run, a fine-tune's steps),
ordered naturally by name, loaded one at a time as they are looked at.

    series = deepling.load_checkpoints("alexnet-cifar", "runs/epoch_*.pt")
    series.names            # ['epoch_1', 'epoch_2', ..., 'epoch_10']: 2 before 10
    model = series[-1]      # a Model, loaded on first use (a few are kept)

Every file is checked against the architecture when the series is opened, so a checkpoint that
does not fit is a clear error at once (naming the file and the keys), not a failure the first
time someone selects it. Only a few models are held at once: a series of 90 ResNet-50 epochs
would otherwise be 9 GB of weights.
"""

from __future__ import annotations

import copy
import glob
import operator
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from deepling.errors import DeeplingError
from deepling.models.loading import load_model
from deepling.models.model import Model
from deepling.models.weights import (
    apply_state_dict,
    extract_state_dict,
    read_checkpoint,
    strip_wrapper_prefixes,
)

CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin")
KEPT = 3  # models held at once (the selected, the compared, one being read)


def natural_key(name: str) -> list[Any]:
    """Sort key reading runs of digits as numbers: epoch_2 before epoch_10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def checkpoint_files(weights: str | Path | Sequence[str | Path]) -> list[Path]:
    """The files ``weights`` names: a glob pattern, a folder (its checkpoint files), a file, or
    a list of any of these; all ordered naturally by file name, duplicates dropped. A path
    that exists is taken as it is, even with ``*?[`` in its name."""
    given = [weights] if isinstance(weights, str | Path) else list(weights)
    if not given:
        raise DeeplingError("weights: give at least one checkpoint file, folder or pattern.")
    found: list[Path] = []
    for item in given:
        text = str(Path(item).expanduser())
        if glob.has_magic(text) and not Path(text).exists():
            group = [Path(p) for p in glob.glob(text) if Path(p).is_file()]
            if not group:
                raise DeeplingError(f"No checkpoint file matches {text!r}.")
        elif Path(text).is_dir():
            group = [p for p in Path(text).iterdir() if p.suffix in CHECKPOINT_SUFFIXES]
            if not group:
                raise DeeplingError(
                    f"The folder {text} holds no checkpoint file "
                    f"({', '.join(CHECKPOINT_SUFFIXES)})."
                )
        else:
            group = [Path(text)]  # a missing file is read_checkpoint's clear error
        found += group
    return sorted(dict.fromkeys(found), key=lambda p: (natural_key(p.name), str(p)))


class Checkpoints(Sequence[Model]):
    """``len(self)`` models of one architecture; ``names`` (file stems, unique) and ``paths``
    in order. ``self[i]`` is a ``Model``, loaded on first use; the same object is returned while
    it is among the ``KEPT`` most recently used."""

    def __init__(
        self,
        first: Model,
        paths: list[Path],
        names: list[str],
        base: str,
        *,
        trust_pickle: bool = False,
    ) -> None:
        self.paths, self.names = paths, names
        self.base = base  # the architecture's name: checkpoint i is called "{base} {names[i]}"
        self._template = first
        # Copied for each checkpoint loaded: a copy never run, so that no hook or flag a pass
        # on the first model sets at that moment is copied with it.
        self._pristine = copy.deepcopy(first.module).eval()
        self._trust_pickle = trust_pickle
        self._held: OrderedDict[int, Model] = OrderedDict({0: first})
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> Model:  # type: ignore[override]
        index = operator.index(index)  # an int, or a numpy integer
        if not -len(self) <= index < len(self):
            raise IndexError(f"checkpoint {index} is out of range: there are {len(self)}.")
        index %= len(self)
        with self._lock:
            if index in self._held:
                self._held.move_to_end(index)
                return self._held[index]
            model = self._load(index)
            self._held[index] = model
            while len(self._held) > KEPT:
                self._held.popitem(last=False)
            return model

    def __iter__(self) -> Iterator[Model]:
        for i in range(len(self)):
            yield self[i]

    def holds(self, index: int, model: Model) -> bool:
        """Whether ``model`` is the object ``self[index]`` returns now (without loading it)."""
        return self._held.get(index) is model

    def index(self, name: str) -> int:  # type: ignore[override]
        """The position of the checkpoint called ``name``."""
        if name not in self.names:
            raise DeeplingError(
                f"No checkpoint named {name!r}.", f"The checkpoints are: {', '.join(self.names)}."
            )
        return self.names.index(name)

    def _load(self, index: int) -> Model:
        template = self._template
        module = copy.deepcopy(self._pristine)
        path = self.paths[index]
        checkpoint = read_checkpoint(path, trust_pickle=self._trust_pickle)
        state = strip_wrapper_prefixes(extract_state_dict(checkpoint, str(path)))
        apply_state_dict(module, state, str(path))
        return template.with_module(module, name=f"{self.base} {self.names[index]}")


def load_checkpoints(
    spec: str | Path,
    weights: str | Path | Sequence[str | Path],
    *,
    trust_pickle: bool = False,
    **options: Any,
) -> Checkpoints:
    """A series of checkpoints of the architecture ``spec`` (as ``load_model`` takes it).

    ``weights``: a glob (``'runs/epoch_*.pt'``), a folder of checkpoint files, a file, or a list
    of these; ordered naturally by file name. ``options``: ``load_model``'s keywords
    (``input_shape``, ``mean``, ``std``, ``classes``, ``device``, ``precision``), shared by all.
    Each file is read once now and checked against the architecture: one that does not fit is
    a DeeplingError naming it and its mismatched keys.
    """
    paths = checkpoint_files(weights)
    first = load_model(spec, paths[0], trust_pickle=trust_pickle, **options)
    for path in paths[1:]:
        checkpoint = read_checkpoint(path, trust_pickle=trust_pickle)
        check_fit(
            first, strip_wrapper_prefixes(extract_state_dict(checkpoint, str(path))), str(path)
        )
    names = _unique_names(paths)
    base = first.name
    first.name = f"{base} {names[0]}"
    return Checkpoints(first, paths, names, base, trust_pickle=trust_pickle)


def check_fit(model: Model, state: dict[str, Any], source: str) -> None:
    """``apply_state_dict``'s checks (every key and shape) without loading anything."""
    scratch = _ShapeOnly(model.module.state_dict())
    apply_state_dict(scratch, state, source)  # type: ignore[arg-type]


class _ShapeOnly:
    """Stands in for a module in ``apply_state_dict``: its keys and shapes, loading nothing."""

    def __init__(self, own: dict[str, Any]) -> None:
        self._own = own

    def state_dict(self) -> dict[str, Any]:
        return self._own

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        return None


def _unique_names(paths: list[Path]) -> list[str]:
    """File stems; where two share a stem (run1/last.pt, run2/last.pt), parent/stem."""
    stems = [p.stem for p in paths]
    return [f"{p.parent.name}/{p.stem}" if stems.count(p.stem) > 1 else p.stem for p in paths]

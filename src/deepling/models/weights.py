"""Reading checkpoints safely and fitting their state_dict to a module, with readable errors."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard

import torch
from torch import Tensor, nn

from deepling.errors import DeeplingError

# Where training scripts commonly keep the state_dict inside a checkpoint dict.
STATE_DICT_KEYS = (
    "state_dict",
    "model_state_dict",
    "model_state",
    "model",
    "net",
    "network",
    "weights",
    "params",
    "module",
    "ema_state_dict",
    "ema",
)

# Prefixes added by nn.DataParallel / DistributedDataParallel and by torch.compile.
WRAPPER_PREFIXES = ("module.", "_orig_mod.")


def read_checkpoint(path: Path, *, trust_pickle: bool = False) -> Any:
    """``torch.load`` with ``weights_only=True`` unless the user trusts the file."""
    if not path.is_file():
        raise DeeplingError(
            f"Weights file {path} does not exist.", "Check the --weights path (weights=...)."
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except pickle.UnpicklingError as exc:
        # Only a file naming Python classes needs --trust-pickle; other data is not a checkpoint.
        if "Unsupported global" not in str(exc):
            raise DeeplingError(
                f"Cannot read weights file {path}: it is not a file saved with torch.save.",
                "Give a state_dict or checkpoint dict saved with torch.save.",
            ) from exc
        raise DeeplingError(
            f"{path} holds pickled Python objects (such as a whole model), which are not loaded "
            "by default because unpickling runs code from the file.",
            "Save model.state_dict() instead, or, if you trust the file, pass --trust-pickle "
            "(trust_pickle=True).",
        ) from exc
    except Exception as exc:  # a damaged or foreign file fails in many ways inside torch.load
        first = str(exc).splitlines()[0].rstrip(".") if str(exc) else ""
        raise DeeplingError(
            f"Cannot read weights file {path}, it is damaged or not saved with torch.save "
            f"({type(exc).__name__}: {first}).",
            "Give a state_dict or checkpoint dict saved with torch.save.",
        ) from exc


def _is_state_dict(obj: Any) -> TypeGuard[Mapping[str, Tensor]]:
    return (
        isinstance(obj, Mapping)
        and bool(obj)
        and all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items())
    )


def extract_state_dict(obj: Any, source: str) -> dict[str, Tensor]:
    """The state_dict in a checkpoint: the object itself, or under a common key."""
    if isinstance(obj, nn.Module):
        return obj.state_dict()
    if _is_state_dict(obj):
        return dict(obj)
    if isinstance(obj, Mapping):
        for key in STATE_DICT_KEYS:
            inner = obj.get(key)
            if isinstance(inner, nn.Module):
                return inner.state_dict()
            if _is_state_dict(inner):
                return dict(inner)
        keys = ", ".join(map(str, list(obj)[:10]))
        raise DeeplingError(
            f"{source} is a dict without a state_dict under any of the usual keys "
            f"(found keys: {keys}).",
            f"Save the state_dict itself, or under one of: {', '.join(STATE_DICT_KEYS)}.",
        )
    raise DeeplingError(f"{source} holds a {type(obj).__name__}, not a state_dict.")


def strip_wrapper_prefixes(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Remove ``module.`` / ``_orig_mod.`` prefixes that every key carries."""
    changed = True
    while changed and state:
        changed = False
        for prefix in WRAPPER_PREFIXES:
            if all(k.startswith(prefix) for k in state):
                state = {k[len(prefix) :]: v for k, v in state.items()}
                changed = True
    return state


def _listing(keys: list[str], limit: int = 8) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def apply_state_dict(module: nn.Module, state: dict[str, Tensor], source: str) -> None:
    """Load ``state`` into ``module`` strictly; a DeeplingError lists every mismatch."""
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong_shape = [
        f"{k} ({tuple(state[k].shape)} in file, {tuple(own[k].shape)} in model)"
        for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    problems = []
    if missing:
        problems.append(f"missing in the file: {_listing(missing)}")
    if unexpected:
        problems.append(f"not in the model: {_listing(unexpected)}")
    if wrong_shape:
        problems.append(f"different shapes: {_listing(wrong_shape)}")
    if problems:
        raise DeeplingError(
            f"The weights in {source} do not fit the model: {'; '.join(problems)}.",
            "Check that --model builds the same architecture (and configuration) the weights "
            "were trained with.",
        )
    module.load_state_dict(state, strict=True)

"""Turning a model spec string into an nn.Module."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from pathlib import Path
from typing import Any

import torch
from torch import nn

from deepling.errors import DeeplingError
from deepling.models.zoo import ZOO

SPEC_HELP = (
    "A model spec is path/to/file.py:factory, package.module:factory, a TorchScript file, "
    f"torchvision:<name>, or a demo model ({', '.join(ZOO)})."
)


def _last_frame(exc: BaseException) -> str:
    """Where the user's code raised: 'file.py:12' of the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""


def _import_file(path: Path) -> Any:
    if not path.is_file():
        raise DeeplingError(f"Model file {path} does not exist.", SPEC_HELP)
    name = f"deepling_user_model_{abs(hash(path.resolve()))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise DeeplingError(f"Cannot import {path} as Python.", SPEC_HELP)
    module = importlib.util.module_from_spec(spec)
    # The file's folder on the path, so that it can import its sibling files.
    sys.path.insert(0, str(path.parent.resolve()))
    try:
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise DeeplingError(
            f"Importing {path} raised {type(exc).__name__}: {exc}{_last_frame(exc)}.",
            "Fix the error in that file (run with --debug for the traceback).",
        ) from exc
    finally:
        sys.path.remove(str(path.parent.resolve()))
    return module


def _import_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise DeeplingError(f"Cannot import module {name!r}: {exc}.", SPEC_HELP) from exc
    except Exception as exc:
        raise DeeplingError(
            f"Importing {name} raised {type(exc).__name__}: {exc}{_last_frame(exc)}.",
            "Fix the error in that module (run with --debug for the traceback).",
        ) from exc


def _call_factory(owner: Any, attr: str, where: str) -> nn.Module:
    if not hasattr(owner, attr):
        public = [n for n in dir(owner) if not n.startswith("_") and callable(getattr(owner, n))]
        raise DeeplingError(
            f"{where} has no {attr!r}.", f"Callables there: {', '.join(public[:20]) or 'none'}."
        )
    factory = getattr(owner, attr)
    if isinstance(factory, nn.Module):
        return factory
    try:
        made = factory()
    except Exception as exc:
        raise DeeplingError(
            f"The model factory {where}:{attr} raised {type(exc).__name__}: {exc}"
            f"{_last_frame(exc)}.",
            "Make it callable with no arguments (wrap it in a function that passes them).",
        ) from exc
    if not isinstance(made, nn.Module):
        raise DeeplingError(
            f"{where}:{attr}() returned {type(made).__name__}, not an nn.Module.",
            "Name a function or class that builds the model (returns an nn.Module).",
        )
    return made


def _torchvision_model(name: str) -> nn.Module:
    try:
        import torchvision  # type: ignore[import-untyped,unused-ignore]
    except Exception as exc:  # ImportError, or a torchvision built for another torch
        raise DeeplingError(
            f"torchvision:{name} needs torchvision, which cannot be imported here ({exc}).",
            "Install a torchvision that matches your torch, or load the model from a file.",
        ) from exc
    try:
        return torchvision.models.get_model(name, weights=None)  # type: ignore[no-any-return]
    except ValueError as exc:
        raise DeeplingError(f"torchvision has no model {name!r}.") from exc


def _torchscript(path: Path) -> nn.Module | None:
    """The TorchScript module in ``path``, or None if the file is not TorchScript."""
    try:
        return torch.jit.load(str(path), map_location="cpu")  # type: ignore[no-untyped-call,no-any-return]
    except (RuntimeError, ValueError):
        return None


def build_module(spec: str) -> nn.Module:
    """The nn.Module a spec names (weights not yet loaded)."""
    if spec in ZOO:
        return ZOO[spec].build()
    if spec.startswith("torchvision:"):
        return _torchvision_model(spec.split(":", 1)[1])
    head, sep, attr = spec.rpartition(":")
    if sep and attr and head:
        if head.endswith(".py") or "/" in head or "\\" in head:
            return _call_factory(_import_file(Path(head).expanduser()), attr, head)
        return _call_factory(_import_module(head), attr, head)
    path = Path(spec).expanduser()
    if path.is_file():
        scripted = _torchscript(path)
        if scripted is not None:
            return scripted
        raise DeeplingError(
            f"{path} is not a TorchScript file.",
            "For a state_dict or checkpoint, give the architecture as --model file.py:factory "
            "and the file as --weights; for a whole pickled model you trust, add --trust-pickle.",
        )
    raise DeeplingError(f"Cannot understand the model spec {spec!r}.", SPEC_HELP)

"""``load_model``: any PyTorch CNN, from a module, a factory, TorchScript or torchvision."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from deepling.errors import DeeplingError
from deepling.models.device import check_precision, resolve_device
from deepling.models.model import Model
from deepling.models.spec import build_module
from deepling.models.state import eval_mode
from deepling.models.weights import (
    apply_state_dict,
    extract_state_dict,
    read_checkpoint,
    strip_wrapper_prefixes,
)
from deepling.models.zoo import ZOO
from deepling.tensors import logits_of

SHAPE_HINT = "Give the input shape the model takes, e.g. --input-shape 3,32,32 (input_shape=...)."


def _spec_name(spec: str) -> str:
    if spec in ZOO:
        return spec
    tail = spec.rpartition(":")[2] or spec
    return Path(tail).stem if "/" in tail or tail.endswith((".pt", ".pth")) else tail


def _whole_pickled_model(path: Path) -> nn.Module:
    obj = read_checkpoint(path, trust_pickle=True)
    if not isinstance(obj, nn.Module):
        raise DeeplingError(
            f"{path} holds a {type(obj).__name__}, not a pickled model.",
            "Give the architecture as file.py:factory and this file as weights.",
        )
    return obj


def _checkpoint_meta(checkpoint: Any) -> dict[str, Any]:
    """Preprocessing stored beside the weights (as ``deepling train`` does), if any."""
    if not isinstance(checkpoint, dict):
        return {}
    return {k: checkpoint[k] for k in ("input_shape", "mean", "std", "classes") if k in checkpoint}


def _output_classes(
    module: nn.Module, input_shape: tuple[int, int, int], device: torch.device
) -> int:
    """Run one zero image through the model: the number of classes, or a clear error."""
    example = torch.zeros(1, *input_shape, device=device)
    try:
        with torch.no_grad(), eval_mode(module):
            out = logits_of(module(example))
    except DeeplingError:
        raise
    except Exception as exc:
        raise DeeplingError(
            f"The model rejected an input of shape {tuple(example.shape)}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            SHAPE_HINT,
        ) from exc
    if out.dim() != 2 or out.shape[0] != 1:
        raise DeeplingError(
            f"For an input of shape {tuple(example.shape)} the model returned shape "
            f"{tuple(out.shape)}, not (1, classes).",
            "Deepling analyses classifiers: forward must return logits (N, classes). " + SHAPE_HINT,
        )
    return int(out.shape[1])


def _move_to_device(module: nn.Module, device: str | torch.device) -> torch.device:
    """``torch.device(device)`` with ``module`` moved there, or a clear error."""
    try:
        dev = torch.device(device)
        module.to(dev)
    except (RuntimeError, AssertionError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DeeplingError(
            f"Cannot use device {str(device)!r}: {first}.",
            "Give a device torch has here, such as --device cpu or --device cuda:0, or leave "
            "--device out.",
        ) from exc
    return dev


def load_model(
    spec_or_module: str | Path | nn.Module,
    weights: str | Path | None = None,
    *,
    input_shape: Sequence[int] | None = None,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    classes: Sequence[str] | None = None,
    device: str | torch.device | None = None,
    precision: str = "fp32",
    trust_pickle: bool = False,
) -> Model:
    """Load a trained CNN for analysis.

    ``spec_or_module`` is an ``nn.Module``, ``path/to/file.py:factory``,
    ``package.module:factory``, a TorchScript file, ``torchvision:<name>`` (when torchvision is
    installed) or a demo architecture name (``alexnet-cifar``, ``mnist-cnn``). A factory is
    called with no arguments. ``weights`` is a state_dict, or a checkpoint dict holding one under
    a common key (``state_dict``, ``model``, ``net``, ...); ``module.`` prefixes are stripped.
    ``device``: ``None`` or ``"auto"`` takes the GPU when there is one (``model.device`` says
    which), else a torch device name; ``precision``: ``"fp32"``, or ``"bf16"``/``"fp16"`` for
    mixed-precision passes over data (autocast).
    Checkpoints load with ``weights_only=True``; a whole pickled model needs ``trust_pickle``.

    ``input_shape`` is ``(C, H, W)``; it, ``mean``, ``std`` and ``classes`` default to what a
    ``deepling train`` checkpoint or a demo architecture records. Raises ``DeeplingError`` with
    a fix for every problem a user can make.
    """
    checkpoint: Any = None
    built_from: str | None = None  # the spec that builds this module again, if one does
    if isinstance(spec_or_module, nn.Module):
        module, name = spec_or_module, type(spec_or_module).__name__
    else:
        spec = str(spec_or_module)
        path = Path(spec).expanduser()
        try:
            module = build_module(spec)
            built_from = spec
        except DeeplingError:
            if not (trust_pickle and path.is_file() and ":" not in spec):
                raise
            module = _whole_pickled_model(path)
        name = _spec_name(spec)
    if weights is not None:
        weights_path = Path(weights).expanduser()
        checkpoint = read_checkpoint(weights_path, trust_pickle=trust_pickle)
        state = strip_wrapper_prefixes(extract_state_dict(checkpoint, str(weights_path)))
        apply_state_dict(module, state, str(weights_path))

    meta = _checkpoint_meta(checkpoint)
    zoo = ZOO.get(name)
    shape = input_shape or meta.get("input_shape") or (zoo.input_shape if zoo else None)
    if shape is None:
        raise DeeplingError("The model's input shape is not known.", SHAPE_HINT)
    shape = tuple(int(v) for v in shape)
    if len(shape) != 3 or min(shape) < 1:
        raise DeeplingError(f"input_shape must be (C, H, W), got {shape}.", SHAPE_HINT)
    mean = mean if mean is not None else meta.get("mean") or (zoo.mean if zoo else None)
    std = std if std is not None else meta.get("std") or (zoo.std if zoo else None)

    dev = _move_to_device(module, resolve_device(device))
    num_classes = _output_classes(module, shape, dev)
    names = list(classes) if classes is not None else meta.get("classes")
    if not names:
        names = [str(i) for i in range(num_classes)]
    if len(names) != num_classes:
        raise DeeplingError(
            f"{len(names)} class names given but the model has {num_classes} outputs.",
            "Give one class name per output (one per line in the --classes file).",
        )
    model = Model(
        module,
        shape,
        classes=names,
        mean=mean,
        std=std,
        device=dev,
        name=name,
        precision=check_precision(precision),
    )
    model.spec = built_from
    return model

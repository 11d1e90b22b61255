"""Readable op names for fx targets and modules: ``conv2d``, ``relu``, ``add``, ``cat``, ..."""

from __future__ import annotations

import re
from typing import Any

from torch import nn

# Class names that snake-casing would mangle (ReLU -> re_lu) or that read better shortened.
_MODULE_OPS = {
    "ReLU": "relu",
    "ReLU6": "relu6",
    "LeakyReLU": "leaky_relu",
    "PReLU": "prelu",
    "GELU": "gelu",
    "SiLU": "silu",
    "ELU": "elu",
    "SELU": "selu",
    "CELU": "celu",
    "BatchNorm1d": "batch_norm",
    "BatchNorm2d": "batch_norm",
    "BatchNorm3d": "batch_norm",
    "SyncBatchNorm": "batch_norm",
    "LayerNorm": "layer_norm",
    "GroupNorm": "group_norm",
    "InstanceNorm2d": "instance_norm",
    "LocalResponseNorm": "local_response_norm",
}

# Python operators as fx records them: in-place forms read as their plain op.
_FUNCTION_OPS = {
    "iadd": "add",
    "isub": "sub",
    "imul": "mul",
    "itruediv": "truediv",
    "truediv": "div",
    "getitem": "getitem",
    "matmul": "matmul",
    "imatmul": "matmul",
}


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def module_op(module: nn.Module) -> str:
    cls = type(module).__name__
    return _MODULE_OPS.get(cls, snake_case(cls))


def function_op(target: Any) -> str:
    name = getattr(target, "__name__", str(target))
    name = _FUNCTION_OPS.get(name, name)
    return name.rstrip("_") or name  # relu_ (in place) reads as relu


def method_op(name: str) -> str:
    return name.rstrip("_") or name


def describe_target(target: Any) -> str:
    """A short description of a module or function for the node's details."""
    if isinstance(target, nn.Module):
        text = repr(target) if not list(target.children()) else type(target).__name__
        return text if len(text) <= 120 else text[:117] + "..."
    module = getattr(target, "__module__", None) or ""
    return f"{module}.{getattr(target, '__name__', target)}".lstrip(".")

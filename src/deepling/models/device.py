"""Where and at what precision a model runs: ``auto`` takes the GPU when there is one."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Literal

import torch

from deepling.errors import DeeplingError

Precision = Literal["fp32", "bf16", "fp16"]
PRECISIONS: dict[str, torch.dtype | None] = {
    "fp32": None,
    "bf16": torch.bfloat16,
    "fp16": torch.float16,
}


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None`` or ``"auto"``: the first CUDA GPU if there is one, else Apple's MPS, else the
    CPU; anything else as ``torch.device`` reads it."""
    if device is None or str(device) == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        return torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise DeeplingError(
            f"Cannot use device {str(device)!r}: torch knows no such device.",
            "Give --device auto (the default), cpu, cuda, cuda:N or mps.",
        ) from exc


def describe_device(device: torch.device) -> str:
    """The device in words, for the line saying which one a command took."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        gpu = "no GPU found" if not torch.cuda.is_available() else "a GPU is present"
        return f"the CPU ({torch.get_num_threads()} threads; {gpu})"
    return str(device)


def check_precision(precision: str) -> Precision:
    if precision not in PRECISIONS:
        raise DeeplingError(
            f"Unknown precision {precision!r}.", f"Use one of {', '.join(PRECISIONS)}."
        )
    return precision  # type: ignore[return-value]


def autocast(device: torch.device, precision: Precision) -> AbstractContextManager[object]:
    """Mixed precision for a forward pass: convolutions and matrix products in ``precision``
    (torch's autocast lists), everything else in float32; a no-op for ``fp32``."""
    dtype = PRECISIONS[precision]
    if dtype is None:
        return nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def default_batch_size(device: torch.device, input_shape: tuple[int, int, int]) -> int:
    """Images per batch for a pass: about 4 M input values on a CPU (27 ImageNet images, whose
    ResNet-50 activations then take 0.35 GB at once; at most 256: larger batches only add
    memory there), 64 M on a GPU (about 440 ImageNet images, where throughput still grows; at
    most 1024)."""
    values = max(1, input_shape[0] * input_shape[1] * input_shape[2])
    budget, cap = (2**26, 1024) if device.type == "cuda" else (2**22, 256)
    return max(1, min(cap, budget // values))

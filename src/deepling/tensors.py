"""Reading a model's output, whatever container it comes in."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from deepling.errors import DeeplingError


def logits_of(output: Any) -> Tensor:
    """The class scores in a model's output: the tensor itself, or the first of a tuple
    (Inception-style auxiliary outputs), or ``out``/``logits`` of a dict."""
    if isinstance(output, Tensor):
        return output
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], Tensor):
        return output[0]
    if isinstance(output, dict):
        for key in ("logits", "out"):
            if isinstance(output.get(key), Tensor):
                return output[key]  # type: ignore[no-any-return]
    raise DeeplingError(
        f"The model returned {type(output).__name__}, not a tensor of class scores.",
        "Wrap it so that forward returns logits of shape (N, classes).",
    )

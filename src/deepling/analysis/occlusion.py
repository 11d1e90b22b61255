"""Occlusion sensitivity: where covering the image costs the target class the most probability.

A grey patch slides over the image; at each position the model's probability for the target
class is measured, batched (one forward pass per ``batch_size`` patch positions), by captum's
``Occlusion`` on a softmax forward. Each pixel gets the mean probability drop of the patch
positions that cover it (captum's attribution), so the map has the image's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from captum.attr import Occlusion
from torch import Tensor

from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.models.state import eval_mode
from deepling.progress import Progress, no_progress
from deepling.tensors import logits_of

OCCLUSION_FILL = 0.5  # grey in pixel space: no edge, no colour the model could read


@dataclass(frozen=True)
class OcclusionMap:
    """``drop`` float ``(H, W)``: the target's mean probability drop when a patch covers each
    pixel (negative where covering raises it); ``probability``: the target's probability on the
    unoccluded image."""

    drop: Tensor
    target: int
    probability: float
    patch: int
    stride: int


def occlusion_sensitivity(
    model: Model,
    image: Tensor,
    target: int | None = None,
    patch: int = 8,
    stride: int = 4,
    batch_size: int = 64,
    progress: Progress = no_progress,
) -> OcclusionMap:
    """Slide a ``patch`` x ``patch`` grey square with step ``stride`` over ``image`` (C, H, W)
    in pixel space [0, 1]; ``target`` defaults to the predicted class."""
    x = model.check_images(image[None] if image.dim() == 3 else image)
    if x.shape[0] != 1:
        raise DeeplingError(f"occlusion_sensitivity takes one image, got {x.shape[0]}.")
    _, channels, height, width = x.shape
    if not 1 <= patch <= min(height, width):
        raise DeeplingError(
            f"patch = {patch} must be between 1 and the image's smaller side "
            f"({min(height, width)})."
        )
    if not 1 <= stride <= patch:
        raise DeeplingError(
            f"stride = {stride} must be between 1 and patch ({patch}), so that "
            "patches cover every pixel."
        )
    probabilities = model.predict(x)[0]
    if target is None:
        target = int(probabilities.argmax())
    elif not 0 <= target < probabilities.numel():
        raise DeeplingError(
            f"target = {target} is not a class: the model has {probabilities.numel()} classes."
        )
    positions = ((height - patch) // stride + 1) * ((width - patch) // stride + 1)
    seen = -1  # captum's first call is the unoccluded image

    def forward(batch: Tensor) -> Tensor:
        nonlocal seen
        out = logits_of(model.module(model.normalise(batch))).float().softmax(dim=1)
        seen = batch.shape[0] - 1 if seen < 0 else seen + batch.shape[0]
        progress(min(seen, positions), positions)
        return out

    progress(0, positions)
    with torch.no_grad(), eval_mode(model.module):
        drop = Occlusion(forward).attribute(
            x.to(model.device),
            sliding_window_shapes=(channels, patch, patch),
            strides=(channels, stride, stride),
            baselines=OCCLUSION_FILL,
            target=target,
            perturbations_per_eval=batch_size,
        )
    progress(positions, positions)
    return OcclusionMap(
        drop[0, 0].detach().float().cpu(), target, float(probabilities[target]), patch, stride
    )

"""How real a strip's change is: the frames seen through random transforms the path never saw
(robustness), and through a second, independently trained model (transfer).

A change that excites the target only at one exact pixel alignment, or only in this network,
shows where the model is easy to fool, not what it takes an image to be; these two numbers tell
the two apart, for either mode.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from deepling.analysis.strip_objectives import ClassObjective, channel_objective
from deepling.analysis.strip_transforms import TransformSet
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.models.state import eval_mode


def robust_view(
    model: Model, frames: Tensor, target: int, node: str | None, transforms: TransformSet
) -> tuple[Tensor, Tensor]:
    """``frames`` ``(F, C, H, W)`` averaged over ``transforms``: class probabilities ``(F, K)``
    and the target's objective ``(F,)`` (a class's log-odds, a channel's mean activation), on
    the CPU. Runs a few frames at a time, so that a batch stays near the model's own size."""
    per_batch = max(1, model.batch_size // max(1, transforms.count))
    probs, scores = [], []
    with torch.no_grad(), eval_mode(model.module):
        for start in range(0, len(frames), per_batch):
            chunk = frames[start : start + per_batch].to(model.device)
            count = len(chunk)
            objective = (
                ClassObjective(model, [target] * count, None, transforms)
                if node is None
                else channel_objective(model, node, [target] * count, transforms)
            )
            found = objective(chunk)
            assert found.averaged is not None  # a transform set always averages
            probs.append(found.averaged.cpu())
            scores.append(found.scores.float().cpu())
    return torch.cat(probs), torch.cat(scores)


def check_reference(model: Model, reference: Model) -> None:
    """A transfer model must name the same classes in the same order."""
    if not isinstance(reference, Model):
        raise DeeplingError(
            f"reference must be a deepling Model, got {type(reference).__name__}.",
            "Load it with deepling.load_model(...).",
        )
    if list(reference.classes) != list(model.classes):
        raise DeeplingError(
            "reference: its classes differ from the model's "
            f"({len(reference.classes)} vs {len(model.classes)}; "
            f"first {reference.classes[:3]} vs {model.classes[:3]}).",
            "Transfer is measured between models of the same classes.",
        )
    if reference.input_shape[0] != model.input_shape[0]:
        raise DeeplingError(
            f"reference: it takes {reference.input_shape[0]} channels, "
            f"the model {model.input_shape[0]}."
        )


def transfer_probs(reference: Model, frames: Tensor) -> Tensor:
    """``reference``'s class probabilities ``(F, K)`` of ``frames`` ``(F, C, H, W)``, resized
    to its input size where it differs (antialiased bilinear)."""
    size = tuple(reference.input_shape[1:])
    if tuple(frames.shape[-2:]) != size:
        frames = F.interpolate(frames, size=size, mode="bilinear", antialias=True).clamp(0, 1)
    return reference.predict(frames)

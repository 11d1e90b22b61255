"""Feature visualisation: the image that most excites a channel (activation maximisation).

Lucid's recipe, for any model: a Fourier-parameterised, colour-decorrelated image
(``featurevis_param``) optimised with AdamW under random jitter, scale and rotation
(``featurevis_transforms``), sized for the model's own input. The forward pass stops at the
node (``Model.tap``), parameters are frozen (only the image has gradients) and the model is
left as found.

Objectives are small callables ``activations (B, ...) -> scores (B,)`` to maximise; a class
logit is the output node's channel (``node=None`` names the output node).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from numbers import Integral
from typing import Any

import torch
from torch import Tensor

from deepling.analysis.featurevis_optim import AscentAdam
from deepling.analysis.featurevis_param import FourierImage, color_correlation
from deepling.analysis.featurevis_transforms import (
    Transform,
    plan_transforms,
    standard_transforms,
)
from deepling.data.base import Dataset
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.models.state import eval_mode, frozen_parameters
from deepling.progress import Progress, no_progress, part_of

Objective = Callable[[Tensor], Tensor]
"""``activations (B, ...) of the node -> scores (B,)``: what each image should maximise."""

MAX_STEPS = 4096
# Steeper than Lucid's 1.0: at 32 px, 1.0 leaves pixel-level noise on late layers.
DEFAULT_DECAY = 1.5
DEFAULT_LR = 0.01  # Lucid uses 0.05; at 32 px that saturates every pixel within 256 steps
# Each step the spectrum shrinks by this fraction (a decoupled L2 pull towards grey). Without
# it, at 32 px the pre-sigmoid pixels run off: most end at pure 0 or 1 (primary colours,
# noise) where the sigmoid's gradient vanishes. Compared on AlexNet-CIFAR with 3-px jitter,
# a steeper decay and 0.003-0.02: 0.05 gave the clearest shapes, ~1% saturated pixels at
# features_16 (was ~70%) and activations as high, for one in-place multiply per step.
DEFAULT_SHRINK = 0.05
# Bump when the algorithm or a default changes, so that cached results of older code are
# not served as new ones.
FEATUREVIS_VERSION = 4


@dataclass(frozen=True)
class FeatureVisSettings:
    """How a feature visualisation is optimised (``feature_visualization``, ``layer_atlas``,
    ``optimise_images``); a bad value raises a DeeplingError naming it.

    ``steps`` of AdamW, deterministic for a given ``seed``; ``decay`` is the spectrum's 1/f
    power, ``lr`` the step size, ``shrink`` the fraction the spectrum loses each step (0:
    none). ``transforms`` are each step's random moves: None for jitter/scale/rotation sized to
    the input, empty for none (kept as a tuple).
    """

    steps: int = 256
    seed: int = 0
    decay: float = DEFAULT_DECAY
    lr: float = DEFAULT_LR
    shrink: float = DEFAULT_SHRINK
    transforms: Sequence[Transform] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.steps, Integral) or not 1 <= self.steps <= MAX_STEPS:
            raise DeeplingError(f"steps must be between 1 and {MAX_STEPS}, got {self.steps}.")
        if not isinstance(self.seed, Integral) or not -(2**63) <= self.seed < 2**64:
            raise DeeplingError(
                f"seed must be an integer from -2**63 to 2**64 - 1 (torch's range), "
                f"got {self.seed!r}."
            )
        if not math.isfinite(self.decay):
            raise DeeplingError(f"decay must be a finite number, got {self.decay}.")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise DeeplingError(f"lr must be positive, got {self.lr}.")
        if not 0 <= self.shrink < 1:
            raise DeeplingError(f"shrink must be in [0, 1), got {self.shrink}.")
        if self.transforms is not None:
            moves = tuple(self.transforms)
            if not all(callable(t) for t in moves):
                raise DeeplingError("transforms must be callables (images, generator) -> images.")
            object.__setattr__(self, "transforms", moves)  # frozen: a list would stay mutable

    def key_parts(self) -> tuple[object, ...]:
        """What tells results of these settings apart in a cache key, with the version of the
        algorithm: steps, seed, version, decay, lr, shrink (the order cached keys have always
        used), then the transforms if they are not the default."""
        parts = (self.steps, self.seed, FEATUREVIS_VERSION, self.decay, self.lr, self.shrink)
        return parts if self.transforms is None else (*parts, self.transforms)


def _checked(settings: object) -> FeatureVisSettings:
    if not isinstance(settings, FeatureVisSettings):
        raise DeeplingError(
            f"settings must be a FeatureVisSettings, got {type(settings).__name__}.",
            "Pass FeatureVisSettings(steps=..., seed=...).",
        )
    return settings


def channel_objective(channels: Sequence[int] | int) -> Objective:
    """Image ``b`` maximises channel ``channels[b]``'s mean over positions (one channel for all
    images if ``channels`` is an int). Works for (B, C, ...) and vector (B, C) nodes alike."""

    if isinstance(channels, int):
        channel = channels

        def one_channel(acts: Tensor) -> Tensor:
            return acts[:, channel].reshape(acts.shape[0], -1).mean(dim=1)

        return one_channel
    wanted = torch.as_tensor(list(channels))
    indices: dict[tuple[torch.device, int], tuple[Tensor, Tensor]] = {}  # built once, not per step

    def objective(acts: Tensor) -> Tensor:
        key = (acts.device, acts.shape[0])
        if key not in indices:
            indices[key] = (torch.arange(key[1], device=key[0]), wanted.to(key[0]).expand(key[1]))
        rows, index = indices[key]
        return acts[rows, index].reshape(acts.shape[0], -1).mean(dim=1)

    return objective


def resolve_node(model: Model, node: str | None) -> str:
    """``node`` checked against the graph; None or "output" names the output node (logits)."""
    graph = model.graph()
    if node is None or (node == "output" and "output" not in {n.name for n in graph.nodes}):
        return graph.output.name
    found = graph[node]
    if found.name == graph.input.name:
        raise DeeplingError("The input node has no channels to visualise.", "Pick a later node.")
    return found.name


def channel_count(model: Model, node: str) -> int:
    """How many channels ``node`` has (its first dimension; 1 for a scalar)."""
    shape = model.graph()[node].shape
    return int(shape[0]) if shape else 1


def check_channel(model: Model, node: str, channel: int) -> int:
    count = channel_count(model, node)
    if not isinstance(channel, int) or not 0 <= channel < count:
        raise DeeplingError(
            f"channel {channel} is out of range: {node!r} has {count} channels (0 to {count - 1})."
        )
    return channel


def feature_visualization(
    model: Model,
    node: str | None,
    channel: int | None,
    settings: FeatureVisSettings = FeatureVisSettings(),
    *,
    objective: Objective | None = None,
    data: Dataset | Tensor | None = None,
    progress: Progress = no_progress,
) -> Tensor:
    """The image ``(C, H, W)`` in [0, 1], at the model's input shape, that maximises ``channel``
    of ``node`` (its mean over positions), or ``objective`` if given (then ``channel`` may be
    None). ``node=None`` is the output node, so ``channel`` is a class: its logit is maximised.

    ``data`` (RGB only) gives the colour statistics for the decorrelation; ImageNet's without.
    ``settings``: the optimisation's steps, seed and tunables. Deterministic for given settings.
    """
    name = resolve_node(model, node)
    if objective is None:
        if channel is None:
            raise DeeplingError("Give a channel (or an objective) to visualise.")
        objective = channel_objective(check_channel(model, name, channel))
    images = optimise_images(model, name, objective, 1, settings, data=data, progress=progress)
    return images[0]


def layer_atlas(
    model: Model,
    node: str | None,
    settings: FeatureVisSettings = FeatureVisSettings(),
    *,
    channels: Sequence[int] | None = None,
    batch_size: int = 128,
    data: Dataset | Tensor | None = None,
    progress: Progress = no_progress,
) -> Tensor:
    """Feature visualisations of every channel of ``node`` (or of ``channels``), optimised
    ``batch_size`` at a time as one batch: ``(Cn, C, H, W)`` in [0, 1]. Batching costs far less
    than one optimisation per channel (see benchmarks/bench_featurevis.py). The batch starting
    at channel index ``i`` runs with seed ``settings.seed + i``."""
    settings = _checked(settings)
    name = resolve_node(model, node)
    wanted = list(range(channel_count(model, name))) if channels is None else list(channels)
    for c in wanted:
        check_channel(model, name, c)
    parts = []
    steps = settings.steps
    total = len(wanted) * steps
    for start in range(0, len(wanted), batch_size):
        chunk = wanted[start : start + batch_size]
        report = part_of(progress, start * steps, total, len(chunk))
        chunk_settings = replace(settings, seed=settings.seed + start)
        parts.append(
            optimise_images(
                model,
                name,
                channel_objective(chunk),
                len(chunk),
                chunk_settings,
                data=data,
                progress=report,
            )
        )
    if not parts:
        return torch.empty(0, *model.input_shape)
    return torch.cat(parts)


def _optimised_node(model: Model, node: str) -> str:
    """The node the forward pass stops at: a ReLU node's input, so that the ReLU can be applied
    with a redirected gradient (``_RedirectedReLU``); any other node itself."""
    found = model.graph()[node]
    if found.op in ("relu", "relu_") and len(found.inputs) == 1:
        return found.inputs[0]
    return node


class _RedirectedReLU(torch.autograd.Function):
    """``relu(x)`` whose gradient is redirected where the true one vanishes, as Lucid's ReLU
    gradient override does: an image whose objective has no gradient through the ReLU (its
    channel silent everywhere, as on the grey starting image) gets the gradient as if there
    were no ReLU, keeping only the parts that push inputs up. Every other image gets the true
    gradient, so the optimisation maximises the ReLU's output, the node's own activation.
    (Optimising the ReLU's input instead maximises a different objective: a channel's mean
    before the ReLU can rise while its mean after it stays at zero.) ``state[0]`` tells the
    caller whether any image was silent in the last backward pass."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, state: list[bool]) -> Tensor:
        ctx.save_for_backward(x)
        ctx.state = state
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        negative = x <= 0
        true = grad.masked_fill(negative, 0)
        silent = true.reshape(true.shape[0], -1).ne(0).any(dim=1).logical_not()
        ctx.state[0] = bool(silent.any())
        if not ctx.state[0]:
            return true, None
        redirected = grad.masked_fill(negative & (grad < 0), 0)
        silent = silent.reshape(-1, *([1] * (grad.dim() - 1)))
        return torch.where(silent, redirected, true), None


def optimise_images(
    model: Model,
    node: str,
    objective: Objective,
    batch: int,
    settings: FeatureVisSettings = FeatureVisSettings(),
    *,
    data: Dataset | Tensor | None = None,
    progress: Progress = no_progress,
) -> Tensor:
    """``batch`` images ``(B, C, H, W)`` in [0, 1] maximising ``objective`` at ``node``
    (summed over the batch; each image gets its own gradient), on the CPU.

    Autograd records only what a bare forward+backward records: the model from a grey-centred
    image leaf to the node (with the resampling and the normalisation, folded into one op, in
    front). The parameterisation's own steps, the sigmoid and its derivative, one irfft2 and
    one rfft2, run outside it, and the update is one fused AdamW call."""
    settings = _checked(settings)
    steps = settings.steps
    tapped = _optimised_node(model, node)
    # A ReLU node: applied here with the redirected gradient until no image is silent, then
    # tapped itself (its plain gradient is then the true one, and a step costs no more than a
    # bare step; an image that falls silent again keeps moving on Adam's momentum).
    silent = [tapped != node]
    shape = model.input_shape
    generator = torch.Generator().manual_seed(settings.seed)
    color = color_correlation(data, shape) if shape[0] == 3 else None
    image = FourierImage(
        batch, shape, decay=settings.decay, color=color, generator=generator, device=model.device
    )
    transforms = settings.transforms
    moves = standard_transforms(shape[1], shape[2]) if transforms is None else list(transforms)
    move = plan_transforms(moves, steps, (batch, *shape), generator, model.device)
    adam = AscentAdam(image.spectrum, settings.lr, shrink=settings.shrink)
    # normalise(centred + 0.5) as one op: centred * scale + (shift + 0.5 * scale).
    scale, shift = model.input_affine()
    shift = shift + 0.5 * scale
    weights = torch.ones(batch, device=model.device)  # d(sum of scores)/d(scores)
    every = max(1, steps // 64)  # progress reports also check for cancellation
    progress(0, steps)
    with eval_mode(model.module), frozen_parameters(model.module), torch.enable_grad():
        for step in range(steps):
            pixels = torch.sigmoid(image.logits())
            centred = (pixels - 0.5).requires_grad_()
            inputs = torch.addcmul(shift, move(centred, step), scale)
            if silent[0]:
                acts = _RedirectedReLU.apply(model.tap(inputs, [tapped])[tapped], silent)  # type: ignore[no-untyped-call]
            else:
                acts = model.tap(inputs, [node])[node]
            (grad,) = torch.autograd.grad(objective(acts), centred, weights)
            grad_logits = torch.ops.aten.sigmoid_backward(grad, pixels)
            adam.step(image.ascent_direction(grad_logits))
            if (step + 1) % every == 0 or step + 1 == steps:
                progress(step + 1, steps)
    result: Tensor = image.pixels().cpu()
    return result

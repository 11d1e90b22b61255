"""Attribution: which pixels of an image a prediction rests on, with captum's methods.

Every method explains the target class's *logit* for one image in pixel space: the function
given to captum takes pixels in [0, 1] and normalises them inside, so maps are about what the
user sees. Each returns one value per pixel, ``(H, W)``, reduced over colour channels as below.

=====================  =========================================================  ==========
method                 what the value is                                          sign
=====================  =========================================================  ==========
saliency               max over channels of |d logit / d pixel|                   >= 0
integrated_gradients   sum over channels of IG (path from a baseline image);      signed
                       the map sums to logit(image) - logit(baseline)
smoothgrad             saliency averaged over noisy copies, max over channels     >= 0
grad_cam               ReLU of the gradient-weighted channel sum at a node,       >= 0
                       upsampled bilinearly to the image
occlusion              drop of the logit when a window around the pixel is        signed
                       replaced by the mean colour, averaged over windows/channels
=====================  =========================================================  ==========

Signed maps: positive values are evidence *for* the target class, negative against it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from captum.attr import (
    IntegratedGradients,
    LayerAttribution,
    LayerGradCam,
    NoiseTunnel,
    Occlusion,
    Saliency,
)
from torch import Tensor, nn

from deepling.analysis.attribution_layers import check_cam_node, default_cam_node, layer_target
from deepling.analysis.edits import gaussian_blur
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.models.state import eval_mode, frozen_parameters
from deepling.progress import Progress, no_progress
from deepling.tensors import logits_of

Method = Literal["saliency", "integrated_gradients", "smoothgrad", "grad_cam", "occlusion"]
Baseline = Literal["black", "blurred", "mean"]


@dataclass(frozen=True)
class MethodInfo:
    """What the UI and the API say about a method: ``signed`` maps have both signs, ``fast``
    ones cost about one backward pass, ``takes_node`` ones explain at a graph node."""

    name: str
    title: str
    signed: bool
    fast: bool
    takes_node: bool
    description: str


METHODS: dict[str, MethodInfo] = {
    m.name: m
    for m in (
        MethodInfo(
            "saliency",
            "Saliency",
            False,
            True,
            False,
            "|gradient| of the class score per pixel (max over channels)",
        ),
        MethodInfo(
            "grad_cam",
            "Grad-CAM",
            False,
            True,
            True,
            "gradient-weighted feature maps at a node, upsampled",
        ),
        MethodInfo(
            "integrated_gradients",
            "Integrated gradients",
            True,
            False,
            False,
            "gradients integrated from a black image (sums to the score difference)",
        ),
        MethodInfo(
            "smoothgrad",
            "SmoothGrad",
            False,
            False,
            False,
            "saliency averaged over 25 noisy copies (noise 15% of the pixel range)",
        ),
        MethodInfo(
            "occlusion",
            "Occlusion",
            True,
            False,
            False,
            "score drop when a window is covered with the mean colour",
        ),
    )
}


@dataclass(frozen=True)
class Settings:
    """Per-method parameters; ``None`` means the default chosen from the image size."""

    node: str | None = None  # grad_cam
    baseline: Baseline = "black"  # integrated_gradients
    steps: int = 32  # integrated_gradients
    samples: int = 25  # smoothgrad
    noise: float = 0.15  # smoothgrad: std of the noise, a fraction of the [0, 1] pixel range
    window: int | None = None  # occlusion: side of the square window, in pixels
    stride: int | None = None  # occlusion
    seed: int = 0  # smoothgrad noise


def check_method(method: str) -> MethodInfo:
    if method not in METHODS:
        raise DeeplingError(
            f"method {method!r} is not an attribution method.",
            f"Use one of: {', '.join(METHODS)}.",
        )
    return METHODS[method]


def check_target(model: Model, target: int) -> int:
    classes = len(model.classes)
    if not 0 <= int(target) < classes:
        raise DeeplingError(
            f"target {target} is out of range: the model has {classes} classes "
            f"(0 to {classes - 1})."
        )
    return int(target)


def occlusion_window(height: int, width: int) -> tuple[int, int]:
    """A window about 1/6 of the shorter side, moved by half its size (5 and 2 at 32 px)."""
    window = max(2, round(min(height, width) / 6))
    return window, max(1, window // 2)


def attribute(
    model: Model,
    image: Tensor,
    method: str,
    target: int | None = None,
    *,
    node: str | None = None,
    settings: Settings | None = None,
    progress: Progress = no_progress,
) -> Tensor:
    """Attribution of ``target`` (default: the predicted class) to each pixel of ``image``.

    ``image`` is ``(C, H, W)`` in [0, 1] at the model's input shape; the result is a float32
    ``(H, W)`` map on the CPU (signs and channel reduction: see the module docstring).
    ``node`` picks Grad-CAM's node (default: the last convolution). The model is left as
    found: eval mode only during the call, parameters' ``requires_grad`` restored, no hooks.
    """
    if not isinstance(image, Tensor) or image.dim() != 3:
        got = tuple(image.shape) if isinstance(image, Tensor) else type(image).__name__
        raise DeeplingError(f"image must be one (C, H, W) tensor, got {got}.")
    targets = None if target is None else [target]
    maps = attribute_batch(
        model, image[None], method, targets, node=node, settings=settings, progress=progress
    )
    return maps[0]


def attribute_batch(
    model: Model,
    images: Tensor,
    method: str,
    targets: Sequence[int] | Tensor | None = None,
    *,
    node: str | None = None,
    settings: Settings | None = None,
    progress: Progress = no_progress,
) -> Tensor:
    """``attribute`` for a batch ``(N, C, H, W)`` in one call of the method (one backward pass
    for N saliency maps): ``(N, H, W)``. ``targets``: one class per image (default: each
    image's predicted class). Metrics that explain many copies of an image use it."""
    info = check_method(method)
    settings = settings or Settings()
    if node is not None:
        settings = Settings(**{**settings.__dict__, "node": node})
    x = model.check_images(images).to(model.device)
    graph = model.graph()
    cam_node = None
    if info.takes_node:
        cam_node = (
            check_cam_node(graph, settings.node) if settings.node else default_cam_node(graph)
        )
    progress(0, 1)
    with eval_mode(model.module), frozen_parameters(model.module):
        if targets is None:
            with torch.no_grad():
                chosen = logits_of(model.module(model.normalise(x))).argmax(dim=1).tolist()
        else:
            chosen = [
                int(t) for t in (targets.tolist() if isinstance(targets, Tensor) else targets)
            ]
        if len(chosen) != x.shape[0]:
            raise DeeplingError(
                f"Give one target per image: {x.shape[0]} images, {len(chosen)} targets."
            )
        target = torch.tensor([check_target(model, t) for t in chosen], device=x.device)
        x = x.detach().requires_grad_(True)  # captum differentiates by the pixels
        if cam_node is not None:
            result = _grad_cam(model, x, target, cam_node)
        else:
            result = _PIXEL_METHODS[method](model, x, target, settings)
    progress(1, 1)
    return result.detach().float().cpu()


def _pixel_forward(model: Model) -> Callable[[Tensor], Tensor]:
    def forward(x: Tensor) -> Tensor:
        return logits_of(model.module(model.normalise(x)))

    return forward


def _saliency(model: Model, x: Tensor, target: Tensor, s: Settings) -> Tensor:
    grads: Tensor = Saliency(_pixel_forward(model)).attribute(x, target=target, abs=True)
    return grads.amax(dim=1)


def _baseline(model: Model, x: Tensor, kind: Baseline) -> Tensor:
    if kind == "black":
        return torch.zeros_like(x)
    if kind == "mean":
        return torch.tensor(model.mean, device=x.device).view(1, -1, 1, 1).expand_as(x).clone()
    sigma = max(x.shape[-2:]) / 8  # blurred beyond recognition, colours kept
    blurred = [gaussian_blur(image.detach().float().cpu(), sigma) for image in x]
    return torch.stack(blurred).to(x.device, x.dtype)


def _integrated_gradients(model: Model, x: Tensor, target: Tensor, s: Settings) -> Tensor:
    ig = IntegratedGradients(_pixel_forward(model))
    attributions: Tensor = ig.attribute(
        x,
        baselines=_baseline(model, x, s.baseline),
        target=target,
        n_steps=s.steps,
        internal_batch_size=s.steps,
    )
    return attributions.sum(dim=1)


def _smoothgrad(model: Model, x: Tensor, target: Tensor, s: Settings) -> Tensor:
    tunnel = NoiseTunnel(Saliency(_pixel_forward(model)))
    devices = [x.device.index or 0] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):  # the same map every time, the caller's RNG kept
        torch.manual_seed(s.seed)
        grads: Tensor = tunnel.attribute(
            x,
            nt_type="smoothgrad",
            nt_samples=s.samples,
            nt_samples_batch_size=s.samples,
            stdevs=s.noise,
            target=target,
            abs=True,
        )
    return grads.amax(dim=1)


def _occlusion(model: Model, x: Tensor, target: Tensor, s: Settings) -> Tensor:
    channels, height, width = x.shape[1:]
    if s.window is None:
        window, stride = occlusion_window(height, width)
    else:
        window = min(s.window, height, width)
        stride = max(1, window // 2)
    stride = s.stride or stride
    attributions = Occlusion(_pixel_forward(model)).attribute(
        x,
        sliding_window_shapes=(channels, window, window),
        strides=(channels, stride, stride),
        baselines=_baseline(model, x, "mean"),
        target=target,
        perturbations_per_eval=max(1, 64 // x.shape[0]),  # about 64 images a forward pass
    )
    # Pixels that no window covers (a stride that does not divide the size) are 0, not nan.
    return torch.nan_to_num(attributions.mean(dim=1))


def _grad_cam(model: Model, x: Tensor, target: Tensor, node: str) -> Tensor:
    where = layer_target(model, node)
    forward: nn.Module = where.forward

    def logits(batch: Tensor) -> Tensor:
        return logits_of(forward(model.normalise(batch)))

    cam = LayerGradCam(logits, where.layer).attribute(x, target=target, relu_attributions=True)
    if cam.dim() != 4:
        raise DeeplingError(f"node {node!r} gives no (C, H, W) feature map for Grad-CAM.")
    upsampled = LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), "bilinear")
    return F.relu(upsampled[:, 0])  # bilinear interpolation keeps values >= 0; relu for -0.0


_PIXEL_METHODS: dict[str, Callable[[Model, Tensor, Tensor, Settings], Tensor]] = {
    "saliency": _saliency,
    "integrated_gradients": _integrated_gradients,
    "smoothgrad": _smoothgrad,
    "occlusion": _occlusion,
}


def settings_key(settings: Settings) -> tuple[Any, ...]:
    """The settings as a tuple for cache keys."""
    return tuple(sorted(settings.__dict__.items()))

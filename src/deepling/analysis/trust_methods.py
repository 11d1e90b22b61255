"""What the trust checks explain: captum's attribution methods plus two model-free controls.

A faithfulness score means little on its own, so every table carries two references a method
has to beat: ``random`` (a random map: the score of knowing nothing) and ``edges`` (the image's
Sobel edge strength, which ignores the model entirely: Adebayo et al.'s edge detector, which
"passes" visual inspection and must *fail* the randomisation check).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from deepling.analysis.attribution import METHODS, Settings, attribute, attribute_batch
from deepling.errors import DeeplingError
from deepling.models.model import Model


@dataclass(frozen=True)
class Control:
    name: str
    title: str
    description: str


CONTROLS: dict[str, Control] = {
    c.name: c
    for c in (
        Control("random", "Random map", "uniform noise: what knowing nothing scores"),
        Control("edges", "Edge detector", "Sobel edge strength of the image; ignores the model"),
    )
}


def check_explainer(method: str) -> str:
    """``method`` if it is an attribution method or a control, else a DeeplingError."""
    if method not in METHODS and method not in CONTROLS:
        raise DeeplingError(
            f"method {method!r} is neither an attribution method nor a control.",
            f"Use one of: {', '.join([*METHODS, *CONTROLS])}.",
        )
    return method


def explain(
    model: Model,
    image: Tensor,
    method: str,
    target: int,
    *,
    node: str | None = None,
    settings: Settings | None = None,
) -> Tensor:
    """The ``(H, W)`` map of ``method`` for ``target`` on ``image`` (C, H, W) in [0, 1]."""
    if method == "random":
        return _random_map(image)
    if method == "edges":
        return edge_map(image)
    return attribute(model, image, method, target, node=node, settings=settings)


def explain_batch(
    model: Model,
    images: Tensor,
    method: str,
    target: int,
    *,
    node: str | None = None,
    settings: Settings | None = None,
) -> Tensor:
    """``(N, H, W)`` maps of ``method`` for ``target`` on each of ``images``: attribution
    methods in one batched call, the controls image by image."""
    if method in CONTROLS:
        return torch.stack([explain(model, image, method, target) for image in images])
    targets = [target] * images.shape[0]
    return attribute_batch(model, images, method, targets, node=node, settings=settings)


def edge_map(image: Tensor) -> Tensor:
    """Sobel gradient magnitude of the grey image, ``(H, W)``, edges replicated."""
    grey = image.float().cpu().mean(dim=0)[None, None]
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    kernels = torch.stack([kx, kx.T])[:, None]
    padded = F.pad(grey, (1, 1, 1, 1), mode="replicate")
    gx, gy = F.conv2d(padded, kernels)[0]
    return torch.sqrt(gx**2 + gy**2)


def image_seed(image: Tensor, salt: int = 0) -> int:
    """A seed from the image's pixels (plus ``salt``): the same image always draws the same
    noise, alone or in any batch or sample."""
    digest = hashlib.blake2b(image.float().cpu().numpy().tobytes(), digest_size=8).digest()
    return ((int.from_bytes(digest, "little") >> 1) + salt) % (1 << 62)


def _random_map(image: Tensor) -> Tensor:
    """Uniform noise seeded by the image: the same image always gets the same map."""
    generator = torch.Generator().manual_seed(image_seed(image))
    return torch.rand(tuple(image.shape[-2:]), generator=generator)

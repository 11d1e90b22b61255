"""Removal curves: the target's probability as pixels are taken away in a map's order.

``deletion`` (Petsiuk et al., 2018) blacks out the most relevant pixels first: a faithful map
makes the probability fall fast (a low area). ``insertion`` starts from a blurred copy and puts
the most relevant pixels back first: the probability should rise fast (a high area). ROAD
(Rong et al., 2022) removes with noisy linear imputation instead of a constant, so that the
removed region's outline does not leak into the score: most relevant first (``road_morf``,
low is faithful) and least relevant first (``road_lerf``, high is faithful).

"Most relevant" is the highest value: for a signed map, the strongest evidence *for* the
target. "Least relevant" is the smallest magnitude: pixels that are evidence neither way (a
signed map's most negative pixels matter to the model too, and removing them first is not
removing the least relevant). Unsigned maps rank the same either way. Ties are broken in a
seeded random order (ReLU'd maps hold many exact zeros, and a raster-order tie break would
remove the image's top rows first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from deepling.analysis.edits import gaussian_blur
from deepling.analysis.trust_imputation import noisy_linear_imputation

CURVES = ("deletion", "insertion", "road_morf", "road_lerf")
# A faithful map gives a low area for these, a high one for the others.
LOWER_IS_FAITHFUL = {"deletion": True, "insertion": False, "road_morf": True, "road_lerf": False}
REMOVAL_STEPS = 20  # deletion and insertion: 0%, 5%, ..., 100% of the pixels
ROAD_FRACTIONS = tuple(round(0.1 * k, 1) for k in range(10))  # 0% .. 90%, as the ROAD paper
ROAD_NOISE = 0.01  # std of the imputation noise, in [0, 1] pixel units
INSERTION_BLUR = 1 / 8  # the insertion start's blur: sigma as a share of the longer side


def curve_fractions(name: str) -> np.ndarray:
    if name.startswith("road"):
        return np.array(ROAD_FRACTIONS)
    return np.linspace(0.0, 1.0, REMOVAL_STEPS + 1)


def pixel_ranking(attribution: Tensor, seed: int = 0) -> Tensor:
    """Rank of each pixel, ``(H, W)`` int64: 0 for the most relevant (highest value)."""
    flat = attribution.flatten().double()
    generator = torch.Generator().manual_seed(seed)
    shuffle = torch.randperm(flat.numel(), generator=generator)
    # Sorting the shuffled values (stable) breaks ties in the shuffled order.
    order = shuffle[torch.sort(-flat[shuffle], stable=True).indices]
    ranks = torch.empty_like(order)
    ranks[order] = torch.arange(flat.numel())
    return ranks.view(attribution.shape)


def removal_masks(ranks: Tensor, fractions: np.ndarray, least_first: bool = False) -> Tensor:
    """``(K, H, W)`` bool: True where a pixel is removed at each fraction."""
    total = ranks.numel()
    order = total - 1 - ranks if least_first else ranks
    # Rounded down, as Quantus's ROAD (a tiny epsilon: 0.29 * 100 is 28.999...).
    counts = torch.tensor([int(f * total + 1e-9) for f in fractions])
    return order[None] < counts[:, None, None]


@dataclass(frozen=True)
class Rankings:
    """Pixel ranks by ``value`` (most relevant first) and by ``magnitude`` (largest |value|
    first: read backwards, the least relevant first)."""

    value: Tensor
    magnitude: Tensor

    @classmethod
    def of(cls, attribution: Tensor, seed: int = 0) -> Rankings:
        return cls(pixel_ranking(attribution, seed), pixel_ranking(attribution.abs(), seed))


def perturbed_images(
    image: Tensor, ranks: Rankings, name: str, generator: torch.Generator
) -> Tensor:
    """``(K, C, H, W)``: ``image`` at each of the curve's removal fractions."""
    fractions = curve_fractions(name)
    x = image.float()
    if name == "deletion":
        masks = removal_masks(ranks.value, fractions).to(x.device)
        return torch.where(masks[:, None], torch.zeros_like(x), x[None])
    if name == "insertion":
        masks = removal_masks(ranks.value, fractions).to(x.device)  # True: inserted back
        blurred = gaussian_blur(x.cpu(), INSERTION_BLUR * max(x.shape[-2:])).to(x.device)
        return torch.where(masks[:, None], x[None], blurred[None])
    if name == "road_lerf":
        masks = removal_masks(ranks.magnitude, fractions, least_first=True).to(x.device)
    else:
        masks = removal_masks(ranks.value, fractions).to(x.device)
    images = x[None].expand(len(fractions), *x.shape)
    return noisy_linear_imputation(images, masks, noise=ROAD_NOISE, generator=generator)


def curve_area(fractions: np.ndarray, probabilities: np.ndarray) -> float:
    """The trapezoid area under the curve over its fraction range, divided by that range: the
    mean probability along the curve, comparable between curves of different ranges."""
    span = float(fractions[-1] - fractions[0])
    area = float(np.sum((probabilities[1:] + probabilities[:-1]) * np.diff(fractions)) / 2)
    return area / span if span > 0 else float(probabilities[0])

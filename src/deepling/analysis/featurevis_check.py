"""Is a feature visualisation processed like the natural images its channel likes?

Geirhos et al. (2024) showed that a network can be made to show any picture as a channel's
visualisation while its natural-image behaviour stays the same, and that even ordinary
visualisations travel through the network along another path than natural images do. Their
check, here: follow the activations layer by layer up to the channel's node (each layer's
channel means) and ask how alike the visualisation's path is to the paths of the channel's top
natural images, measured against how alike natural images are to each other.

At each layer ``l``, with Spearman's rank correlation ``rho`` of channel-mean vectors:

- ``top[l]``: mean ``rho`` between two different top images (the natural path's own spread),
- ``reference[l]``: mean ``rho`` between a top image and a random dataset image,
- ``visualisation[l]``: mean ``rho`` between the visualisation and each top image.

``score[l] = (visualisation - reference) / (top - reference)``: 1 where the visualisation is as
close to the top images as they are to each other, 0 where it is no closer than any natural
image, below 0 where it is further. The verdict reads the same score of the sums over the
layers (``mean_score``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from deepling.analysis.trust_similarity import average_ranks
from deepling.errors import DeeplingError
from deepling.models.model import Model

MAX_LAYERS = 12  # a deep network's path is read at this many layers, evenly spread
MIN_SPREAD = 1e-6  # top images must be this much closer to each other than to random ones
FOLLOWS = 0.5  # mean score from which the visualisation "follows its top images' path"


@dataclass(frozen=True)
class FeatureVisCheck:
    node: str
    channel: int
    layers: list[str]
    visualisation: list[float]
    top: list[float]
    reference: list[float]
    score: list[float]

    @property
    def mean_score(self) -> float:
        """The score of the layers' summed correlations: a layer where the top images are
        barely closer to each other than to any image (a tiny denominator) cannot swing it."""
        spread = sum(self.top) - sum(self.reference)
        closer = sum(self.visualisation) - sum(self.reference)
        return closer / spread if spread > MIN_SPREAD else 0.0

    @property
    def conclusive(self) -> bool:
        """The top images are closer to each other than to random images: a path to compare
        with. Where they are not, no score means anything."""
        return sum(self.top) - sum(self.reference) > MIN_SPREAD

    @property
    def verdict(self) -> str:
        """``follows`` (>= FOLLOWS), ``partly`` (>= 0), ``diverges`` (< 0), or
        ``inconclusive`` where the top images share no path of their own."""
        if not self.conclusive:
            return "inconclusive"
        s = self.mean_score
        return "follows" if s >= FOLLOWS else "partly" if s >= 0 else "diverges"

    def sentence(self) -> str:
        words = {
            "follows": "processed like its top natural images",
            "partly": "only partly processed like its top natural images",
            "diverges": "not processed like natural images that excite this channel",
        }
        if self.verdict == "inconclusive":
            return (
                "Inconclusive: the channel's top images are no more alike along the network "
                "than random images are, so there is no natural path to compare with."
            )
        return f"The visualisation is {words[self.verdict]} (path score {self.mean_score:.2f})."


def path_layers(model: Model, node: str) -> list[str]:
    """Spatial nodes from the input up to ``node`` (included), at most MAX_LAYERS of them."""
    graph = model.graph()
    names = [n.name for n in graph.nodes[1:] if n.op != "output"]
    if node not in names:
        raise DeeplingError(f"node {node!r} is not a layer of the model.")
    before = [name for name in names[: names.index(node) + 1] if len(graph[name].shape) in (1, 3)]
    if len(before) > MAX_LAYERS:
        picks = np.linspace(0, len(before) - 1, MAX_LAYERS).round().astype(int)
        before = [before[i] for i in dict.fromkeys(picks.tolist())]
    return before


def featurevis_check(
    model: Model,
    visualisation: Tensor,
    top_images: Tensor,
    references: Tensor,
    node: str,
    channel: int,
) -> FeatureVisCheck:
    """The path check of ``visualisation`` (C, H, W) for ``channel`` of ``node`` against
    ``top_images`` (K >= 2, the channel's top natural images) and ``references`` (R >= 1
    random natural images), all in [0, 1] at the model's input shape."""
    if top_images.shape[0] < 2 or references.shape[0] < 1:
        raise DeeplingError("The path check needs at least 2 top images and 1 reference image.")
    layers = path_layers(model, node)
    batch = torch.cat([visualisation[None], top_images, references])
    activations = model.activations(batch, layers)
    k = top_images.shape[0]
    vis_s, top_s, ref_s, score = [], [], [], []
    for name in layers:
        a = activations[name]
        means = a.flatten(2).mean(dim=2) if a.dim() == 4 else a
        rho = _rank_correlations(means.double().numpy())
        tops = rho[1 : 1 + k, 1 : 1 + k]
        top = float(tops[~np.eye(k, dtype=bool)].mean())
        reference = float(rho[1 : 1 + k, 1 + k :].mean())
        vis = float(rho[0, 1 : 1 + k].mean())
        spread = top - reference
        vis_s.append(vis)
        top_s.append(top)
        ref_s.append(reference)
        score.append((vis - reference) / spread if spread > MIN_SPREAD else 0.0)
    return FeatureVisCheck(node, channel, layers, vis_s, top_s, ref_s, score)


def _rank_correlations(rows: np.ndarray) -> np.ndarray:
    """Spearman's correlation between every pair of rows (a constant row correlates 0)."""
    ranks = np.stack([average_ranks(r) for r in rows])
    ranks -= ranks.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(ranks, axis=1)
    norms[norms == 0] = np.inf
    unit = ranks / norms[:, None]
    correlations: np.ndarray = unit @ unit.T
    return correlations

"""Per-channel summaries of a node's activations, computed inside the graph during a pass."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class MeanMax(nn.Module):
    """Activations ``(B, C, ...)`` (or ``(B,)``) to ``(B, 2, C)``: each channel's mean and max
    over its positions (a vector node's units are its channels; a scalar node has one)."""

    def forward(self, acts: Tensor) -> Tensor:
        flat = (
            acts.reshape(acts.shape[0], 1, 1)
            if acts.dim() == 1
            else acts.reshape(acts.shape[0], acts.shape[1], -1)
        )
        return torch.stack([flat.float().mean(dim=2), flat.amax(dim=2).float()], dim=1)

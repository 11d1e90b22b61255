"""A small traceable CNN with the graph shapes ablation must handle, shared by the ablation
tests of the library and of Model's methods."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Branches(nn.Module):
    """A functional relu, a concatenation and a conv called twice (two graph nodes)."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.Conv2d(3, 6, 3, padding=1)
        self.shared = nn.Conv2d(10, 10, 3, padding=1)
        self.bn = nn.BatchNorm2d(10)
        self.fc = nn.Linear(10, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(torch.cat([self.a(x), self.b(x)], dim=1))
        y = self.shared(torch.relu(self.bn(self.shared(y))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))

"""A small residual CNN for the browser tests: skip connections, a concatenation, any size."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.conv2(F.relu(self.bn1(self.conv1(x)))))


class SmallResNet(nn.Module):
    def __init__(self, classes: int = 3) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.layer1 = Block(16)
        self.side = nn.Conv2d(16, 8, 1)
        self.layer2 = Block(24)
        self.head = nn.Linear(24, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer1(F.relu(self.stem(x)))
        x = torch.cat([x, self.side(x)], dim=1)
        x = F.max_pool2d(self.layer2(x), 2)
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def small_resnet() -> nn.Module:
    torch.manual_seed(0)
    return SmallResNet()

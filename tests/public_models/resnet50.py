"""An ImageNet-style ResNet-50 (He et al. 2015, arXiv:1512.03385) laid out as
``torchvision.models.resnet50`` lays it out: the same module names, and so the same state_dict
keys and shapes, so torchvision's published weights load into it unchanged. Written here
because torchvision need not import beside the installed torch.

    deepling serve --model tests/public_models/resnet50.py:resnet50 --input-shape 3,224,224 \\
        --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --weights resnet50-0676ba61.pth \\
        --data imagenet-val/

Like torchvision: stride on the 3x3 convolution of each stage's first block (ResNet v1.5),
one ``relu`` module per block called three times, ``downsample`` a ``Sequential(conv, bn)``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

STAGES = (3, 4, 6, 3)  # Bottleneck blocks per stage
EXPANSION = 4  # a Bottleneck's output channels over its width


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (strided), 1x1 expand, plus the identity or a projected shortcut."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out = planes * EXPANSION
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Sequential | None = None
        if stride != 1 or inplanes != out:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, out, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out),
            )

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += x if self.downsample is None else self.downsample(x)
        out = self.relu(out)
        return out


def _stage(inplanes: int, planes: int, blocks: int, stride: int) -> nn.Sequential:
    first = Bottleneck(inplanes, planes, stride)
    rest = [Bottleneck(planes * EXPANSION, planes) for _ in range(blocks - 1)]
    return nn.Sequential(first, *rest)


class ResNet50(nn.Module):
    """7x7/2 stem, 3x3/2 max pool, four Bottleneck stages (64, 128, 256, 512 wide), global
    average pool, ``fc`` to ``num_classes``; initialised as torchvision initialises it."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = _stage(64, 64, STAGES[0], stride=1)
        self.layer2 = _stage(256, 128, STAGES[1], stride=2)
        self.layer3 = _stage(512, 256, STAGES[2], stride=2)
        self.layer4 = _stage(1024, 512, STAGES[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * EXPANSION, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        logits: Tensor = self.fc(torch.flatten(self.avgpool(x), 1))
        return logits


def resnet50(num_classes: int = 1000) -> ResNet50:
    """torchvision's name for it: ``resnet50.py:resnet50`` (1000 ImageNet classes)."""
    return ResNet50(num_classes)

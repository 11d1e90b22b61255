"""The demo models: an AlexNet-style CIFAR-10 network and a small MNIST CNN.

Each entry also records the preprocessing it was trained with, so that a checkpoint from
``deepling train`` loads with the right input shape, normalisation and class names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn


class AlexNetCIFAR(nn.Module):
    """AlexNet-style CIFAR-10 network: 5 conv + 3 fully connected layers, input (3, 32, 32).

    The layer plan of the common CIFAR AlexNet variants (3x3 convs, three 2x2 max-pools,
    4096-4096 classifier), with ``width`` scaling every layer so that it trains on a laptop CPU
    (``width=0.5`` reaches over 70% test accuracy in 15 epochs), and batch norm after each conv,
    which makes that training reliable without a learning-rate search.
    """

    def __init__(self, num_classes: int = 10, width: float = 0.5) -> None:
        super().__init__()
        c1, c2, c3, c4, c5 = (max(8, int(c * width)) for c in (64, 192, 384, 256, 256))
        fc = max(64, int(2048 * width))

        def conv(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        self.features = nn.Sequential(
            *conv(3, c1),
            nn.MaxPool2d(2),
            *conv(c1, c2),
            nn.MaxPool2d(2),
            *conv(c2, c3),
            *conv(c3, c4),
            *conv(c4, c5),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.5),
            nn.Linear(c5 * 4 * 4, fc),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(fc, fc),
            nn.ReLU(inplace=True),
            nn.Linear(fc, num_classes),
        )

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.classifier(self.features(x))


class MnistCNN(nn.Module):
    """A small CNN for 28x28 grayscale digits: trains in about a minute on 2 CPU cores."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.relu = nn.ReLU()
        self.fc1 = nn.Linear(64 * 3 * 3, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):  # type: ignore[no-untyped-def]
        # One pool and one ReLU module, called three times: each call is its own graph node.
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = self.pool(self.relu(self.conv3(x)))
        return self.fc2(self.relu(self.fc1(x.flatten(1))))


@dataclass(frozen=True)
class ZooEntry:
    """A demo architecture with the preprocessing and training recipe it is trained with."""

    build: Callable[[], nn.Module]
    input_shape: tuple[int, int, int]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    epochs: int
    batch_size: int
    lr: float
    augment: bool


ZOO: dict[str, ZooEntry] = {
    "alexnet-cifar": ZooEntry(
        build=AlexNetCIFAR,
        input_shape=(3, 32, 32),
        mean=(0.4914, 0.4822, 0.4465),
        std=(0.2470, 0.2435, 0.2616),
        epochs=15,
        batch_size=128,
        lr=0.05,
        augment=True,
    ),
    "mnist-cnn": ZooEntry(
        build=MnistCNN,
        input_shape=(1, 28, 28),
        mean=(0.1307,),
        std=(0.3081,),
        epochs=8,
        batch_size=64,
        lr=0.05,
        augment=False,
    ),
}

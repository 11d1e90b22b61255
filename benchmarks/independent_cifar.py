"""A second CIFAR-10 network, trained apart from the reference demo, for transfer checks.

The "robust strips" benchmark (bench_strip_robustness.py) asks whether an adversarial strip
made against the reference AlexNet-CIFAR also fools a network it has never seen. That needs a
network that shares nothing with the reference but the data: another architecture (a small
residual net with global average pooling instead of AlexNet's pooled convs and 4096-wide fully
connected stack), its own initialisation seed and its own training recipe. This file defines it,
trains it on the real CIFAR-10 train set (about ten minutes on 2 CPU cores) and caches the
checkpoint in the same format ``deepling train`` writes, so later runs load it in a second.

    python benchmarks/independent_cifar.py [--data DIR] [--epochs 8] [--force]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepling.analysis.evaluation import evaluate
from deepling.data.cifar import load_cifar10
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.models.training import crops_and_flips, save_atomically

ARCH = "independent-cifar"
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"
DEFAULT_CHECKPOINT = Path.home() / ".cache" / "deepling" / "models" / "independent-cifar.pt"
INPUT_SHAPE = (3, 32, 32)
# The CIFAR-10 train-set channel statistics (the reference uses the same: they are the data's).
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)
EPOCHS = 8
BATCH_SIZE = 256
MAX_LR = 0.2
WEIGHT_DECAY = 5e-4
SEED = 1234  # not the reference's seed 0: nothing shared with it but the data


def _conv_bn_relu(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class _Residual(nn.Module):
    """Two conv-bn-relu layers around an identity shortcut."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _conv_bn_relu(channels, channels), _conv_bn_relu(channels, channels)
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class SmallResNet(nn.Module):
    """A ResNet-9-style CIFAR network (the DAWNBench layout of D. Page) at ``width`` 16.

    Conv 3->w, then three stages at 2w, 4w and 8w channels, each a conv-bn-relu and a 2x2
    max-pool, the first and last followed by a residual block of two convs; global average
    pooling and one linear layer. Eight convs, batch norm after each, about 0.4 M parameters at
    ``width=16``. The logits are scaled by 1/8, as in Page's recipe, so that the unnormalised
    residual sum does not start training with over-confident outputs.
    """

    def __init__(self, num_classes: int = 10, width: int = 16) -> None:
        super().__init__()
        w = width
        self.prep = _conv_bn_relu(3, w)
        self.stage1 = nn.Sequential(_conv_bn_relu(w, 2 * w), nn.MaxPool2d(2), _Residual(2 * w))
        self.stage2 = nn.Sequential(_conv_bn_relu(2 * w, 4 * w), nn.MaxPool2d(2))
        self.stage3 = nn.Sequential(_conv_bn_relu(4 * w, 8 * w), nn.MaxPool2d(2), _Residual(8 * w))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8 * w, num_classes)
        self.logit_scale = 0.125

    def forward(self, x: Tensor) -> Tensor:
        x = self.stage3(self.stage2(self.stage1(self.prep(x))))
        return self.fc(self.pool(x).flatten(1)) * self.logit_scale


def _is_finished(state: dict[str, Any]) -> bool:
    return (
        state.get("arch") == ARCH
        and state.get("epoch") == state.get("epochs")
        and state.get("test_accuracy") is not None
    )


def _wrap(module: nn.Module, classes: list[str]) -> Model:
    return Model(module, INPUT_SHAPE, classes=classes, mean=MEAN, std=STD, name=ARCH)


def train_independent(
    cifar_dir: Path,
    checkpoint: Path = DEFAULT_CHECKPOINT,
    *,
    epochs: int = EPOCHS,
    seed: int = SEED,
    force: bool = False,
    threads: int = 2,
) -> dict[str, Any]:
    """Train ``SmallResNet`` on the CIFAR-10 train set and return its checkpoint dict.

    Reuses a finished checkpoint at ``checkpoint`` unless ``force``. Otherwise trains for
    ``epochs`` (random 4-px reflect-pad crops and flips, SGD with Nesterov momentum, a one-cycle
    learning rate, label smoothing 0.1), prints each epoch's time, evaluates on the test set and
    writes the checkpoint atomically. Runs on the CPU with ``threads`` threads, restored after.
    """
    if not force and checkpoint.is_file():
        state: dict[str, Any] = torch.load(checkpoint, map_location="cpu", weights_only=True)
        if _is_finished(state):
            return state
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _train(cifar_dir, checkpoint, epochs, seed)
    finally:
        torch.set_num_threads(previous_threads)


def _train(cifar_dir: Path, checkpoint: Path, epochs: int, seed: int) -> dict[str, Any]:
    train_data = load_cifar10(cifar_dir, "train")
    test_data = load_cifar10(cifar_dir, "test")
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    module = SmallResNet(num_classes=len(train_data.classes))
    wrapped = _wrap(module, list(test_data.classes))
    steps = math.ceil(len(train_data) / BATCH_SIZE)
    optimiser = torch.optim.SGD(
        module.parameters(), lr=MAX_LR, momentum=0.9, nesterov=True, weight_decay=WEIGHT_DECAY
    )
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=MAX_LR, total_steps=epochs * steps, pct_start=0.25
    )
    labels = torch.as_tensor(train_data.labels)
    started = time.perf_counter()
    module.train()
    for epoch in range(epochs):
        epoch_start = time.perf_counter()
        order = torch.randperm(len(train_data), generator=generator)
        loss_sum, correct = 0.0, 0
        for step in range(steps):
            idx = order[step * BATCH_SIZE : (step + 1) * BATCH_SIZE]
            x = crops_and_flips(train_data.pixels[idx].float().div_(255), generator)
            y = labels[idx]
            logits = module(wrapped.normalise(x))
            loss = F.cross_entropy(logits, y, label_smoothing=0.1)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            scheduler.step()
            loss_sum += loss.item() * len(idx)
            correct += int((logits.argmax(1) == y).sum())
        print(
            f"epoch {epoch + 1}/{epochs}: {time.perf_counter() - epoch_start:.0f} s, "
            f"train loss {loss_sum / len(train_data):.3f}, "
            f"train accuracy {correct / len(train_data):.3f}",
            flush=True,
        )
    train_seconds = time.perf_counter() - started
    accuracy = evaluate(wrapped, test_data, batch_size=500).accuracy
    print(f"trained in {train_seconds:.0f} s; test accuracy {accuracy:.4f}", flush=True)
    state = {
        "arch": ARCH,
        "epoch": epochs,
        "epochs": epochs,
        "seed": seed,
        "train_seconds": train_seconds,
        "state_dict": {k: v.detach().clone() for k, v in module.state_dict().items()},
        "test_accuracy": accuracy,
        "input_shape": list(INPUT_SHAPE),
        "mean": list(MEAN),
        "std": list(STD),
        "classes": list(test_data.classes),
    }
    save_atomically(state, checkpoint)
    return state


def load_independent(
    cifar_dir: Path | None = None,
    *,
    train_if_missing: bool = True,
    checkpoint: Path = DEFAULT_CHECKPOINT,
) -> Model:
    """The trained independent network as a deepling ``Model`` (CPU, eval-ready).

    Trains it first (about ten minutes) when there is no finished checkpoint and
    ``train_if_missing``; raises ``DeeplingError`` otherwise.
    """
    state: dict[str, Any] | None = None
    if checkpoint.is_file():
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    if state is None or not _is_finished(state):
        if not train_if_missing:
            raise DeeplingError(
                f"No finished {ARCH} checkpoint at {checkpoint}.",
                "Train it with: python benchmarks/independent_cifar.py",
            )
        state = train_independent(cifar_dir or DEFAULT_DATA, checkpoint, force=True)
    module = SmallResNet(num_classes=len(state["classes"]))
    module.load_state_dict(state["state_dict"])
    module.eval()
    return _wrap(module, list(state["classes"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="cifar-10-batches-py")
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--force", action="store_true", help="retrain even if cached")
    args = parser.parse_args()
    state = train_independent(args.data, args.checkpoint, epochs=args.epochs, force=args.force)
    seconds = state.get("train_seconds")
    took = f", trained in {seconds:.0f} s" if seconds is not None else ""
    print(
        f"{ARCH}: test accuracy {state['test_accuracy']:.4f} "
        f"({state['epochs']} epochs{took}) at {args.checkpoint}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Training the demo models: resumable, checkpointed every epoch, on the GPU when there is one.

This trains the zoo's own architectures for the demos; it is not a general training framework.
Besides the resumable checkpoint, each finished epoch's weights are kept in a folder beside it
(``epoch_checkpoints``), the series ``deepling demo`` serves so that a first-time user can play
the training animation.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from deepling.analysis.evaluation import evaluate
from deepling.data.base import ArrayDataset
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.models.zoo import ZOO


@dataclass
class TrainingStatus:
    """Passed to the progress callback after every optimiser step."""

    epoch: int  # 0-based
    epochs: int
    step: int  # 0-based within the epoch
    steps: int
    loss: float
    test_accuracy: float | None  # set after the last step of an epoch


def save_atomically(obj: Any, path: Path) -> None:
    """torch.save to a temporary file, then rename: a crash never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def epoch_folder(checkpoint: Path) -> Path:
    """Where ``train`` keeps each epoch's weights: ``<checkpoint stem>-epochs/`` beside it."""
    return checkpoint.with_name(f"{checkpoint.stem}-epochs")


def epoch_checkpoints(checkpoint: Path) -> list[Path]:
    """The kept epochs of a finished run, in order (empty if any epoch is missing, as for a
    run trained before epochs were kept)."""
    if not checkpoint.is_file():
        return []
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    epochs = int(state.get("epochs") or 0)
    paths = [epoch_folder(checkpoint) / f"epoch_{e}.pt" for e in range(1, epochs + 1)]
    return paths if epochs and all(p.is_file() for p in paths) else []


def crops_and_flips(x: Tensor, generator: torch.Generator) -> Tensor:
    """Random crops from 4-pixel reflect padding and horizontal flips, one per image."""
    n, c, h, w = x.shape
    padded = F.pad(x, (4, 4, 4, 4), mode="reflect")
    dy = torch.randint(0, 9, (n,), generator=generator)
    dx = torch.randint(0, 9, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]  # (n, 1, h, 1)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]  # (n, 1, 1, w)
    images = torch.arange(n)[:, None, None, None]
    channels = torch.arange(c)[None, :, None, None]
    out = padded[images, channels, rows, cols]
    flip = torch.rand(n, generator=generator) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


def train(
    arch: str,
    train_data: ArrayDataset,
    test_data: ArrayDataset,
    checkpoint: Path,
    *,
    epochs: int | None = None,
    resume: bool = True,
    device: str | None = None,
    seed: int = 0,
    on_progress: Callable[[TrainingStatus], None] | None = None,
) -> dict[str, Any]:
    """Train zoo architecture ``arch`` and return its final checkpoint dict.

    The checkpoint (``state_dict``, optimiser and scheduler state, ``epoch``, ``test_accuracy``
    and the preprocessing) is written atomically to ``checkpoint`` after every epoch; with
    ``resume`` an existing checkpoint there is continued from its last finished epoch.
    """
    if arch not in ZOO:
        raise DeeplingError(f"Unknown demo architecture {arch!r}.", f"Use one of {', '.join(ZOO)}.")
    entry = ZOO[arch]
    epochs = epochs or entry.epochs
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = entry.build().to(dev)
    # The analysis wrapper gives the normalisation and the test evaluation (in eval mode,
    # flags restored) that training shares with every other part of Deepling.
    wrapped = Model(
        model,
        entry.input_shape,
        classes=test_data.classes,
        mean=entry.mean,
        std=entry.std,
        device=dev,
        name=arch,
    )
    steps = math.ceil(len(train_data) / entry.batch_size)
    optimiser = torch.optim.SGD(
        model.parameters(), lr=entry.lr, momentum=0.9, nesterov=True, weight_decay=5e-4
    )
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=entry.lr, total_steps=epochs * steps, pct_start=0.25
    )
    state: dict[str, Any] = {"epoch": 0, "test_accuracy": None}
    if resume and checkpoint.is_file():
        state = torch.load(checkpoint, map_location=dev, weights_only=True)
        if state.get("arch") != arch or state.get("epochs") != epochs:
            raise DeeplingError(
                f"Checkpoint {checkpoint} is for {state.get('arch')}, "
                f"{state.get('epochs')} epochs.",
                "Delete it, or train with the same --model and --epochs to resume it.",
            )
        model.load_state_dict(state["state_dict"])
        optimiser.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        generator.manual_seed(seed + state["epoch"])
    model.train()
    for epoch in range(state["epoch"], epochs):
        order = torch.randperm(len(train_data), generator=generator)
        for step in range(steps):
            idx = order[step * entry.batch_size : (step + 1) * entry.batch_size]
            x = train_data.pixels[idx].float().div_(255)
            if entry.augment:
                x = crops_and_flips(x, generator)
            y = torch.as_tensor(train_data.labels[idx.numpy()], device=dev)
            loss = F.cross_entropy(model(wrapped.normalise(x)), y)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            scheduler.step()
            last = step == steps - 1
            accuracy = evaluate(wrapped, test_data, batch_size=500).accuracy if last else None
            if on_progress is not None:
                on_progress(TrainingStatus(epoch, epochs, step, steps, loss.item(), accuracy))
        state = {
            "arch": arch,
            "epoch": epoch + 1,
            "epochs": epochs,
            "state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
            "optimizer": optimiser.state_dict(),
            "scheduler": scheduler.state_dict(),
            "test_accuracy": accuracy,
            "input_shape": list(entry.input_shape),
            "mean": list(entry.mean),
            "std": list(entry.std),
            "classes": list(test_data.classes),
        }
        save_atomically(state, checkpoint)
        # The epoch's weights and preprocessing alone (no optimiser state): a third the size.
        kept = {k: v for k, v in state.items() if k not in ("optimizer", "scheduler")}
        save_atomically(kept, epoch_folder(checkpoint) / f"epoch_{epoch + 1}.pt")
    return state

"""Training the demo models: the loss falls, checkpoints are written, interrupted runs resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from deepling.data.base import ArrayDataset
from deepling.models.training import TrainingStatus, train


def _small(split: tuple[ArrayDataset, ArrayDataset]) -> tuple[ArrayDataset, ArrayDataset]:
    train_part, test_part = split
    return (
        ArrayDataset(train_part.pixels[:1024], train_part.labels[:1024], train_part.classes, "t"),
        ArrayDataset(test_part.pixels[:500], test_part.labels[:500], test_part.classes, "v"),
    )


def test_loss_falls_and_accuracy_beats_chance(mnist_split, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seen: list[TrainingStatus] = []
    state = train(
        "mnist-cnn", *_small(mnist_split), tmp_path / "m.pt", epochs=3, on_progress=seen.append
    )
    first = sum(s.loss for s in seen[:5]) / 5
    last = sum(s.loss for s in seen[-5:]) / 5
    assert last < first / 2
    assert state["test_accuracy"] > 0.5  # ten classes: chance is 0.1
    saved = torch.load(tmp_path / "m.pt", weights_only=True)
    assert saved["epoch"] == 3 and saved["input_shape"] == [1, 28, 28]


def test_an_interrupted_run_resumes_from_its_last_epoch(mnist_split, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = _small(mnist_split)
    checkpoint = tmp_path / "m.pt"

    def stop_in_second_epoch(status: TrainingStatus) -> None:
        if status.epoch == 1 and status.step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train("mnist-cnn", *data, checkpoint, epochs=3, on_progress=stop_in_second_epoch)
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 1
    assert not list(tmp_path.glob("*.tmp"))

    epochs_run: set[int] = set()
    state = train(
        "mnist-cnn", *data, checkpoint, epochs=3, on_progress=lambda s: epochs_run.add(s.epoch)
    )
    assert epochs_run == {1, 2} and state["epoch"] == 3

    epochs_run.clear()
    train("mnist-cnn", *data, checkpoint, epochs=3, on_progress=lambda s: epochs_run.add(s.epoch))
    assert not epochs_run  # finished: nothing left to do

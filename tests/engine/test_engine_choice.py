"""The engine keyword: an unknown engine, and Ray asked for where it is not installed, are clear
errors naming the fix (no cluster needed)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from deepling import evaluate, load_model
from deepling.data.base import ArrayDataset
from deepling.engine import RaySettings
from deepling.errors import DeeplingError


def _tiny() -> tuple[object, ArrayDataset]:
    torch.manual_seed(0)
    model = load_model("mnist-cnn")
    pixels = np.random.default_rng(0).integers(0, 256, (8, 1, 28, 28), dtype=np.uint8)
    return model, ArrayDataset(pixels, np.arange(8) % 10, [str(i) for i in range(10)], "noise")


def test_without_ray_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    model, data = _tiny()
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails, as where it is missing
    with pytest.raises(DeeplingError, match="Ray Data") as found:
        evaluate(model, data, engine="ray")  # type: ignore[arg-type]
    assert "deepling[ray]" in (found.value.hint or "")
    with pytest.raises(DeeplingError, match="Unknown engine"):
        evaluate(model, data, engine="spark")  # type: ignore[arg-type]


def test_ray_settings_are_checked() -> None:
    for wrong in ({"concurrency": 0}, {"num_gpus": -1}, {"batch_size": 0}):
        with pytest.raises(DeeplingError):
            RaySettings(**wrong)  # type: ignore[arg-type]

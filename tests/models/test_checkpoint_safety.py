"""Checkpoints load with ``weights_only=True``: a pickle that would run code is refused (and
its code never runs) unless the user passes ``trust_pickle``."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from deepling.errors import DeeplingError
from deepling.models.loading import load_model


class _Payload:
    """Unpickling this creates ``marker``: the code a hostile checkpoint would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


def test_a_checkpoint_that_runs_code_is_refused_and_the_code_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    state = load_model("mnist-cnn").module.state_dict()
    hostile = tmp_path / "hostile.pt"
    torch.save({"state_dict": state, "extra": _Payload(marker)}, hostile)
    with pytest.raises(DeeplingError, match="trust_pickle") as refused:
        load_model("mnist-cnn", hostile)
    assert "pickled Python objects" in str(refused.value)
    assert not marker.exists()


def test_a_plain_state_dict_loads_with_weights_only(tmp_path: Path) -> None:
    torch.manual_seed(1)
    source = load_model("mnist-cnn").module
    path = tmp_path / "weights.pt"
    torch.save(source.state_dict(), path)
    torch.manual_seed(2)
    loaded = load_model("mnist-cnn", path).module
    for (name, a), b in zip(source.state_dict().items(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_a_whole_pickled_model_needs_trust_pickle(tmp_path: Path) -> None:
    torch.manual_seed(3)
    module = load_model("mnist-cnn").module
    whole = tmp_path / "whole.pt"
    torch.save(module, whole)
    with pytest.raises(DeeplingError, match="trust.pickle"):  # CLI spelling: --trust-pickle
        load_model(str(whole), input_shape=(1, 28, 28))
    trusted = load_model(str(whole), input_shape=(1, 28, 28), trust_pickle=True).module
    x = torch.rand(2, 1, 28, 28)
    assert torch.equal(trusted.eval()(x), module.eval()(x))

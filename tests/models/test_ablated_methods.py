"""Every public method of ``Model`` sees ablations: an ablated model (a view, or inside
``ablating``) answers exactly as a model whose ablated channels are zero by construction.

The methods are enumerated from the class, so a method added later fails this test until it
is listed here, with a call that shows whether it sees the ablation."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from torch import nn

from branches_model import Branches
from deepling.models.ablated import Ablation
from deepling.models.model import Model
from deepling.models.state import eval_mode
from deepling.tensors import logits_of


class Untraceable(nn.Module):
    """Data-dependent control flow: torch.fx cannot trace it, so hooks record the graph."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3)
        self.act = nn.ReLU()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.a(x))
        if y.sum() > 0:
            y = y * 2
        return self.fc(self.act(y).mean((2, 3)))


Case = Callable[[Model, torch.Tensor], object]


def _module_call(m: Model, x: torch.Tensor) -> object:
    with torch.no_grad(), eval_mode(m.module):
        return logits_of(m.module(m.normalise(x)))


def _fx_call(m: Model, x: torch.Tensor) -> object:
    gm = m.fx_module
    if gm is None:  # approximate graph: nothing to run
        return None
    with torch.no_grad(), eval_mode(gm):
        return logits_of(gm(m.normalise(x)))


def _tap(m: Model, x: torch.Tensor) -> object:
    with torch.no_grad(), eval_mode(m.module):
        return m.tap(m.normalise(x), ["a", "fc"])


def _inference(m: Model, x: torch.Tensor) -> object:
    with m.inference() as module:
        return logits_of(module(m.normalise(x))).clone()


def _reduce_stream(m: Model, x: torch.Tensor) -> object:
    batches = [(np.arange(len(x)), x)]
    return [
        found for _, found in m.reduce_stream(batches, {"a": nn.Flatten(), "fc": nn.Identity()})
    ]


def _nested_ablating(m: Model, x: torch.Tensor) -> object:
    with m.ablating([]) as inner:  # a block adds to the ablations in effect
        return inner.activations(x, ["a", "fc"])


# Methods that run the model: each must answer as the model zeroed by construction does.
RUNS: dict[str, Case] = {
    "logits": lambda m, x: m.logits(x),
    "predict": lambda m, x: m.predict(x),
    "activations": lambda m, x: m.activations(x, ["a", "fc"]),
    "reduce": lambda m, x: m.reduce(x, {"a": nn.Flatten(), "fc": nn.Identity()}),
    "reduce_stream": _reduce_stream,
    "inference": _inference,
    "tap": _tap,
    "module": _module_call,
    "fx_module": _fx_call,
    "with_ablations": lambda m, x: m.with_ablations([]).logits(x),  # a view keeps them
    "ablating": _nested_ablating,
}
# Preprocessing and structure: the same with or without ablations.
UNAFFECTED: dict[str, Case] = {
    "graph": lambda m, x: [(n.name, n.op, n.shape) for n in m.graph().nodes],
    "normalise": lambda m, x: m.normalise(x),
    "input_affine": lambda m, x: m.input_affine(),
    "check_images": lambda m, x: m.check_images(x),
    "batch_size": lambda m, x: m.batch_size,
    # The user's own module (what travels to Ray workers): its output, ablations or not.
    "plain_module": lambda m, x: m.plain_module(m.normalise(x)),
    # A new model around another module (a checkpoint, a copy): it starts with no ablations.
    "with_module": lambda m, x: m.with_module(copy.deepcopy(m.plain_module)).logits(x),
}
# Says which ablations are in effect (checked below).
STATE = {"ablations"}


def _public(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls) if not name.startswith("_")}


def test_every_public_method_is_listed() -> None:
    listed = set(RUNS) | set(UNAFFECTED) | STATE
    assert _public(Model) == listed, (
        f"not listed: {sorted(_public(Model) - listed)}; gone: {sorted(listed - _public(Model))}"
    )


def _models(module_type: type[nn.Module]) -> tuple[Model, Model, Ablation]:
    """The model, the same model with ``a`` zeroed in its weights, and the ablation that
    zeroes ``a`` (every channel) in the forward pass instead."""
    torch.manual_seed(0)
    module = module_type()
    zeroed = copy.deepcopy(module)
    with torch.no_grad():
        zeroed.a.weight.zero_()
        zeroed.a.bias.zero_()
    model = Model(module, (3, 12, 12), classes=["x", "y", "z"], mean=[0.4], std=[0.2])
    reference = Model(zeroed, (3, 12, 12), classes=["x", "y", "z"], mean=[0.4], std=[0.2])
    return model, reference, Ablation.zero("a", range(4))


@contextmanager
def _ablated(model: Model, ablation: Ablation, how: str) -> Iterator[Model]:
    if how == "view":
        yield model.with_ablations([ablation])
    else:
        with model.ablating([ablation]) as inside:
            yield inside


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    try:
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize("module_type", [Branches, Untraceable])
@pytest.mark.parametrize("how", ["view", "ablating"])
@pytest.mark.parametrize("name", sorted(RUNS))
def test_every_running_method_sees_the_ablation(
    module_type: type[nn.Module], how: str, name: str
) -> None:
    model, reference, ablation = _models(module_type)
    x = torch.rand(5, 3, 12, 12, generator=torch.Generator().manual_seed(1))
    case = RUNS[name]
    plain, expected = case(model, x), case(reference, x)
    with _ablated(model, ablation, how) as ablated:
        got = case(ablated, x)
        assert ablated.ablations == (ablation,)
    assert _same(got, expected), f"{name} of an ablated model ignores the ablation"
    if expected is not None:  # the case can tell: zeroing ``a`` changes its answer
        assert not _same(plain, expected)
    assert _same(case(model, x), plain) and model.ablations == ()  # the model itself: plain


@pytest.mark.parametrize("module_type", [Branches, Untraceable])
@pytest.mark.parametrize("name", sorted(UNAFFECTED))
def test_preprocessing_and_graph_ignore_ablations(module_type: type[nn.Module], name: str) -> None:
    model, _, ablation = _models(module_type)
    x = torch.rand(2, 3, 12, 12, generator=torch.Generator().manual_seed(1))
    case = UNAFFECTED[name]
    plain = case(model, x)
    with _ablated(model, ablation, "view") as view, _ablated(model, ablation, "ablating") as m:
        assert case(view, x) == plain if name == "graph" else _same(case(view, x), plain)
        assert case(m, x) == plain if name == "graph" else _same(case(m, x), plain)

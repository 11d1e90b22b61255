"""Channel ablation: the channels are held constant at any graph node, and the model is left
exactly as found."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import deepling
from branches_model import Branches
from deepling import Ablation, ablate, load_model
from deepling.analysis.ablation import ablation_effect, make_ablation
from deepling.analysis.channel_stats import channel_statistics
from deepling.cache import ArrayCache, weights_digest
from deepling.data.base import ArrayDataset
from deepling.errors import DeeplingError, NotFoundError
from deepling.models.model import Model


class Untraceable(nn.Module):
    """Data-dependent control flow: torch.fx cannot trace it, so hooks record the graph."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.act = nn.ReLU()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.conv(x))
        if y.sum() > 0:
            y = y * 2
        y = self.act(y)  # the same ReLU called twice
        return self.fc(y.mean((2, 3)))


def _model(build: Callable[[], nn.Module]) -> Model:
    torch.manual_seed(0)  # before the module is built: its weights, not the run order, decide
    model = load_model(build(), input_shape=(3, 12, 12))
    model.module.train()  # flags must come back as found, whatever they were
    return model


def _images(n: int = 6) -> torch.Tensor:
    return torch.rand(n, 3, 12, 12, generator=torch.Generator().manual_seed(1))


def _dataset(n: int, labels: np.ndarray) -> ArrayDataset:
    pixels = np.random.default_rng(2).integers(0, 256, (n, 3, 12, 12), dtype=np.uint8)
    return ArrayDataset(pixels, labels, ["a", "b", "c"], "random")


def _snapshot(model: Model) -> tuple[str, list[bool], list[bool], int]:
    module = model.module
    hooks = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in module.modules())
    return (
        weights_digest(module),
        [m.training for m in module.modules()],
        [p.requires_grad for p in module.parameters()],
        hooks,
    )


@pytest.mark.parametrize("node", ["relu", "shared", "shared_1", "cat", "fc"])
def test_ablated_channels_are_zero_and_the_rest_unchanged(node: str) -> None:
    model = _model(Branches)
    graph = model.graph()
    assert {"relu", "shared", "shared_1", "cat"} <= set(graph.names)  # function + reused module
    x = _images()
    plain = model.activations(x, [node])[node]
    with ablate(model, node, [0, 2]):
        inside = model.activations(x, [node])[node]
    assert torch.all(inside[:, [0, 2]] == 0)
    keep = [c for c in range(plain.shape[1]) if c not in (0, 2)]
    torch.testing.assert_close(inside[:, keep], plain[:, keep])
    assert plain[:, [0, 2]].abs().sum() > 0  # the test would see a change


def test_second_call_of_a_module_is_ablated_alone() -> None:
    model = _model(Branches)
    x = _images()
    plain = model.activations(x, ["shared", "shared_1"])
    with ablate(model, "shared_1", [0, 1, 2]):
        inside = model.activations(x, ["shared", "shared_1"])
        logits = model.logits(x)
    torch.testing.assert_close(inside["shared"], plain["shared"])  # first call untouched
    assert torch.all(inside["shared_1"][:, :3] == 0)
    assert not torch.allclose(logits, model.logits(x))  # and the output depends on it


def test_ablation_reaches_every_call_and_evaluate(tmp_path: Path) -> None:
    model = _model(Branches)
    data = _dataset(12, np.arange(12) % 3)
    x = data.batch(range(12), model.input_shape)
    cache = ArrayCache(tmp_path)
    plain = deepling.evaluate(model, data, cache=cache)
    ablations = [Ablation.zero("cat", range(10))]  # everything after cat sees zeros
    with ablate(model, ablations):
        probs = model.predict(x)
        evaluated = deepling.evaluate(model, data, cache=cache)  # not the cached plain run
        reduced = model.reduce(x, {"cat": nn.Flatten()})["cat"]
        tapped = model.tap(model.normalise(x), ["relu"])["relu"]
    assert torch.all(reduced == 0) and torch.all(tapped == 0)
    # With cat all zero, the output no longer depends on the image.
    torch.testing.assert_close(probs, probs[:1].expand_as(probs))
    np.testing.assert_allclose(evaluated.probabilities, probs.numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(evaluated.probabilities, plain.probabilities)
    again = deepling.evaluate(model, data, cache=cache)  # after exit: the plain run again
    np.testing.assert_array_equal(again.probabilities, plain.probabilities)


def test_mean_mode_sets_the_dataset_mean() -> None:
    model = _model(Branches)
    data = _dataset(10, np.zeros(10, dtype=np.int64))
    x = data.batch(range(10), model.input_shape)
    means = channel_statistics(model, data, "shared").mean
    with ablate(model, "shared", [2, 5], mode="mean", data=data):
        inside = model.activations(x, ["shared"])["shared"]
    for c in (2, 5):
        assert torch.allclose(inside[:, c], torch.full_like(inside[:, c], float(means[c])))
    explicit = make_ablation(model, "shared", [2], "mean", means=torch.as_tensor(means))
    assert explicit.values == (pytest.approx(float(means[2])),) and explicit.mode == "mean"


def test_restores_exactly_after_exit_and_after_an_error() -> None:
    model = _model(Branches)
    x = _images()
    before, outputs = _snapshot(model), model.logits(x)
    with ablate(model, "shared_1", [4]):
        assert not torch.equal(model.logits(x), outputs)
    assert _snapshot(model) == before
    assert torch.equal(model.logits(x), outputs)
    with pytest.raises(RuntimeError, match="inside"), ablate(model, [("relu", [0, 1])]):
        model.predict(x)
        raise RuntimeError("inside")
    assert _snapshot(model) == before and model.ablations == ()
    assert torch.equal(model.logits(x), outputs)


def test_nested_and_listed_ablations_combine() -> None:
    model = _model(Branches)
    x = _images()
    with ablate(model, "a", [0]), ablate(model, "b", [2]):
        nested = model.activations(x, ["cat"])["cat"]
        assert len(model.ablations) == 2
    with ablate(model, [("a", [0]), ("b", [2], "zero")]):
        listed = model.activations(x, ["cat"])["cat"]
    assert torch.all(nested[:, [0, 6]] == 0)  # cat = [a (4 channels), b (6)]
    torch.testing.assert_close(nested, listed)


def test_hook_fallback_counts_module_calls() -> None:
    model = _model(Untraceable)
    assert model.graph().approximate and {"act", "act_1"} <= set(model.graph().names)
    x = _images()
    before = _snapshot(model)
    plain = model.activations(x, ["act", "act_1"])
    with ablate(model, "act", [0, 2]):
        inside = model.activations(x, ["act", "act_1"])
        logits = model.logits(x)
    assert torch.all(inside["act"][:, [0, 2]] == 0)
    torch.testing.assert_close(inside["act"][:, [1, 3]], plain["act"][:, [1, 3]])
    assert torch.all(inside["act_1"][:, [0, 2]] == 0)  # zeros flow on through the second call
    assert not torch.allclose(logits, model.logits(x))
    with ablate(model, "act_1", [1]):
        second = model.activations(x, ["act", "act_1"])
    torch.testing.assert_close(second["act"], plain["act"])  # only the second call
    assert torch.all(second["act_1"][:, 1] == 0)
    assert _snapshot(model) == before


def test_bad_ablations_name_the_problem() -> None:
    model = _model(Branches)
    with pytest.raises(NotFoundError, match="nope"):
        make_ablation(model, "nope", [0])
    with pytest.raises(DeeplingError, match="channel 10 is out of range"):
        make_ablation(model, "shared", [10])
    with pytest.raises(DeeplingError, match="mode"):
        make_ablation(model, "shared", [1], "half")
    with pytest.raises(DeeplingError, match="means= .* or data="):
        make_ablation(model, "shared", [1], "mean")


def test_explicit_views_are_thread_safe() -> None:
    model = _model(Branches)
    x = _images(8)
    plain = model.logits(x)
    view = model.with_ablations([Ablation.zero("shared", range(5))])
    expected = view.logits(x)
    assert not torch.allclose(expected, plain)
    errors: list[str] = []

    def run(ablated: bool) -> None:
        # Close, not bit-equal: concurrent calls may split a reduction differently across
        # intra-op threads. Far closer than the plain and ablated outputs are to each other.
        for _ in range(20):
            got = (view if ablated else model).logits(x)
            if not torch.allclose(got, expected if ablated else plain, rtol=1e-5, atol=1e-6):
                errors.append("ablated" if ablated else "plain")

    threads = [threading.Thread(target=run, args=(i % 2 == 0,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # The context manager is per thread: another thread sees the plain model meanwhile.
    seen: list[torch.Tensor] = []
    with ablate(model, "shared", range(5)):
        t = threading.Thread(target=lambda: seen.append(model.logits(x)))
        t.start()
        t.join()
        assert torch.allclose(model.logits(x), expected, rtol=1e-5, atol=1e-6)
    assert torch.allclose(seen[0], plain, rtol=1e-5, atol=1e-6)


def test_ablation_changes_predictions_of_the_trained_mnist_cnn(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model = trained_mnist[0]
    held_out = mnist_split[1]
    last_conv = [n.name for n in model.graph().nodes if n.op == "conv2d"][-1]
    channels = model.graph()[last_conv].shape[0]
    effect = ablation_effect(model, held_out, [Ablation.zero(last_conv, range(channels // 2))])
    before, after = effect.before.accuracy, effect.after.accuracy
    assert before is not None and after is not None
    assert before > 0.9 and after < before - 0.02  # half the last conv off hurts
    assert effect.changed.size > 0.03 * len(held_out)
    changed = effect.changed
    assert np.all(effect.before.predictions[changed] != effect.after.predictions[changed])


@pytest.mark.reference
def test_horse_channels_of_alexnet_carry_horse(
    reference_alexnet: Path, cifar_test: ArrayDataset
) -> None:
    """On real CIFAR-10 with the trained reference demo: switching off the 16 channels of the
    last conv layer (its ReLU output) that fire most on horses costs horse accuracy far more
    than any other class's."""
    model = load_model("alexnet-cifar", reference_alexnet)
    horse = cifar_test.classes.index("horse")
    sample = np.concatenate([np.flatnonzero(cifar_test.labels == k)[:100] for k in range(10)])
    data = ArrayDataset(
        cifar_test.pixels[sample].numpy(),
        cifar_test.labels[sample],
        cifar_test.classes,
        "cifar-sample",
    )
    nodes = model.graph().nodes
    last_conv = max(i for i, n in enumerate(nodes) if n.op == "conv2d")
    relu = next(n.name for n in nodes[last_conv:] if n.op == "relu")
    horses = data.batch(np.flatnonzero(data.labels == horse).tolist(), model.input_shape)
    top = model.activations(horses, [relu])[relu].mean((0, 2, 3)).topk(16).indices.tolist()
    effect = ablation_effect(model, data, [Ablation.zero(relu, top)])
    drop = effect.before.recall - effect.after.recall
    assert drop[horse] > 0.25
    assert drop[horse] > 3 * np.abs(np.delete(drop, horse)).max()

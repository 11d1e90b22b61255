"""Checkpoint series, CKA, the projection over checkpoints, weight change and the comparison
of two evaluations, on a real 3-epoch MNIST run (``mnist_series``) and small exact cases."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from deepling import (
    Model,
    checkpoint_grid,
    checkpoint_projection,
    cka,
    evaluate,
    load_checkpoints,
    load_model,
    weight_change,
)
from deepling.analysis.cka import features_cka
from deepling.analysis.comparison import compare_evaluations
from deepling.errors import DeeplingError
from deepling.models.checkpoints import checkpoint_files, natural_key


def test_names_are_ordered_naturally(tmp_path: Path) -> None:
    for name in ("epoch_10.pt", "epoch_2.pt", "epoch_1.pt", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in checkpoint_files(tmp_path)] == [
        "epoch_1.pt",
        "epoch_2.pt",
        "epoch_10.pt",
    ]
    pattern = str(tmp_path / "epoch_*.pt")
    assert [p.stem for p in checkpoint_files(pattern)] == ["epoch_1", "epoch_2", "epoch_10"]
    listed = [tmp_path / "epoch_10.pt", tmp_path / "epoch_2.pt"]  # a list is ordered too
    assert [p.stem for p in checkpoint_files(listed)] == ["epoch_2", "epoch_10"]
    literal = tmp_path / "model[best].pt"  # an existing path is itself, not a pattern
    literal.write_bytes(b"")
    assert checkpoint_files(str(literal)) == [literal]
    assert sorted(["b2", "a10", "a9", "A1"], key=natural_key) == ["A1", "a9", "a10", "b2"]
    with pytest.raises(DeeplingError, match="No checkpoint file matches"):
        checkpoint_files(str(tmp_path / "run_*.pt"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DeeplingError, match="holds no checkpoint file"):
        checkpoint_files(empty)


def test_a_series_loads_lazily_and_in_order(mnist_series: Path) -> None:
    series = load_checkpoints("mnist-cnn", mnist_series)
    assert series.names == ["epoch_1", "epoch_2", "epoch_3"] and len(series) == 3
    last = series[-1]
    assert last is series[2] and last.name == "mnist-cnn epoch_3"
    alone = load_model("mnist-cnn", mnist_series / "epoch_3.pt")
    x = torch.rand(4, 1, 28, 28)
    torch.testing.assert_close(last.logits(x), alone.logits(x))
    assert not torch.equal(series[0].logits(x), last.logits(x))  # trained on between epochs
    with pytest.raises(IndexError):
        series[3]
    assert series.index("epoch_2") == 1


def test_a_checkpoint_that_does_not_fit_names_its_keys(mnist_series: Path, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(mnist_series, folder)
    state = torch.load(folder / "epoch_2.pt", weights_only=True)
    state["state_dict"]["fc2.weight"] = torch.zeros(5, 128)
    del state["state_dict"]["conv3.bias"]
    torch.save(state, folder / "epoch_2.pt")
    with pytest.raises(DeeplingError) as raised:
        load_checkpoints("mnist-cnn", folder)
    message = str(raised.value)
    assert "epoch_2.pt" in message and "conv3.bias" in message and "fc2.weight" in message


def _naive_hsic(k: np.ndarray, l: np.ndarray) -> float:  # noqa: E741 - the paper's names
    n = len(k)
    k, l = k.copy(), l.copy()  # noqa: E741
    np.fill_diagonal(k, 0)
    np.fill_diagonal(l, 0)
    one = np.ones(n)
    return float(
        (np.trace(k @ l) + (one @ k @ one) * (one @ l @ one) / ((n - 1) * (n - 2))
         - 2 / (n - 2) * one @ k @ l @ one) / (n * (n - 3))
    )  # fmt: skip


def test_cka_is_the_minibatch_unbiased_estimator() -> None:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(96, 20, generator=generator, dtype=torch.float64)
    y = torch.randn(96, 7, generator=generator, dtype=torch.float64) + x[:, :7]
    found = features_cka([x.float()], [y.float()], minibatch=48)[0, 0]
    halves = [(x[:48], y[:48]), (x[48:], y[48:])]
    cross = sum(_naive_hsic((a @ a.T).numpy(), (b @ b.T).numpy()) for a, b in halves)
    own_x = sum(_naive_hsic((a @ a.T).numpy(), (a @ a.T).numpy()) for a, _ in halves)
    own_y = sum(_naive_hsic((b @ b.T).numpy(), (b @ b.T).numpy()) for _, b in halves)
    assert found == pytest.approx(cross / np.sqrt(own_x * own_y), rel=1e-4)
    assert 0 < found < 1


def test_cka_is_one_for_the_same_layer_and_invariant_to_rotation_and_scale() -> None:
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(128, 30, generator=generator)
    q, _ = torch.linalg.qr(torch.randn(30, 30, generator=generator))
    other = torch.randn(128, 30, generator=generator)
    values = features_cka([x], [x, x @ q * 3.5, other], minibatch=64)[0]
    assert values[0] == pytest.approx(1, abs=1e-5) and values[1] == pytest.approx(1, abs=1e-4)
    assert abs(values[2]) < 0.2  # unrelated features


def test_streamed_cka_of_two_checkpoints(mnist_series: Path, mnist_split) -> None:  # type: ignore[no-untyped-def]
    series = load_checkpoints("mnist-cnn", mnist_series)
    data = mnist_split[1]
    same = cka(series[2], series[2], data, indices=range(256), minibatch=64)
    nodes = len(same)
    assert same.shape == (nodes, nodes) and np.allclose(np.diag(same), 1, atol=1e-4)
    between = cka(
        series[0],
        series[2],
        data,
        ["conv1", "fc2"],
        ["conv1", "fc2"],
        indices=range(256),
        minibatch=64,
    )
    x = data.batch(range(256), series[0].input_shape)
    direct = features_cka(
        [series[0].activations(x, [n])[n] for n in ("conv1", "fc2")],
        [series[2].activations(x, [n])[n] for n in ("conv1", "fc2")],
        minibatch=64,
    )
    np.testing.assert_allclose(between, direct, rtol=1e-4, atol=1e-5)
    assert between[0, 0] > between[1, 1]  # the first layer changes least over training
    with pytest.raises(DeeplingError, match="at least 4"):
        cka(series[0], series[2], data, indices=[0, 1, 2])


def test_identical_checkpoints_give_identical_layouts(mnist_series: Path, mnist_split) -> None:  # type: ignore[no-untyped-def]
    series = load_checkpoints("mnist-cnn", mnist_series)
    data = mnist_split[1]
    # The same weights in two separate models (loaded apart), then another epoch.
    last = series[series.index("epoch_3")]
    twice = [last, load_model("mnist-cnn", mnist_series / "epoch_3.pt"), series[1]]
    projection = checkpoint_projection(twice, data, "fc1", indices=range(300), pivots=20)
    assert projection.coords.shape == (3, 300, 2) and projection.nodes == ["fc1"] * 3
    assert projection.frames == [m.name for m in twice]
    np.testing.assert_array_equal(projection.coords[0], projection.coords[1])
    assert not np.allclose(projection.coords[1], projection.coords[2])
    assert projection.scores is not None and projection.scores.knn_layout.shape == (3,)
    assert np.abs(projection.coords).max() <= 1 + 1e-6


def _rotated(coords: np.ndarray, degrees: float, mirror: bool = False) -> np.ndarray:
    angle = np.radians(degrees)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centred = coords - coords.mean(axis=0)
    if mirror:
        centred = centred * np.array([1.0, -1.0])
    return np.asarray(centred @ rotation.T + coords.mean(axis=0))


def test_the_layers_by_checkpoints_grid(mnist_series: Path, mnist_split) -> None:  # type: ignore[no-untyped-def]
    series = load_checkpoints("mnist-cnn", mnist_series)
    data = mnist_split[1]
    last = series[2]
    models = [last, load_model("mnist-cnn", mnist_series / "epoch_3.pt"), series[0]]
    nodes = ["conv3", "fc1", "fc2"]
    grid = checkpoint_grid(models, data, nodes, indices=range(300), pivots=20)
    assert grid.coords.shape == (9, 300, 2)
    assert grid.nodes == [n for n in nodes for _ in models]  # row by row: frame l * T + t
    assert grid.frames == [m.name for m in models] * 3
    assert grid.scores is not None and grid.scores.knn_layout.shape == (9,)
    for layer in range(3):  # identical weights: identical layouts at every layer
        np.testing.assert_array_equal(grid.coords[3 * layer], grid.coords[3 * layer + 1])
    # Along depth, fc1 under the first checkpoint is aligned onto conv3 there (its only
    # neighbour): no rotation or mirror of it lies closer.
    below, cell = grid.coords[0].astype(np.float64), grid.coords[3].astype(np.float64)
    fitted = ((cell - below) ** 2).sum()
    for degrees, mirror in ((8, False), (-8, False), (0, True), (180, False)):
        assert ((_rotated(cell, degrees, mirror) - below) ** 2).sum() > fitted
    # Inside the grid, fc1 under the third checkpoint is aligned onto the mean of its two
    # neighbours: fc1 one checkpoint earlier and conv3 at the same checkpoint.
    target = (grid.coords[4].astype(np.float64) + grid.coords[2]) / 2
    cell = grid.coords[5].astype(np.float64)
    fitted = ((cell - target) ** 2).sum()
    for degrees, mirror in ((8, False), (-8, False), (0, True), (180, False)):
        assert ((_rotated(cell, degrees, mirror) - target) ** 2).sum() > fitted
    with pytest.raises(DeeplingError, match="at least one layer"):
        checkpoint_grid(models, data, [], indices=range(10))
    with pytest.raises(DeeplingError, match="each layer once"):
        checkpoint_grid(models, data, ["fc1", "fc1"], indices=range(10))


def test_weight_change_per_layer(mnist_series: Path) -> None:
    series = load_checkpoints("mnist-cnn", mnist_series)
    still = weight_change(series[1], series[1])
    assert [c.node for c in still] == ["conv1", "conv2", "conv3", "fc1", "fc2"]
    assert all(c.relative == 0 for c in still)
    moved = weight_change(series[0], series[2])
    first = dict(series[0].module.named_parameters())
    last = dict(series[2].module.named_parameters())
    before = torch.cat([first["conv1.weight"].flatten(), first["conv1.bias"]]).detach()
    after = torch.cat([last["conv1.weight"].flatten(), last["conv1.bias"]]).detach()
    expected = float((after - before).norm() / before.norm())
    assert moved[0].relative == pytest.approx(expected, rel=1e-5) and moved[0].params == 160
    other = Model(
        nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), (1, 28, 28), classes=series[0].classes
    )
    with pytest.raises(DeeplingError, match="not checkpoints of one architecture"):
        weight_change(series[0], other)


def test_comparison_of_two_evaluations(mnist_series: Path, mnist_split) -> None:  # type: ignore[no-untyped-def]
    series = load_checkpoints("mnist-cnn", mnist_series)
    data = mnist_split[1]
    a, b = evaluate(series[0], data), evaluate(series[2], data)
    found = compare_evaluations(before=a, after=b)
    np.testing.assert_array_equal(found.confusion, b.confusion - a.confusion)
    right_a, right_b = a.predictions == a.labels, b.predictions == b.labels
    assert found.fixed.tolist() == np.flatnonzero(~right_a & right_b).tolist()
    assert found.broken.tolist() == np.flatnonzero(right_a & ~right_b).tolist()
    assert set(found.fixed) | set(found.broken) <= set(found.changed)
    assert len(found.fixed) - len(found.broken) == int(
        np.trace(b.confusion) - np.trace(a.confusion)
    )

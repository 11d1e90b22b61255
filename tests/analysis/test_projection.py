"""Layer projections on a trained model and real digits."""

from __future__ import annotations

import numpy as np
import torch

from deepling import layer_projection
from deepling.analysis.projection import default_nodes


def _separation(coords: np.ndarray, labels: np.ndarray) -> float:
    """Distance between the two class centroids relative to the mean spread."""
    a, b = coords[labels == labels[0]].mean(0), coords[labels != labels[0]].mean(0)
    spread = np.linalg.norm(coords - coords.mean(0), axis=1).mean()
    return float(np.linalg.norm(a - b) / spread)


def test_classes_separate_from_input_to_output(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    model, data = trained_mnist[0], mnist_split[1]
    picked = [i for i in range(len(data)) if data.labels[i] in (4, 9)][:120]  # look-alikes
    labels = data.labels[picked]
    projection = layer_projection(model, data.batch(picked, model.input_shape), pivots=30)
    assert projection.nodes == default_nodes(model.graph())
    assert "flatten" not in projection.nodes and projection.nodes[0] == "x"
    assert projection.coords.shape == (len(projection.nodes), 120, 2)
    assert projection.coords.dtype == np.float32
    assert np.allclose(np.abs(projection.coords).max(axis=(1, 2)), 1.0)
    first, last = projection.coords[0], projection.coords[-1]
    assert _separation(last, labels) > 1.5 * _separation(first, labels)


def test_identical_layers_get_identical_aligned_layouts(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    model, data = trained_mnist[0], mnist_split[1]
    x = data.batch(range(80), model.input_shape)
    projection = layer_projection(model, x, nodes=["conv2", "conv2", "fc1"], pivots=20)
    assert np.allclose(projection.coords[0], projection.coords[1], atol=1e-5)


def test_activations_are_streamed_not_kept(trained_mnist, mnist_split, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    model, data = trained_mnist[0], mnist_split[1]
    x = data.batch(range(600), model.input_shape)
    full_activations: list[int] = []
    reduced: list[tuple[int, tuple[int, ...]]] = []
    activations, reduce = model.activations, model.reduce

    def record_activations(images, nodes, batch_size=256):  # type: ignore[no-untyped-def]
        full_activations.append(images.shape[0])
        return activations(images, nodes, batch_size)

    def record_reduce(images, reducers, batch_size=256, progress=None):  # type: ignore[no-untyped-def]
        out = reduce(images, reducers, batch_size, progress)
        reduced.extend((images.shape[0], tuple(v.shape)) for v in out.values())
        return out

    monkeypatch.setattr(model, "activations", record_activations)
    monkeypatch.setattr(model, "reduce", record_reduce)
    projection = layer_projection(model, x, pivots=10, batch_size=100)
    # Whole activations only for the pivot sample; all 600 images pass once, keeping N x k.
    assert sum(full_activations) <= 2 * 256 and max(full_activations) <= 256
    assert reduced == [(600, (600, 10))] * len(projection.nodes)


def test_degenerate_requests(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    empty = layer_projection(model, torch.rand(0, 1, 28, 28))
    assert empty.coords.shape == (len(default_nodes(model.graph())), 0, 2)
    two = layer_projection(model, torch.rand(2, 1, 28, 28), nodes=["fc2"])
    assert two.coords.shape == (1, 2, 2) and np.isfinite(two.coords).all()

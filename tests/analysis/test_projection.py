"""Layer projections on a trained model and real digits, and how well they separate classes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepling import layer_projection
from deepling.analysis import projection as projection_module
from deepling.analysis.projection import PivotDistances, Projection, default_nodes
from deepling.analysis.separability import (
    knn_accuracy,
    knn_and_silhouette,
    majority_share,
    silhouette_score,
)
from deepling.cache import ArrayCache


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
    sampled: list[int] = []  # images whose whole activations were taken (the pivot sample)
    batches: list[int] = []
    reduced: dict[str, int] = {}
    reduce_stream = model.reduce_stream

    def record_reduce_stream(stream, reducers):  # type: ignore[no-untyped-def]
        keeps_distances = all(isinstance(r, PivotDistances) for r in reducers.values())
        for positions, found in reduce_stream(stream, reducers):
            if not keeps_distances:
                sampled.append(len(positions))
                yield positions, found
                continue
            batches.append(len(positions))
            for name, rows in found.items():
                assert rows.shape == (len(positions), 10)  # only the distances to 10 pivots
                reduced[name] = reduced.get(name, 0) + len(rows)
            yield positions, found

    monkeypatch.setattr(model, "reduce_stream", record_reduce_stream)
    projection = layer_projection(model, x, pivots=10, batch_size=100, labels=data.labels[:600])
    assert projection.scores is not None  # scored without another look at the activations
    # Whole activations only for the pivot sample (200 images, once per chunk of layers); all
    # 600 images pass once, keeping N x k.
    assert sampled and max(sampled) <= 256 and sum(sampled) % 200 == 0
    assert batches == [100] * 6
    assert reduced == {name: 600 for name in projection.nodes}


def test_degenerate_requests(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    empty = layer_projection(model, torch.rand(0, 1, 28, 28))
    assert empty.coords.shape == (len(default_nodes(model.graph())), 0, 2)
    two = layer_projection(model, torch.rand(2, 1, 28, 28), nodes=["fc2"])
    assert two.coords.shape == (1, 2, 2) and np.isfinite(two.coords).all()


# Separability scores (separability.py), cross-checked against sklearn on small data.


def _blobs(rng: np.random.Generator, classes: int, per_class: int, dim: int, spread: float):  # type: ignore[no-untyped-def]
    centres = rng.normal(size=(classes, dim)) * spread
    x = np.repeat(centres, per_class, axis=0) + rng.normal(size=(classes * per_class, dim))
    return x, np.repeat(np.arange(classes) * 3, per_class)  # labels 0, 3, 6…: not 0..C-1


@pytest.mark.parametrize("dim", [2, 300])
def test_scores_match_sklearn(dim: int) -> None:
    sklearn = pytest.importorskip("sklearn")
    from sklearn.metrics import silhouette_score as sk_silhouette
    from sklearn.model_selection import LeaveOneOut, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    assert sklearn.__version__
    rng = np.random.default_rng(dim)
    x, y = _blobs(rng, classes=4, per_class=30, dim=dim, spread=1.2 if dim == 2 else 0.25)
    y[rng.choice(len(y), 20, replace=False)] = -1  # unlabelled: left out of both scores
    kept = y >= 0
    expected = cross_val_score(KNeighborsClassifier(5), x[kept], y[kept], cv=LeaveOneOut())
    accuracy, silhouette = knn_and_silhouette(x, y)
    assert 0.3 < accuracy < 0.97  # neither trivial nor hopeless: the vote is really tested
    assert accuracy == pytest.approx(expected.mean(), abs=1e-12)
    assert knn_accuracy(x, y) == accuracy
    assert silhouette == pytest.approx(sk_silhouette(x[kept], y[kept]), abs=1e-6)
    assert silhouette_score(x, y) == pytest.approx(silhouette, abs=1e-12)
    for k in (1, 3):
        expected_k = cross_val_score(KNeighborsClassifier(k), x[kept], y[kept], cv=LeaveOneOut())
        assert knn_accuracy(x, y, neighbours=k) == pytest.approx(expected_k.mean(), abs=1e-12)


def test_separable_classes_score_one_shuffled_labels_score_chance() -> None:
    rng = np.random.default_rng(0)
    x, y = _blobs(rng, classes=4, per_class=200, dim=10, spread=20.0)
    accuracy, silhouette = knn_and_silhouette(x, y)
    assert accuracy == 1.0 and silhouette > 0.8
    shuffled = rng.permutation(y)
    accuracy, silhouette = knn_and_silhouette(x, shuffled)
    assert majority_share(shuffled) == 0.25
    assert abs(accuracy - 0.25) < 0.06 and abs(silhouette) < 0.05


def test_scores_need_two_classes() -> None:
    x = np.random.default_rng(0).normal(size=(20, 2))
    for labels in (np.zeros(20, dtype=int), np.full(20, -1), np.r_[np.full(19, -1), 2]):
        assert np.isnan(knn_and_silhouette(x, labels)).all()
        assert np.isnan(majority_share(labels))


def test_layer_scores_rise_from_input_to_output(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    model, data = trained_mnist[0], mnist_split[1]
    picked = [i for i in range(len(data)) if data.labels[i] in (4, 9, 7)][:300]
    labels = data.labels[picked].copy()
    labels[::10] = -1  # unlabelled images are projected but not scored
    x = data.batch(picked, model.input_shape)
    projection = layer_projection(model, x, pivots=30, labels=labels)
    plain = layer_projection(model, x, pivots=30)
    # The labels change no layout, and scores come only with labels.
    assert plain.scores is None and np.array_equal(plain.coords, projection.coords)
    scores = projection.scores
    assert scores is not None
    layers = len(projection.nodes)
    for values in (scores.knn_layout, scores.knn_full, scores.silhouette):
        assert values.shape == (layers,) and np.isfinite(values).all()
    # All labelled images score the layout; the full activations, the labelled ones among the
    # 200-image sample the pivots are chosen from.
    assert scores.layout_points == int((labels >= 0).sum())
    assert 150 < scores.full_points < 200
    assert scores.neighbours == 5 and scores.chance == pytest.approx(majority_share(labels))
    # The trained network separates 4, 7 and 9 at its last layer, far better than the pixels.
    assert scores.knn_full[-1] > 0.75 and scores.knn_layout[-1] > 0.75  # chance is about 1/3
    assert scores.knn_layout[-1] > scores.knn_layout[0] + 0.1
    assert scores.silhouette[-1] > scores.silhouette[0] + 0.2
    # The layout scores are those of the drawn coordinates (alignment and fit change neither).
    last = projection.coords[-1]
    assert scores.knn_layout[-1] == pytest.approx(knn_accuracy(last, labels), abs=1e-9)
    assert scores.silhouette[-1] == pytest.approx(silhouette_score(last, labels), abs=1e-5)


def test_layout_scores_are_bounded_and_saved_with_the_projection(  # type: ignore[no-untyped-def]
    trained_mnist, mnist_split, monkeypatch, tmp_path
) -> None:
    model, data = trained_mnist[0], mnist_split[1]
    monkeypatch.setattr(projection_module, "MAX_SCORED", 60)
    x = data.batch(range(150), model.input_shape)
    projection = layer_projection(
        model,
        x,
        nodes=["conv2", "fc1", "conv2"],
        pivots=10,
        labels=torch.as_tensor(data.labels[:150]),
    )
    scores = projection.scores
    assert scores is not None and scores.layout_points == 60 and scores.full_points == 150
    # A layer named twice scores the same both times.
    for values in (scores.knn_layout, scores.knn_full, scores.silhouette):
        assert values[0] == values[2]
    cache = ArrayCache(tmp_path)
    cache.save("projection", "k", projection.arrays())
    stored = cache.load("projection", "k")
    assert stored is not None
    loaded = Projection.from_arrays(stored)
    assert loaded.nodes == projection.nodes and np.array_equal(loaded.coords, projection.coords)
    assert loaded.scores is not None
    for name in ("knn_layout", "knn_full", "silhouette"):
        assert np.array_equal(getattr(loaded.scores, name), getattr(scores, name))
    assert (
        loaded.scores.neighbours,
        loaded.scores.layout_points,
        loaded.scores.full_points,
        loaded.scores.chance,
    ) == (5, 60, 150, scores.chance)
    # An entry without scores (no labels given) loads without them.
    bare = Projection.from_arrays(Projection(projection.nodes, projection.coords).arrays())
    assert bare.scores is None


def test_scores_of_unscorable_requests(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    x = torch.rand(12, 1, 28, 28)
    one_class = layer_projection(model, x, nodes=["fc1", "fc2"], labels=np.full(12, 3))
    assert one_class.scores is not None and np.isnan(one_class.scores.knn_layout).all()
    assert np.isnan(one_class.scores.knn_full).all() and np.isnan(one_class.scores.chance)
    empty = layer_projection(model, torch.rand(0, 1, 28, 28), labels=np.zeros(0, dtype=int))
    assert empty.scores is not None and empty.scores.knn_layout.shape == (len(empty.nodes),)
    with pytest.raises(ValueError, match="one per image"):
        layer_projection(model, x, labels=np.zeros(5, dtype=int))


def test_pivots_from_the_gram_matrix_are_max_min_pivots() -> None:
    from deepling.analysis.pivot_mds import max_min_pivots
    from deepling.analysis.projection import max_min_from_gram
    from deepling.analysis.separability import knn_accuracy_from_gram

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 700)).astype(np.float32)
    x[:30] = x[0]  # duplicates: never picked twice
    labels = rng.integers(-1, 4, 300)
    x[labels == 2] += 0.2
    gram = (torch.from_numpy(x) @ torch.from_numpy(x).T).double().numpy()
    for k in (1, 2, 40):
        expected = max_min_pivots(x, k, np.random.default_rng(k))
        chosen = max_min_from_gram(gram, k, np.random.default_rng(k))
        assert np.array_equal(chosen, expected) and len(set(chosen.tolist())) == k
    assert knn_accuracy_from_gram(gram, labels) == pytest.approx(knn_accuracy(x, labels), abs=1e-12)

"""PivotMDS and Procrustes alignment: exact properties, invariants and degenerate inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepling.analysis.pivot_mds import (
    choose_pivots,
    pivot_mds,
    procrustes_align,
    squared_distances,
)


def classical_mds(x: np.ndarray) -> np.ndarray:
    """Torgerson MDS from the full distance matrix: the reference PivotMDS must equal at k = N."""
    x = x.astype(np.float64)
    d2 = ((x[:, None] - x[None]) ** 2).sum(-1)
    n = len(x)
    j = np.eye(n) - 1.0 / n
    values, vectors = np.linalg.eigh(-0.5 * j @ d2 @ j)
    order = np.argsort(values)[::-1][:2]
    return vectors[:, order] * np.sqrt(values[order])


def rotation(angle: float) -> np.ndarray:
    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])


def test_equals_classical_mds_when_every_point_is_a_pivot() -> None:
    x = np.random.default_rng(0).normal(size=(80, 12))
    ours, reference = pivot_mds(x, k=80), classical_mds(x)
    # Equal up to the sign of each axis (eigenvectors have no sign), scale included.
    signs = np.sign((ours * reference).sum(axis=0))
    assert np.allclose(ours * signs, reference, atol=1e-4)


@pytest.mark.parametrize("k", [3, 10, 50])
def test_a_plane_in_high_dimensions_comes_back_as_that_plane(k: int) -> None:
    rng = np.random.default_rng(1)
    plane = rng.uniform(-1, 1, size=(400, 2))
    basis, _ = np.linalg.qr(rng.normal(size=(256, 2)))
    x = plane @ basis.T + rng.normal(size=256)  # embedded, shifted
    layout = pivot_mds(x, k=k)
    assert np.abs(procrustes_align(plane, layout) - plane).max() < 1e-3
    # Not just similar: an isometry (distances kept), so the scale is right too.
    i, j = rng.integers(0, 400, (2, 200))
    assert np.allclose(
        np.linalg.norm(layout[i] - layout[j], axis=1),
        np.linalg.norm(plane[i] - plane[j], axis=1),
        atol=1e-3,
    )


def test_a_mirrored_rotation_comes_back_onto_the_reference() -> None:
    reference = np.random.default_rng(2).normal(size=(50, 2))
    mirrored = (reference * [1, -1]) @ rotation(1.1) * 3.0 + [5, -2]
    assert np.allclose(procrustes_align(reference, mirrored), reference, atol=1e-9)


points = st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100)), min_size=3, max_size=30)


@settings(max_examples=60, deadline=None)
@given(points, st.floats(0, 2 * np.pi), st.floats(0.1, 10), st.booleans())
def test_alignment_undoes_any_similarity_transform(
    coords: list[tuple[float, float]], angle: float, scale: float, mirror: bool
) -> None:
    reference = np.array(coords)
    if np.ptp(reference, axis=0).min() < 1e-3:
        return  # collinear points: the mirror image is not unique
    moved = (reference * ([1, -1] if mirror else [1, 1])) @ rotation(angle) * scale + [3, 4]
    tolerance = 1e-6 * (1 + np.abs(reference).max())
    assert np.allclose(procrustes_align(reference, moved), reference, atol=tolerance)


@settings(max_examples=40, deadline=None)
@given(points)
def test_alignment_never_fits_worse_than_translation_alone(
    coords: list[tuple[float, float]],
) -> None:
    reference = np.array(coords)
    layout = np.random.default_rng(len(coords)).normal(size=reference.shape)
    aligned = procrustes_align(reference, layout)
    centred = layout - layout.mean(0) + reference.mean(0)
    assert ((aligned - reference) ** 2).sum() <= ((centred - reference) ** 2).sum() + 1e-9
    assert np.allclose(aligned.mean(0), reference.mean(0))


def test_degenerate_inputs() -> None:
    assert pivot_mds(np.zeros((0, 5))).shape == (0, 2)
    assert np.array_equal(pivot_mds(np.ones((1, 5))), np.zeros((1, 2)))
    two = pivot_mds(np.array([[0.0, 0, 0], [3, 4, 0]]))
    assert np.isclose(np.linalg.norm(two[0] - two[1]), 5.0)
    assert np.array_equal(pivot_mds(np.full((20, 7), 3.0)), np.zeros((20, 2)))  # constant layer
    dupes = np.repeat(np.random.default_rng(3).normal(size=(5, 4)), 10, axis=0)
    layout = pivot_mds(dupes, k=50)  # k > distinct points, duplicates
    assert np.isfinite(layout).all()
    assert np.allclose(layout[0], layout[1:10], atol=1e-6)  # duplicates land together
    line = np.outer(np.arange(10.0), [1, 2, 3])  # rank one
    flat = pivot_mds(line)
    assert np.isfinite(flat).all() and np.allclose(np.abs(flat[:, 1]), 0, atol=1e-6)


def test_distances_as_one_product_match_the_direct_formula() -> None:
    rng = np.random.default_rng(4)
    x, p = rng.normal(size=(30, 9)).astype(np.float32), rng.normal(size=(4, 9)).astype(np.float32)
    direct = ((x[:, None] - p[None]) ** 2).sum(-1)
    assert np.allclose(squared_distances(x, p), direct, rtol=1e-4, atol=1e-4)


def test_sketched_pivots_spread_like_exact_max_min() -> None:
    rng = np.random.default_rng(5)
    clusters = [rng.normal(c, 0.3, size=(3000, 8)) for c in range(-4, 5)]
    x = np.concatenate(clusters).astype(np.float32)
    exact = choose_pivots(x, 30, np.random.default_rng(0), sketch_size=len(x))
    sketched = choose_pivots(x, 30, np.random.default_rng(0), sketch_size=2048)

    def spread(indices: np.ndarray) -> float:  # the max-min objective: nearest-pivot distance
        d2 = squared_distances(x[indices], x[indices]) + np.eye(len(indices)) * 1e9
        return float(np.sqrt(d2.min()))

    assert len(set(sketched.tolist())) == 30
    assert spread(sketched) > 0.7 * spread(exact)

"""Faithfulness metrics measure what they claim: relevant pixels matter more than random ones,
ROAD's least-relevant-first curve stays above its most-relevant-first one, and the parts
(ranking, masks, areas, similarity) are exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from deepling.analysis.trust_curves import (
    Rankings,
    curve_area,
    perturbed_images,
    pixel_ranking,
    removal_masks,
)
from deepling.analysis.trust_faithfulness import METRICS, faithfulness, faithfulness_report
from deepling.analysis.trust_imputation import linear_imputation
from deepling.analysis.trust_similarity import average_ranks, rank_correlation, ssim
from deepling.data.base import ArrayDataset
from deepling.errors import DeeplingError
from deepling.models.loading import load_model
from deepling.models.model import Model


def test_ranking_puts_the_highest_first_and_breaks_ties_at_random() -> None:
    values = torch.tensor([[0.0, 3.0], [0.0, 1.0]])
    ranks = pixel_ranking(values, seed=0)
    assert ranks[0, 1] == 0 and ranks[1, 1] == 1
    assert sorted(ranks.flatten().tolist()) == [0, 1, 2, 3]
    ties = torch.zeros(32, 32)
    top_left = [int(pixel_ranking(ties, seed=s)[:4].lt(64).sum()) for s in range(3)]
    assert max(top_left) < 64  # a raster-order tie break would put rows 0-1 first


def test_masks_remove_the_counted_share_in_order() -> None:
    ranks = pixel_ranking(torch.arange(100.0).view(10, 10))
    masks = removal_masks(ranks, np.array([0.0, 0.29, 1.0]))
    assert masks.sum(dim=(1, 2)).tolist() == [0, 29, 100]
    assert bool(masks[1].view(-1)[-29:].all())  # the 29 highest values
    least = removal_masks(ranks, np.array([0.1]), least_first=True)
    assert bool(least[0].view(-1)[:10].all())


def test_least_relevant_is_the_smallest_magnitude_of_a_signed_map() -> None:
    signed = torch.tensor([[-5.0, 0.1], [3.0, -0.2]])
    ranks = Rankings.of(signed)
    most = removal_masks(ranks.value, np.array([0.25]))[0]
    least = removal_masks(ranks.magnitude, np.array([0.5]), least_first=True)[0]
    assert most.tolist() == [[False, False], [True, False]]
    assert least.tolist() == [[False, True], [False, True]]


def test_area_is_the_mean_height_over_the_range() -> None:
    assert curve_area(np.array([0.0, 0.5, 1.0]), np.array([1.0, 1.0, 1.0])) == 1.0
    assert curve_area(np.array([0.0, 0.9]), np.array([1.0, 0.0])) == pytest.approx(0.5)


def test_imputation_solves_the_neighbour_mean_system() -> None:
    image = torch.rand(1, 3, 12, 12, dtype=torch.float64)
    removed = torch.zeros(1, 12, 12, dtype=torch.bool)
    removed[0, 3:9, 3:9] = True
    filled = linear_imputation(image, removed)
    assert torch.equal(filled[:, :, ~removed[0]], image[:, :, ~removed[0]])
    kernel = torch.tensor([[1, 2, 1], [2, 0, 2], [1, 2, 1]], dtype=torch.float64) / 12
    means = torch.nn.functional.conv2d(filled.view(3, 1, 12, 12), kernel[None, None])
    inner = means.view(3, 10, 10)[:, 2:8, 2:8]  # the removed block, away from the border
    torch.testing.assert_close(inner, filled[0, :, 3:9, 3:9], atol=1e-5, rtol=0)
    constant = linear_imputation(torch.full((1, 1, 8, 8), 0.25), removed[:, :8, :8])
    torch.testing.assert_close(constant, torch.full((1, 1, 8, 8), 0.25))


def test_similarities_match_scipy_and_scikit_image() -> None:
    stats = pytest.importorskip("scipy.stats")
    metrics = pytest.importorskip("skimage.metrics")
    generator = torch.Generator().manual_seed(1)
    a = torch.rand(20, 24, generator=generator)
    b = (a + 0.3 * torch.rand(20, 24, generator=generator)).relu()
    a[a < 0.3] = 0  # ties
    values = a.flatten().numpy()
    np.testing.assert_allclose(average_ranks(values), stats.rankdata(values))
    expected = stats.spearmanr(a.flatten().numpy(), b.flatten().numpy()).statistic
    assert rank_correlation(a, b) == pytest.approx(expected, abs=1e-9)
    scaled_a, scaled_b = (a / a.max()).double().numpy(), (b / b.max()).double().numpy()
    reference = metrics.structural_similarity(scaled_a, scaled_b, data_range=1.0)
    assert ssim(a, b) == pytest.approx(reference, abs=1e-6)
    assert ssim(a, a) == pytest.approx(1.0)


def test_deletion_batches_are_the_image_with_pixels_blacked_out() -> None:
    image = torch.rand(3, 8, 8)
    ranks = Rankings.of(torch.rand(8, 8))
    frames = perturbed_images(image, ranks, "deletion", torch.Generator())
    assert torch.equal(frames[0], image) and frames[-1].abs().sum() == 0
    inserted = perturbed_images(image, ranks, "insertion", torch.Generator())
    assert torch.equal(inserted[-1], image) and not torch.equal(inserted[0], image)


def _faithful_setup(
    reference_alexnet: Path, cifar_test: ArrayDataset, n: int = 12
) -> tuple[Model, torch.Tensor]:
    model = load_model("alexnet-cifar", reference_alexnet)
    return model, cifar_test.batch(list(range(n)), model.input_shape)


def test_mnist_integrated_gradients_beat_a_random_order(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    digits = mnist_split[1].batch(list(range(12)), model.input_shape)
    metrics = ("deletion", "road_morf", "road_lerf")
    ig = faithfulness(model, digits, "integrated_gradients", metrics=metrics)
    random = faithfulness(model, digits, "random", metrics=metrics)
    assert ig["deletion"] < random["deletion"] - 0.2, (ig, random)
    assert ig["road_morf"] < random["road_morf"] - 0.2
    assert ig["road_lerf"] > ig["road_morf"] + 0.3


def test_reference_integrated_gradients_are_faithful(
    reference_alexnet: Path, cifar_test: ArrayDataset
) -> None:
    model, images = _faithful_setup(reference_alexnet, cifar_test)
    report = faithfulness_report(model, images, "integrated_gradients", metrics=METRICS[:4])
    random = faithfulness(model, images, "random", metrics=("deletion",))
    assert report.scores["deletion"] < random["deletion"]
    assert report.scores["road_lerf"] > report.scores["road_morf"]
    # Curve by curve, too: least relevant first stays above most relevant first on average.
    gap = report.curves["road_lerf"] - report.curves["road_morf"]
    assert gap[:, 1:].mean() > 0
    assert report.curves["deletion"].shape == (len(images), 21)


def test_report_shapes_targets_and_sensitivity(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    digits = mnist_split[1].batch([0, 1, 2], model.input_shape)
    report = faithfulness_report(model, digits, "saliency", target=3)
    assert report.targets.tolist() == [3, 3, 3]
    assert set(report.areas) == set(METRICS)
    assert report.curves["road_morf"].shape == (3, 10)
    # Every curve starts at the unchanged image's probability of the target.
    p = model.predict(digits)[:, 3].double().numpy()
    for name in ("deletion", "road_morf", "road_lerf"):
        np.testing.assert_allclose(report.curves[name][:, 0], p, rtol=1e-5)
    # The edge detector moves little under small noise; a random map is all change.
    edges = faithfulness(model, digits, "edges", metrics=("max_sensitivity",))
    random = faithfulness(model, digits, "random", metrics=("max_sensitivity",))
    assert edges["max_sensitivity"] < random["max_sensitivity"]


def test_bad_metrics_and_targets_are_refused(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    digits = mnist_split[1].batch([0, 1], model.input_shape)
    with pytest.raises(DeeplingError, match="road_morf"):
        faithfulness(model, digits, "saliency", metrics=("pointing_game",))
    with pytest.raises(DeeplingError, match="one per image"):
        faithfulness(model, digits, "saliency", target=[1, 2, 3])
    with pytest.raises(DeeplingError, match="out of range"):
        faithfulness(model, digits, "saliency", target=10)

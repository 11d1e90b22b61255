"""The native metrics agree with Quantus on the same inputs, through the product's own bridge
(``quantus_scores``), and the bridge runs Quantus's other metrics on Deepling's methods."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from deepling.analysis.trust_curves import Rankings, removal_masks
from deepling.analysis.trust_faithfulness import max_sensitivity
from deepling.analysis.trust_imputation import linear_imputation
from deepling.analysis.trust_methods import explain
from deepling.analysis.trust_quantus import quantus_scores
from deepling.data.base import ArrayDataset
from deepling.models.model import Model

quantus = pytest.importorskip("quantus", reason="Quantus (pip install 'deepling[quantus]')")


def _digits(
    model: Model, split: tuple[ArrayDataset, ArrayDataset], n: int
) -> tuple[torch.Tensor, np.ndarray]:
    x = split[1].batch(list(range(n)), model.input_shape)
    return x, model.logits(x).argmax(dim=1).numpy()


def test_imputation_matches_quantus_exact_solve_on_colour_images() -> None:
    from quantus.functions.perturb_func import noisy_linear_imputation

    generator = torch.Generator().manual_seed(0)
    images = torch.rand(3, 3, 24, 24, generator=generator, dtype=torch.float64)
    removed = (
        torch.rand(3, 24, 24, generator=generator) < torch.tensor([0.1, 0.5, 0.9])[:, None, None]
    )
    ours = linear_imputation(images, removed)
    for image, mask, mine in zip(images, removed, ours, strict=True):
        theirs = noisy_linear_imputation(image.numpy(), np.flatnonzero(mask.numpy()), noise=0.0)
        np.testing.assert_allclose(mine.numpy(), theirs, atol=1e-4)


def test_road_accuracy_matches_quantus_on_mnist(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    # Quantus's ROAD reads argmax accuracy after noiseless imputation of the most relevant
    # pixels (its RGB path fails: it indexes an H*W mask with C*H*W indices; MNIST is grey).
    model, _ = trained_mnist
    x, y = _digits(model, mnist_split, 10)
    maps = torch.stack([explain(model, x[i], "saliency", int(y[i])) for i in range(len(x))])
    percentages = [10, 30, 50, 70, 90]
    theirs = quantus_scores(
        model,
        x,
        "saliency",
        quantus.ROAD(percentages=percentages, noise=0.0, disable_warnings=True),
        targets=y,
        maps=maps,
    )
    fractions = np.array(percentages) / 100
    ours = []
    for i in range(len(x)):
        masks = removal_masks(Rankings.of(maps[i]).value, fractions)
        imputed = linear_imputation(x[i][None].expand(len(fractions), -1, -1, -1), masks)
        ours.append(model.logits(imputed).argmax(dim=1).numpy() == y[i])
    accuracy = np.mean(ours, axis=0)
    np.testing.assert_allclose(accuracy, [theirs[p] for p in percentages], atol=0.101)


def test_max_sensitivity_matches_quantus_with_the_same_noise(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    x, y = _digits(model, mnist_split, 3)
    samples = 4
    generator = torch.Generator().manual_seed(7)
    noise = (torch.rand((samples, *x.shape[1:]), generator=generator) * 2 - 1) * 0.05
    for method in ("saliency", "integrated_gradients"):
        for i in range(len(x)):
            draws = iter(noise.numpy())

            def same_noise(
                arr: np.ndarray, draws: Iterator[np.ndarray] = draws, **_: object
            ) -> np.ndarray:
                return arr + next(draws).reshape(1, -1)

            metric = quantus.MaxSensitivity(
                nr_samples=samples, perturb_func=same_noise, disable_warnings=True
            )
            theirs = quantus_scores(model, x[i : i + 1], method, metric, targets=y[i : i + 1])
            attribution = explain(model, x[i], method, int(y[i]))
            ours = max_sensitivity(model, x[i], method, int(y[i]), attribution, noise=noise)
            assert ours == pytest.approx(float(theirs[0]), rel=1e-3), method


def test_the_bridge_runs_other_quantus_metrics_on_deepling_methods(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    x, y = _digits(model, mnist_split, 4)
    sparseness = quantus_scores(
        model, x, "grad_cam", quantus.Sparseness(disable_warnings=True), targets=y
    )
    assert len(sparseness) == 4 and all(0 <= s <= 1 for s in sparseness)


def test_quantus_randomisation_explains_its_randomised_copy_and_flags_come_back(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    x, y = _digits(model, mnist_split, 2)
    model.plain_module.train()
    try:
        scores = quantus_scores(
            model,
            x,
            "saliency",
            quantus.MPRT(return_last_correlation=True, disable_warnings=True),
            targets=y,
        )
        assert model.plain_module.training  # the user's flag, put back
    finally:
        model.plain_module.eval()
    values = np.asarray(scores, dtype=float).ravel()
    assert values.size and np.all(values < 0.95), scores  # the maps did change

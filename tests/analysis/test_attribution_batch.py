"""Batched attribution (one call of the method for many images) gives each image the map it
gets alone, so metrics that explain many noisy copies can batch them."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from deepling.analysis.attribution import attribute, attribute_batch
from deepling.data.base import ArrayDataset
from deepling.errors import DeeplingError
from deepling.models.model import Model


@pytest.mark.parametrize("method", ["saliency", "integrated_gradients", "grad_cam", "occlusion"])
def test_each_image_of_a_batch_gets_its_own_map(
    trained_mnist: tuple[Model, Path],
    mnist_split: tuple[ArrayDataset, ArrayDataset],
    method: str,
) -> None:
    model, _ = trained_mnist
    images = mnist_split[1].batch([0, 1, 2], model.input_shape)
    targets = [3, 1, 7]
    batched = attribute_batch(model, images, method, targets)
    assert batched.shape == (3, 28, 28)
    for i in range(3):
        alone = attribute(model, images[i], method, targets[i])
        torch.testing.assert_close(batched[i], alone, rtol=1e-4, atol=1e-5)


def test_smoothgrad_batches_are_deterministic_and_default_to_the_predicted_class(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    images = mnist_split[1].batch([4, 5], model.input_shape)
    first = attribute_batch(model, images, "smoothgrad")
    torch.testing.assert_close(first, attribute_batch(model, images, "smoothgrad"))
    predicted = model.logits(images).argmax(dim=1)
    torch.testing.assert_close(first, attribute_batch(model, images, "smoothgrad", predicted))
    with pytest.raises(DeeplingError, match="one target per image"):
        attribute_batch(model, images, "saliency", [1])

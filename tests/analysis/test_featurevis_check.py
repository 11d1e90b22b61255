"""The feature-visualisation path check tells a natural top image from noise, and reports
the layers up to the channel's node."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from deepling.analysis.featurevis import feature_visualization
from deepling.analysis.featurevis_check import featurevis_check, path_layers
from deepling.analysis.top_activations import top_activations
from deepling.data.base import ArrayDataset
from deepling.errors import DeeplingError
from deepling.models.model import Model


def test_a_held_out_top_image_follows_and_noise_does_not(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    data = mnist_split[1]
    node, channel = "conv3", 2
    tops = data.batch(top_activations(model, data, node, channel, k=10).tolist(), model.input_shape)
    references = data.batch(list(range(500, 532)), model.input_shape)
    held_out = featurevis_check(model, tops[0], tops[1:], references, node, channel)
    noise = featurevis_check(
        model, torch.rand(model.input_shape), tops[1:], references, node, channel
    )
    assert held_out.verdict == "follows", held_out
    assert noise.mean_score < held_out.mean_score - 0.5
    assert held_out.layers == path_layers(model, node) and held_out.layers[-1] == node
    assert all(len(v) == len(held_out.layers) for v in (noise.top, noise.reference, noise.score))
    # The visualisation itself gets a number and a sentence with it.
    picture = feature_visualization(model, node, channel)
    check = featurevis_check(model, picture, tops, references, node, channel)
    assert f"{check.mean_score:.2f}" in check.sentence()


def test_the_check_needs_top_images_and_a_known_node(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    images = mnist_split[1].batch([0, 1, 2], model.input_shape)
    with pytest.raises(DeeplingError, match="2 top images"):
        featurevis_check(model, images[0], images[:1], images, "conv3", 0)
    with pytest.raises(DeeplingError, match="not a layer"):
        path_layers(model, "nope")

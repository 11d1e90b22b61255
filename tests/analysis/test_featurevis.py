"""Feature visualisation on trained models and real data: the result excites its channel more
than any real image, is a valid image at the input's shape, and leaves the model as found."""

from __future__ import annotations

import pytest
import torch

from deepling.analysis.featurevis import FeatureVisSettings, feature_visualization, layer_atlas
from deepling.analysis.featurevis_param import FourierImage, color_correlation
from deepling.cache import weights_digest
from deepling.data.base import ArrayDataset
from deepling.errors import DeeplingError, NotFoundError
from deepling.models.model import Model


def _channel_means(model: Model, images: torch.Tensor, node: str) -> torch.Tensor:
    """(N, C) spatial means of ``node``, without transforms."""
    acts = model.activations(images, [node])[node]
    return acts.reshape(acts.shape[0], acts.shape[1], -1).mean(dim=2)


def _held_out(mnist_split: tuple[ArrayDataset, ArrayDataset]) -> torch.Tensor:
    held = mnist_split[1]
    return held.batch(range(len(held)), (1, 28, 28))


def _selective_channels(real: torch.Tensor) -> list[int]:
    """Channels, strongest first, whose best real image reaches a tenth of the layer's
    strongest channel's: a dead or barely firing channel has nothing to show."""
    best = real.max(dim=0).values
    return [c for c in best.argsort(descending=True).tolist() if best[c] >= 0.1 * best.max()]


def test_grayscale_result_beats_every_real_digit(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    """Every third selective channel of the last conv ReLU, by strength: the visualisation
    excites it more than every one of the 1,000 held-out digits does, measured as it is
    optimised (the channel's mean over positions at the ReLU's output), typically 1.2-3
    times as much. Activation maximisation is not convex: a run can end in a local optimum
    (seed 0 did, just short of the best digit, on 2 of the ~320 selective channels of 8
    models trained with other seeds and thread counts), so a channel gets up to two
    restarts, and seed 0 alone must win on nearly all channels."""
    model = trained_mnist[0]
    real = _channel_means(model, _held_out(mnist_split), "relu_2")
    channels = _selective_channels(real)[::3]
    assert len(channels) >= 8, f"only {len(channels)} selective channels to check"
    first_seed_wins = 0
    for channel in channels:
        best = real[:, channel].max()
        tried = []
        for seed in range(3):
            image = feature_visualization(
                model, "relu_2", channel, FeatureVisSettings(steps=256, seed=seed)
            )
            assert image.shape == (1, 28, 28)
            assert image.min() >= 0 and image.max() <= 1
            assert image.max() - image.min() > 0.2, "a flat image shows nothing"
            tried.append(float(_channel_means(model, image[None], "relu_2")[0, channel]))
            if tried[-1] > best:
                break
        assert tried[-1] > best, f"channel {channel}: {tried} <= best real digit {best:.3f}"
        first_seed_wins += len(tried) == 1
    assert first_seed_wins >= 0.8 * len(channels), f"seed 0 won {first_seed_wins}/{len(channels)}"


def test_same_seed_same_image_and_other_seed_differs(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    a = feature_visualization(model, "relu_1", 3, FeatureVisSettings(steps=16, seed=1))
    b = feature_visualization(model, "relu_1", 3, FeatureVisSettings(steps=16, seed=1))
    c = feature_visualization(model, "relu_1", 3, FeatureVisSettings(steps=16, seed=2))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_class_logit_objective_reaches_its_class(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    for digit in (0, 3):
        image = feature_visualization(
            model, None, digit, FeatureVisSettings(steps=128)
        )  # None: the output
        assert model.predict(image[None])[0].argmax() == digit


def test_model_left_as_found(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    module = model.module
    module.train()
    module.fc2.weight.requires_grad_(False)  # a mix of flags, each must come back as it was
    flags = [p.requires_grad for p in module.parameters()]
    digest = weights_digest(module)
    try:
        feature_visualization(model, "relu", 0, FeatureVisSettings(steps=8))
        layer_atlas(model, "relu", FeatureVisSettings(steps=4), channels=[0, 1])
        assert all(m.training for m in module.modules())
        assert [p.requires_grad for p in module.parameters()] == flags
        assert all(p.grad is None for p in module.parameters())
        assert weights_digest(module) == digest
    finally:
        module.fc2.weight.requires_grad_(True)
        module.eval()


def test_layer_atlas_each_image_excites_its_own_channel(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    atlas = layer_atlas(
        model, "relu_1", FeatureVisSettings(steps=128), batch_size=12
    )  # 32 channels, 3 batches
    assert atlas.shape == (32, 1, 28, 28)
    means = _channel_means(model, atlas, "relu_1")  # (image, channel)
    own = means.diagonal()
    others = (means.sum(dim=0) - own) / (means.shape[0] - 1)
    wins = (own > others).float().mean()
    assert wins >= 0.9, f"image c excites channel c more than the others do for only {wins:.0%}"


def test_bad_arguments_are_named(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    with pytest.raises(DeeplingError, match="channel 16"):
        feature_visualization(model, "relu", 16)
    with pytest.raises(NotFoundError):
        feature_visualization(model, "no_such_node", 0)
    with pytest.raises(DeeplingError, match="input"):
        feature_visualization(model, "x", 0)
    with pytest.raises(DeeplingError, match="settings must be a FeatureVisSettings"):
        feature_visualization(model, "relu", 0, 8)  # type: ignore[arg-type]  # the old steps


def test_colour_correlation_from_real_images(cifar_test) -> None:  # type: ignore[no-untyped-def]
    root = color_correlation(cifar_test, (3, 32, 32), samples=256)
    assert root.shape == (3, 3)
    assert torch.isclose(root.norm(dim=0).max(), torch.tensor(1.0))
    # RGB are strongly correlated in natural images: the leading component mixes all three.
    assert (root[:, 0].abs() > 0.3).all()
    image = FourierImage(2, (3, 32, 32), color=root).pixels()
    assert image.shape == (2, 3, 32, 32) and 0 <= image.min() and image.max() <= 1


@pytest.mark.reference
def test_cifar_alexnet_visualisation_beats_every_real_image(reference_alexnet, cifar_test) -> None:  # type: ignore[no-untyped-def]
    """The reference demo: late-conv channels of AlexNet on the 10,000 real CIFAR test images."""
    from deepling.models.loading import load_model

    model = load_model("alexnet-cifar", reference_alexnet)
    node, channels = "features_16", [5, 40]
    atlas = layer_atlas(
        model, node, FeatureVisSettings(steps=256), channels=channels, data=cifar_test
    )
    real = torch.cat(
        [
            _channel_means(
                model, cifar_test.batch(range(s, min(s + 2000, len(cifar_test))), (3, 32, 32)), node
            )[:, channels]
            for s in range(0, len(cifar_test), 2000)
        ]
    )
    ours = _channel_means(model, atlas, node)[:, channels].diagonal()
    assert (ours > real.max(dim=0).values).all(), f"{ours} vs {real.max(dim=0).values}"
    # Readable, not saturated noise: without the pull towards grey ~70% of these pixels end
    # at pure 0 or 1.
    saturated = ((atlas < 0.02) | (atlas > 0.98)).float().mean()
    assert saturated < 0.1, f"{saturated:.0%} of pixels saturated"

"""Occlusion sensitivity on the trained MNIST CNN: covering the digit costs more probability
than covering the empty border; batching does not change the map."""

from __future__ import annotations

import pytest
import torch

from deepling import occlusion_sensitivity
from deepling.errors import DeeplingError


def test_occluding_the_digit_lowers_the_probability_more(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    """With the default patch (8 px, stride 4) on 32 held-out digits: covering the strokes
    costs the predicted class probability on every digit, and more than covering the empty
    border on nearly all. Grey on MNIST's black border is itself a change the model notices,
    and how much differs from one trained model to the next: on models trained with other
    seeds and thread counts the strokes cost more on 94-100% of these digits (with 4-px
    patches only 81-94%, and as a ratio of means anything from 1.0 to 2.2)."""
    model = trained_mnist[0]
    data = mnist_split[1]
    x = data.batch(range(32), model.input_shape)
    flags = [m.training for m in model.module.modules()]
    ring = torch.ones(28, 28, dtype=torch.bool)
    ring[4:24, 4:24] = False  # the outer 4 pixels: empty in MNIST digits
    strokes_cost_more = 0
    for i, image in enumerate(x):
        result = occlusion_sensitivity(model, image)
        assert result.drop.shape == (28, 28)
        assert result.target == int(model.predict(image[None])[0].argmax())
        ink = image[0] > 0.3  # the digit's strokes
        strokes, border = float(result.drop[ink].mean()), float(result.drop[ring & ~ink].mean())
        assert strokes > 0, f"digit {i}: covering its strokes costs nothing ({strokes:.4f})"
        strokes_cost_more += strokes > border
    assert strokes_cost_more >= 0.85 * len(x), f"strokes cost more on {strokes_cost_more}/32"
    assert [m.training for m in model.module.modules()] == flags


def test_batching_does_not_change_the_map(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    image = mnist_split[1].batch([5], model.input_shape)[0]
    batched = occlusion_sensitivity(model, image, target=3, patch=7, stride=3, batch_size=64)
    single = occlusion_sensitivity(model, image, target=3, patch=7, stride=3, batch_size=1)
    # Batches of 64 and of 1 run through different kernels: float32 probabilities differ by
    # up to ~1e-6 (8e-7 seen), a thousandth of the drops the map shows.
    torch.testing.assert_close(batched.drop, single.drop, rtol=0, atol=1e-5)
    reports: list[tuple[int, int]] = []
    occlusion_sensitivity(
        model, image, patch=7, stride=7, batch_size=5, progress=lambda d, t: reports.append((d, t))
    )
    assert reports[-1] == (16, 16) and reports[0] == (0, 16)


def test_bad_parameters_are_refused(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    image = torch.rand(1, 28, 28)
    for kwargs in ({"patch": 0}, {"patch": 29}, {"patch": 4, "stride": 5}, {"target": 10}):
        with pytest.raises(DeeplingError):
            occlusion_sensitivity(model, image, **kwargs)  # type: ignore[arg-type]

"""Occlusion sensitivity on the trained MNIST CNN: covering the digit costs more probability
than covering the empty border; batching does not change the map."""

from __future__ import annotations

import pytest
import torch

from deepling import occlusion_sensitivity
from deepling.errors import DeeplingError


def test_occluding_the_digit_lowers_the_probability_more(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    data = mnist_split[1]
    x = data.batch(range(8), model.input_shape)
    flags = [m.training for m in model.module.modules()]
    centre, border = [], []
    for image in x:
        result = occlusion_sensitivity(model, image, patch=4, stride=2)
        assert result.drop.shape == (28, 28)
        assert result.target == int(model.predict(image[None])[0].argmax())
        ink = image[0] > 0.3  # the digit's strokes
        ring = torch.ones(28, 28, dtype=torch.bool)
        ring[4:24, 4:24] = False  # the outer 4 pixels: empty in MNIST digits
        centre.append(float(result.drop[ink].mean()))
        border.append(float(result.drop[ring & ~ink].abs().mean()))
    ratios = sorted(c / max(b, 1e-9) for c, b in zip(centre, border, strict=True))
    # Grey on MNIST's black border is itself a change the model notices, so the contrast is
    # moderate: the strokes cost more on 7 of 8 images, and about twice as much typically.
    assert sum(r > 1.2 for r in ratios) >= 7 and ratios[4] > 1.5, ratios
    assert [m.training for m in model.module.modules()] == flags


def test_batching_does_not_change_the_map(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    image = mnist_split[1].batch([5], model.input_shape)[0]
    batched = occlusion_sensitivity(model, image, target=3, patch=7, stride=3, batch_size=64)
    single = occlusion_sensitivity(model, image, target=3, patch=7, stride=3, batch_size=1)
    assert torch.allclose(batched.drop, single.drop, atol=1e-6)
    reports: list[tuple[int, int]] = []
    occlusion_sensitivity(model, image, patch=7, stride=7, batch_size=5,
                          progress=lambda d, t: reports.append((d, t)))  # fmt: skip
    assert reports[-1] == (16, 16) and reports[0] == (0, 16)


def test_bad_parameters_are_refused(trained_mnist) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    image = torch.rand(1, 28, 28)
    for kwargs in ({"patch": 0}, {"patch": 29}, {"patch": 4, "stride": 5}, {"target": 10}):
        with pytest.raises(DeeplingError):
            occlusion_sensitivity(model, image, **kwargs)  # type: ignore[arg-type]

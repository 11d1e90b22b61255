"""The parts of a feature visualisation step that are written out by hand instead of recorded
by autograd: each checked against the PyTorch computation it replaces."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from deepling.analysis.featurevis_optim import AscentAdam
from deepling.analysis.featurevis_param import FourierImage, color_correlation
from deepling.analysis.featurevis_transforms import RandomAffine, affine_grids


def _reference_logits(image: FourierImage, spectrum: torch.Tensor) -> torch.Tensor:
    """The parameterisation as plain differentiable torch ops."""
    _, height, width = image.shape
    pixels = torch.fft.irfft2(
        torch.view_as_complex(spectrum * image.scale), s=(height, width), norm="ortho"
    )
    if image.color is not None:
        pixels = torch.einsum("cd,bdhw->bchw", image.color, pixels)
    return pixels


@pytest.mark.parametrize("shape", [(3, 32, 32), (1, 28, 28), (3, 15, 17), (2, 8, 6)])
@pytest.mark.parametrize("batch", [1, 3])
def test_ascent_direction_is_the_exact_gradient_up_to_its_scale(
    shape: tuple[int, int, int], batch: int
) -> None:
    """The hand-written adjoint, times ``gradient_scale``, equals autograd's gradient of the
    spectrum, including odd sizes and the imaginary parts of the 0 and Nyquist frequencies
    (which irfft2 ignores, so their gradient must be 0)."""
    generator = torch.Generator().manual_seed(0)
    color = color_correlation(None) if shape[0] == 3 else None
    image = FourierImage(batch, shape, decay=1.5, color=color, sd=1.0, generator=generator)
    spectrum = image.spectrum.clone().requires_grad_()
    expected_logits = _reference_logits(image, spectrum)
    scale = expected_logits.detach().abs().max().item()
    assert torch.allclose(image.logits(), expected_logits, atol=1e-5 * scale)

    upstream = torch.randn(expected_logits.shape, generator=generator)
    (expected,) = torch.autograd.grad(expected_logits, spectrum, upstream)
    ours = image.ascent_direction(upstream) * image.gradient_scale
    assert ours.shape == image.spectrum.shape
    assert torch.allclose(ours, expected, atol=1e-4 * expected.abs().max().item())
    # The direction differs from the gradient only by a positive factor per coordinate: the
    # signs agree wherever the gradient is not zero.
    direction = image.ascent_direction(upstream)
    nonzero = expected.abs() > 1e-3 * expected.abs().max()
    assert torch.equal(direction[nonzero].sign(), expected[nonzero].sign())


def test_fused_and_unfused_adamw_take_the_same_steps() -> None:
    generator = torch.Generator().manual_seed(0)
    start = torch.randn(2, 3, 8, 5, 2, generator=generator)
    grads = [torch.randn(start.shape, generator=generator) * 10**-k for k in range(20)]
    results = []
    for fused in (True, False):
        param = start.clone()
        adam = AscentAdam(param, 0.01, shrink=0.05, fused=fused)
        assert adam.fused == (fused and hasattr(torch, "_fused_adamw_"))
        for grad in grads:
            adam.step(grad)
        results.append(param)
    assert torch.allclose(results[0], results[1], atol=1e-6)
    assert not torch.allclose(results[0], start)


def test_adamw_is_torch_adamw_maximising() -> None:
    """The ascent steps are torch.optim.AdamW's with ``maximize`` and weight decay
    ``shrink / lr``."""
    generator = torch.Generator().manual_seed(1)
    start = torch.randn(4, 6, generator=generator)
    grads = [torch.randn(4, 6, generator=generator) for _ in range(10)]
    ours = start.clone()
    adam = AscentAdam(ours, 0.02, shrink=0.1)
    theirs = start.clone().requires_grad_()
    reference = torch.optim.AdamW([theirs], lr=0.02, weight_decay=0.1 / 0.02, maximize=True)
    for grad in grads:
        adam.step(grad)
        theirs.grad = grad.clone()
        reference.step()
    assert torch.allclose(ours, theirs.detach(), atol=1e-6)


def test_ascent_moves_uphill() -> None:
    param = torch.zeros(5)
    adam = AscentAdam(param, 0.1)
    for _ in range(10):
        adam.step(torch.tensor([1.0, -1.0, 0.0, 2.0, -0.5]))
    assert param[0] > 0 and param[1] < 0 and param[2] == 0 and param[3] > 0 and param[4] < 0


@pytest.mark.parametrize("size", [(32, 32), (28, 28), (15, 17)])
def test_affine_grids_equal_torch_affine_grid(size: tuple[int, int]) -> None:
    height, width = size
    thetas = RandomAffine(jitter=2.0, scale=0.05, degrees=5.0).thetas(
        16, height, width, torch.Generator().manual_seed(0)
    )
    expected = F.affine_grid(thetas, [16, 3, height, width], align_corners=False)
    assert torch.allclose(affine_grids(thetas, height, width), expected, atol=1e-6)


def test_model_input_affine_is_its_normalisation() -> None:
    from torch import nn

    from deepling.models.model import Model

    model = Model(
        nn.Conv2d(3, 4, 3), (3, 8, 8), classes=["a"], mean=[0.4, 0.5, 0.6], std=[0.2, 0.25, 0.3]
    )
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    scale, shift = model.input_affine()
    assert torch.allclose(x * scale + shift, model.normalise(x), atol=1e-6)


def test_adam_steps_ignore_a_fixed_positive_factor_per_coordinate() -> None:
    """Why ``ascent_direction`` may skip the 1/f scale: AdamW fed ``g * factor`` takes the
    same steps as fed ``g``, for any fixed positive ``factor`` (here spanning 1e-2 to 1e3)."""
    generator = torch.Generator().manual_seed(2)
    start = torch.randn(3, 7, generator=generator)
    factor = 10 ** (torch.rand(3, 7, generator=generator) * 5 - 2)
    grads = [torch.randn(3, 7, generator=generator) for _ in range(30)]
    plain, scaled = start.clone(), start.clone()
    adam_plain = AscentAdam(plain, 0.01, shrink=0.05)
    adam_scaled = AscentAdam(scaled, 0.01, shrink=0.05)
    for grad in grads:
        adam_plain.step(grad)
        adam_scaled.step(grad * factor)
    assert torch.allclose(plain, scaled, atol=1e-5)


def test_redirected_relu_gradient() -> None:
    """A ReLU node is optimised at its output: the true gradient for an image where any unit
    fires; for an image where none does (no gradient through the ReLU at all), the gradient
    as if there were no ReLU, keeping only the parts that push inputs up."""
    from deepling.analysis.featurevis import _RedirectedReLU

    x = torch.tensor([[[-1.0, 2.0, -3.0]], [[-1.0, -2.0, -3.0]]], requires_grad=True)
    state = [True]
    out = _RedirectedReLU.apply(x, state)
    assert torch.equal(out, x.detach().clamp(min=0))
    upstream = torch.tensor([[[1.0, 1.0, -1.0]], [[1.0, 0.5, -1.0]]])
    (grad,) = torch.autograd.grad(out, x, upstream)
    assert torch.equal(grad[0], torch.tensor([[0.0, 1.0, 0.0]]))  # fires: the true gradient
    assert torch.equal(grad[1], torch.tensor([[1.0, 0.5, 0.0]]))  # silent: redirected upwards
    assert state == [True]  # an image was silent
    (grad,) = torch.autograd.grad(_RedirectedReLU.apply(x[:1], state).sum(), x)
    assert state == [False] and torch.equal(grad[0], torch.tensor([[0.0, 1.0, 0.0]]))

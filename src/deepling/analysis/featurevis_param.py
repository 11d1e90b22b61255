"""Image parameterisations for feature visualisation: a Fourier spectrum with a 1/f decay and,
for RGB inputs, decorrelated colour (as Lucid does), mapped to pixel space [0, 1] by a sigmoid.

Optimising pixels directly yields high-frequency noise that excites a channel without showing
anything; scaling each frequency by ``1 / f**decay`` equalises the gradient across frequencies,
and decorrelating colour lets the optimiser move luminance and hue independently.

The parameterisation is linear up to the sigmoid, so its forward map and its adjoint are
written out (one irfft2 and one rfft2, plus a 3x3 colour mix for RGB) and autograd records
only the model's part of a step: at batch 1 and 32 px that made a whole step about 10%
cheaper than recording them (see benchmarks/bench_featurevis.py).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from deepling.data.base import Dataset

# The square root of ImageNet's RGB colour covariance (Lucid's ``color_correlation_svd_sqrt``):
# the fallback where no dataset is given to estimate the model's own.
IMAGENET_COLOR_SQRT = ((0.26, 0.09, 0.02), (0.27, 0.00, -0.05), (0.27, -0.09, 0.03))


def color_correlation(
    data: Dataset | Tensor | None = None,
    shape: tuple[int, int, int] | None = None,
    *,
    samples: int = 512,
    seed: int = 0,
) -> Tensor:
    """The square root of the pixel colour covariance, ``(3, 3)``, scaled so its longest column
    has norm 1. Estimated from ``samples`` images of ``data`` (a Dataset, fitted to ``shape``, or
    images ``(N, 3, H, W)`` in [0, 1]); ImageNet's when ``data`` is None."""
    if data is None:
        root = np.asarray(IMAGENET_COLOR_SQRT, dtype=np.float64)
    else:
        if isinstance(data, Dataset):
            rng = np.random.default_rng(seed)
            count = min(samples, len(data))
            indices = np.sort(rng.choice(len(data), size=count, replace=False))
            images = data.batch(indices.tolist(), shape or data.image(0).shape)  # type: ignore[arg-type]
        else:
            images = data[:samples]
        if images.dim() != 4 or images.shape[1] != 3 or images.shape[0] == 0:
            raise ValueError("Colour correlation needs RGB images (N, 3, H, W).")
        pixels = images.permute(1, 0, 2, 3).reshape(3, -1).double().numpy()
        u, s, _ = np.linalg.svd(np.cov(pixels))
        root = u * np.sqrt(s)[None, :]
    root = root / np.linalg.norm(root, axis=0).max()
    return torch.as_tensor(root, dtype=torch.float32)


def spectrum_scale(height: int, width: int, decay: float) -> Tensor:
    """``1 / max(f, 1/size)**decay`` per rfft2 frequency, ``(H, W // 2 + 1)``, times
    ``sqrt(H W)`` so an orthonormal inverse FFT gives pixels of order one."""
    fy = torch.fft.fftfreq(height)[:, None]
    fx = torch.fft.rfftfreq(width)[None, :]
    freqs = torch.sqrt(fx * fx + fy * fy)
    scale = 1.0 / torch.clamp(freqs, min=1.0 / max(height, width)) ** decay
    return scale * math.sqrt(height * width)


def hermitian_weights(height: int, width: int) -> Tensor:
    """``(H, W // 2 + 1)``: how often each rfft2 frequency is counted by irfft2: twice, for its
    mirror image, except the 0 and Nyquist x-frequencies, which have none."""
    kx = torch.arange(width // 2 + 1)
    once = (kx == 0) | (2 * kx == width)
    return torch.where(once, 1.0, 2.0)[None, :].expand(height, -1).contiguous()


class FourierImage:
    """``batch`` images ``(B, C, H, W)`` in [0, 1], parameterised by their Fourier spectra.

    ``spectrum`` is the optimised tensor, ``(B, C, H, W // 2 + 1, 2)`` (real and imaginary
    parts; ``torch.view_as_complex`` views it as rfft2's layout), in decorrelated colour.
    ``color`` (C, C) mixes decorrelated channels back into pixel colours (RGB only; None keeps
    channels as they are, as for grayscale or any other channel count). ``sd`` is the spread of
    the random initial spectrum: small, so optimisation starts from near-uniform grey.
    """

    def __init__(
        self,
        batch: int,
        shape: tuple[int, int, int],
        *,
        decay: float = 1.0,
        color: Tensor | None = None,
        sd: float = 0.01,
        generator: torch.Generator | None = None,
        device: torch.device | None = None,
    ) -> None:
        channels, height, width = shape
        self.shape = shape
        init = torch.randn(batch, channels, height, width // 2 + 1, 2, generator=generator) * sd
        self.spectrum = init.to(device)
        # Lucid's divisor 4 keeps the initial contrast low before the sigmoid.
        self.scale = (spectrum_scale(height, width, decay) / 4.0)[..., None].to(device)
        self.color = None if color is None else color.to(device)
        self._scaled = torch.empty_like(self.spectrum)  # reused each step

    @torch.no_grad()
    def logits(self) -> Tensor:
        """The images before the sigmoid, ``(B, C, H, W)``."""
        _, height, width = self.shape
        torch.mul(self.spectrum, self.scale, out=self._scaled)
        image = torch.fft.irfft2(
            torch.view_as_complex(self._scaled), s=(height, width), norm="ortho"
        )
        return image if self.color is None else _mix_channels(self.color, image)

    def pixels(self) -> Tensor:
        """The images, ``(B, C, H, W)`` in [0, 1]."""
        return torch.sigmoid(self.logits())

    @torch.no_grad()
    def ascent_direction(self, grad_logits: Tensor) -> Tensor:
        """The gradient for ``spectrum`` of an objective whose gradient for ``logits()`` is
        ``grad_logits``, up to a positive factor per coordinate (``gradient_scale``): the
        adjoint of ``logits`` without the 1/f scale and the Hermitian weights. Adam's steps do
        not change under such a factor (it divides each coordinate by its own running
        magnitude), so the optimiser takes this direction as it is and skips a multiply."""
        if self.color is not None:
            grad_logits = _mix_channels(self.color.T, grad_logits)
        return torch.view_as_real(torch.fft.rfft2(grad_logits, norm="ortho"))

    @property
    def gradient_scale(self) -> Tensor:
        """``(H, W // 2 + 1, 1)``: the exact gradient is ``ascent_direction(g) * this``."""
        _, height, width = self.shape
        weights = hermitian_weights(height, width)[..., None].to(self.scale.device)
        return self.scale * weights


def _mix_channels(mix: Tensor, images: Tensor) -> Tensor:
    """``mix (C, C)`` applied to the channels of ``images (B, C, H, W)``."""
    batch, channels, height, width = images.shape
    if batch == 1:  # a plain mm: a broadcast matmul runs as a slower bmm
        return torch.mm(mix, images.reshape(channels, -1)).view(images.shape)
    return torch.matmul(mix, images.reshape(batch, channels, -1)).view(images.shape)

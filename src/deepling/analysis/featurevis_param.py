"""Image parameterisations for feature visualisation: a Fourier spectrum with a 1/f decay and,
for RGB inputs, decorrelated colour (as Lucid does), mapped to pixel space [0, 1] by a sigmoid.

Optimising pixels directly yields high-frequency noise that excites a channel without showing
anything; scaling each frequency by ``1 / f**decay`` equalises the gradient across frequencies,
and decorrelating colour lets the optimiser move luminance and hue independently.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

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


class FourierImage(nn.Module):
    """``batch`` images ``(B, C, H, W)`` in [0, 1], parameterised by their Fourier spectra.

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
        super().__init__()
        channels, height, width = shape
        self.size = (height, width)
        init = torch.randn(batch, channels, height, width // 2 + 1, 2, generator=generator) * sd
        self.spectrum = nn.Parameter(init.to(device))
        self.scale: Tensor
        self.color: Tensor | None
        self.register_buffer("scale", spectrum_scale(height, width, decay)[..., None].to(device))
        self.register_buffer("color", None if color is None else color.to(device))

    def forward(self) -> Tensor:
        spectrum = torch.view_as_complex(self.spectrum * self.scale)
        # Lucid's divisor: keeps the initial image's contrast low before the sigmoid.
        image = torch.fft.irfft2(spectrum, s=self.size, norm="ortho") / 4.0
        if self.color is not None:  # a 1x1 convolution: cheaper than einsum's batched matmul
            image = F.conv2d(image, self.color[:, :, None, None])
        return torch.sigmoid(image)

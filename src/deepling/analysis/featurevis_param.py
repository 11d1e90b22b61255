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


def inverse_rdft_matrices(height: int, width: int) -> tuple[Tensor, Tensor]:
    """``irfft2(norm="ortho")`` as two real matrices: ``rows (H, 2H)`` and ``cols (2Wf, 2W)``
    with ``Wf = W // 2 + 1``. For a spectrum laid out as ``S (H, 2Wf) = [re | im]``,
    ``irfft2(S) = rows @ (S @ cols).reshape(2H, W)``; float64.

    ``S @ cols`` is the inverse DFT along x, ``[Yr | Yi] (H, 2W)``; its reshape interleaves
    each row's real and imaginary parts, which ``rows`` sums with cos and -sin along y. As in
    irfft, the imaginary parts of the 0 and Nyquist x-frequencies are ignored (their sin is 0).
    """
    ky = torch.arange(height, dtype=torch.float64)
    kx = torch.arange(width // 2 + 1, dtype=torch.float64)
    x = torch.arange(width, dtype=torch.float64)
    along_x = 2 * math.pi * kx[:, None] * x[None, :] / width  # (Wf, W)
    twice = torch.where((kx == 0) | (2 * kx == width), 1.0, 2.0)[:, None]  # Hermitian pairs
    cos, sin = twice * torch.cos(along_x), twice * torch.sin(along_x)
    cols = torch.cat([torch.cat([cos, sin], 1), torch.cat([-sin, cos], 1)], 0)
    along_y = 2 * math.pi * ky[:, None] * ky[None, :] / height  # (H, H): y by ky
    rows = torch.stack([torch.cos(along_y), -torch.sin(along_y)], 2).reshape(height, 2 * height)
    return rows / math.sqrt(height * width), cols


class FourierImage(nn.Module):
    """``batch`` images ``(B, C, H, W)`` in [0, 1], parameterised by their Fourier spectra.

    ``spectrum`` is ``(B, C, H, 2 * (W // 2 + 1))``: each row's real parts, then its
    imaginary parts. ``color`` (C, C) mixes decorrelated channels back into pixel colours (RGB
    only; None keeps channels as they are, as for grayscale or any other channel count). ``sd``
    is the spread of the random initial spectrum: small, so optimisation starts from
    near-uniform grey. Up to ``MATRIX_PIXELS`` pixels the inverse FFT and the colour mixing
    run as two precomputed matmuls (at 32 px, fewer and cheaper ops forward and backward than
    irfft2 + conv); larger images use torch.fft (``matrices`` forces either).
    """

    MATRIX_PIXELS = 64 * 64

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
        matrices: bool | None = None,
    ) -> None:
        super().__init__()
        channels, height, width = shape
        self.shape = shape
        init = torch.randn(batch, channels, height, width // 2 + 1, 2, generator=generator) * sd
        init = init.transpose(3, 4).reshape(batch, channels, height, -1)  # [re | im] per row
        self.spectrum = nn.Parameter(init.to(device))
        self.scale: Tensor
        self.color: Tensor | None
        self.rows: Tensor | None
        self.cols: Tensor | None
        scale = spectrum_scale(height, width, decay)
        self.register_buffer("scale", torch.cat([scale, scale], 1).to(device))
        self.register_buffer("color", None if color is None else color.to(device))
        use_matrices = height * width <= self.MATRIX_PIXELS if matrices is None else matrices
        rows = cols = None
        if use_matrices:
            rows, cols = inverse_rdft_matrices(height, width)
            mix = torch.eye(channels, dtype=torch.float64) if color is None else color.double()
            # Lucid's divisor 4 keeps the initial contrast low before the sigmoid.
            rows = torch.kron(mix, rows).float().to(device) / 4.0  # (C H, C 2H)
            cols = cols.float().to(device)
        self.register_buffer("rows", rows)
        self.register_buffer("cols", cols)

    def logits(self) -> Tensor:
        """The images before the sigmoid, ``(B, C, H, W)``."""
        batch, (channels, height, width) = self.spectrum.shape[0], self.shape
        spectrum = self.spectrum * self.scale
        if self.rows is not None and self.cols is not None:
            along_x = (spectrum @ self.cols).reshape(batch, channels * 2 * height, width)
            # One image: a plain mm (a broadcast matmul runs as a slower bmm).
            image = self.rows @ (along_x[0] if batch == 1 else along_x)
            return image.reshape(batch, channels, height, width)
        parts = spectrum.reshape(batch, channels, height, 2, -1)
        complex_spectrum = torch.complex(parts[:, :, :, 0], parts[:, :, :, 1])
        image = torch.fft.irfft2(complex_spectrum, s=(height, width), norm="ortho") / 4.0
        if self.color is not None:  # a 1x1 convolution: cheaper than einsum's batched matmul
            image = F.conv2d(image, self.color[:, :, None, None])
        return image

    def forward(self) -> Tensor:
        pixels: Tensor = torch.sigmoid(self.logits())
        return pixels

"""Every dataset pass gives the same results streamed from image files as from images in memory,
at fp32 and (within a stated tolerance) at bf16; and device auto picks what is here."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from deepling.analysis.channel_stats import channel_statistics
from deepling.analysis.evaluation import evaluate
from deepling.analysis.projection import PivotDistances, layer_projection
from deepling.analysis.top_activations import activation_table
from deepling.data.base import ArrayDataset
from deepling.data.loading import load_dataset
from deepling.models.device import resolve_device
from deepling.models.model import Model

COUNT = 300


@pytest.fixture(scope="module")
def digits(mnist_split, tmp_path_factory) -> tuple[ArrayDataset, object]:  # type: ignore[no-untyped-def]
    """The first held-out digits in memory, and the same digits as PNG files (lossless) in a
    class tree, opened as a folder dataset (files named so that their order is the arrays')."""
    held = mnist_split[1]
    memory = ArrayDataset(
        held.pixels[:COUNT], held.labels[:COUNT], held.classes, "digits-in-memory"
    )
    root = tmp_path_factory.mktemp("digits")
    for i in range(COUNT):
        folder = root / held.classes[int(held.labels[i])]
        folder.mkdir(exist_ok=True)
        Image.fromarray(held.pixels[i, 0].numpy()).save(folder / f"{i:05d}.png")
    files = load_dataset(root)
    return memory, files


def _file_order(files) -> np.ndarray:  # type: ignore[no-untyped-def]
    """For each file dataset index, the in-memory index of the same digit (its file name)."""
    return np.array([int(files.path(i).stem) for i in range(len(files))])


def test_evaluation_streamed_from_files_matches_memory(trained_mnist, digits) -> None:  # type: ignore[no-untyped-def]
    model: Model = trained_mnist[0]
    memory, files = digits
    order = _file_order(files)
    in_memory = evaluate(model, memory, batch_size=64)
    streamed = evaluate(model, files, batch_size=37, workers=3)
    assert np.allclose(streamed.probabilities, in_memory.probabilities[order], atol=1e-5)
    assert np.array_equal(streamed.predictions, in_memory.predictions[order])
    assert np.array_equal(streamed.confusion, in_memory.confusion)


def test_channel_passes_streamed_from_files_match_memory(trained_mnist, digits) -> None:  # type: ignore[no-untyped-def]
    model: Model = trained_mnist[0]
    memory, files = digits
    order = _file_order(files)
    a = channel_statistics(model, memory, "relu_2", batch_size=50)
    b = channel_statistics(model, files, "relu_2", batch_size=29, workers=2)
    assert a.images == b.images == COUNT
    assert np.allclose(a.mean, b.mean, atol=1e-5) and np.allclose(a.dead_fraction, b.dead_fraction)
    ta = activation_table(model, memory, "conv3", batch_size=64)
    tb = activation_table(model, files, "conv3", batch_size=41, workers=2)
    for channel in (0, 7, 63):
        for reduce in ("mean", "max"):
            ia, sa = ta.top(channel, 20, reduce)  # type: ignore[arg-type]
            ib, sb = tb.top(channel, 20, reduce)  # type: ignore[arg-type]
            assert np.allclose(sa, sb, atol=1e-5)
            assert set(ia[sa > sa[-1] + 1e-4]) <= set(order[ib])  # beyond exact ties


def test_projection_streamed_from_files_matches_memory_and_tensor(trained_mnist, digits) -> None:  # type: ignore[no-untyped-def]
    model: Model = trained_mnist[0]
    memory, files = digits
    order = _file_order(files)
    nodes = ["conv1", "relu_2", "fc1", "fc2"]
    # Point i of the file projection is digit order[i]: project memory in that order too.
    from_files = layer_projection(model, files, nodes, pivots=15, batch_size=47, workers=2)
    from_memory = layer_projection(model, memory, nodes, pivots=15, indices=order, batch_size=64)
    x = memory.batch(order.tolist(), model.input_shape)
    from_tensor = layer_projection(model, x, nodes, pivots=15, labels=memory.labels[order])
    assert np.allclose(from_files.coords, from_memory.coords, atol=1e-4)
    assert np.allclose(from_tensor.coords, from_memory.coords, atol=1e-4)
    assert from_files.scores is not None and from_memory.scores is not None
    assert np.allclose(from_files.scores.knn_layout, from_memory.scores.knn_layout)


def test_bf16_matches_fp32_within_tolerance(trained_mnist, digits) -> None:  # type: ignore[no-untyped-def]
    """bf16 keeps 8 bits of mantissa (relative error about 0.4% per op): probabilities agree
    within 0.05 and predictions on at least 97% of the images (bf16 autocast on the CPU)."""
    model: Model = trained_mnist[0]
    memory, _ = digits
    fp32 = evaluate(model, memory)
    model.precision = "bf16"
    try:
        bf16 = evaluate(model, memory)
        acts = model.activations(memory.batch(range(50), model.input_shape), ["fc1"])["fc1"]
    finally:
        model.precision = "fp32"
    assert acts.dtype == torch.float32  # cast back for the caller
    assert np.abs(bf16.probabilities - fp32.probabilities).max() < 0.05
    assert (bf16.predictions == fp32.predictions).mean() >= 0.97
    reference = model.activations(memory.batch(range(50), model.input_shape), ["fc1"])["fc1"]
    assert not torch.equal(acts, reference)  # autocast was in effect
    assert torch.allclose(acts, reference, rtol=0.05, atol=0.05 * float(reference.abs().max()))


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: auto takes it")
def test_auto_device_takes_the_cpu_here() -> None:
    assert resolve_device(None) == torch.device("cpu") == resolve_device("auto")
    assert resolve_device("cuda:1") == torch.device("cuda", 1)  # named devices as torch reads them


def test_pivot_distances_stay_float32_under_autocast() -> None:
    """Under bf16 autocast a matrix product keeps 8 bits: ‖a‖² + ‖p‖² − 2a·p of wide
    activations far from the origin would lose their spread to rounding. The distances to the
    pivots are taken in float32 whatever the autocast."""
    torch.manual_seed(0)
    acts = torch.rand(1, 20_000) + 5.0 + 0.1 * torch.randn(64, 20_000)  # far out, close together
    pivots = acts[:8].clone()
    exact = torch.cdist(acts.double(), pivots.double()).square()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = PivotDistances(pivots.clone())(acts).double()
    off = exact > 1.0  # every pair but a pivot with itself
    assert got.dtype == torch.float64 and torch.isfinite(got).all()
    # float32 itself cancels to about 0.1 %; bf16 products were off by more than 100 %.
    assert float(((got - exact).abs()[off] / exact[off]).max()) < 1e-2


def test_bf16_projection_keeps_the_layout(trained_mnist, digits) -> None:  # type: ignore[no-untyped-def]
    """The distances to the pivots are taken in float32 whatever the autocast: a bf16 pass
    lays the points out as fp32 does (the layouts' distances correlate above 0.98; a reflection
    or rotation between them does not count)."""
    model: Model = trained_mnist[0]
    memory, _ = digits
    nodes = ["relu_2", "fc1"]
    fp32 = layer_projection(model, memory, nodes, pivots=15)
    model.precision = "bf16"
    try:
        bf16 = layer_projection(model, memory, nodes, pivots=15)
    finally:
        model.precision = "fp32"
    assert np.isfinite(bf16.coords).all()
    for a, b in zip(fp32.coords, bf16.coords, strict=True):
        da = np.linalg.norm(a[:, None] - a[None], axis=2).ravel()
        db = np.linalg.norm(b[:, None] - b[None], axis=2).ravel()
        assert np.corrcoef(da, db)[0, 1] > 0.98

"""Top-activating images: the batched, cached ranking agrees with a brute-force one."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from deepling.analysis.top_activations import (
    activation_table,
    cached_activation_table,
    channel_regions,
    top_activations,
)
from deepling.cache import ArrayCache
from deepling.errors import DeeplingError


def test_ranking_matches_brute_force_for_every_channel(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    model, held = trained_mnist[0], mnist_split[1]
    x = held.batch(range(len(held)), model.input_shape)
    acts = model.activations(x, ["relu_1"])["relu_1"].flatten(2)  # (N, 32, 196)
    for reduce, brute in (("mean", acts.mean(dim=2)), ("max", acts.amax(dim=2))):
        for channel in (0, 5, 31):
            ours = top_activations(model, x, "relu_1", channel, k=9, reduce=reduce)  # type: ignore[arg-type]
            scores = brute[:, channel]
            # Compare scores, not indices: exact ties may order either way.
            assert torch.allclose(scores[ours], scores.sort(descending=True).values[:9], atol=1e-5)
            assert ours.dtype == torch.int64 and ours.shape == (9,)


def test_dataset_and_tensor_agree_and_cache_serves_every_channel(  # type: ignore[no-untyped-def]
    trained_mnist, mnist_split, tmp_path, monkeypatch
) -> None:
    model, held = trained_mnist[0], mnist_split[1]
    cache = ArrayCache(tmp_path)
    from_data = top_activations(model, held, "conv3", 4, k=5, cache=cache)
    x = held.batch(range(len(held)), model.input_shape)
    assert torch.equal(from_data, top_activations(model, x, "conv3", 4, k=5))
    assert cached_activation_table(model, held, "conv3", cache) is not None

    def no_pass(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached table should serve this without a pass")

    monkeypatch.setattr(model, "reduce_stream", no_pass)
    for channel in range(64):  # every channel of the node, from the one pass
        top_activations(model, held, "conv3", channel, k=3, cache=cache)


def test_vector_node_and_bad_channel(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    model, held = trained_mnist[0], mnist_split[1]
    table = activation_table(model, held, "fc2")  # logits: (N, 10)
    indices, scores = table.top(3, 10)
    logits = model.logits(held.batch(indices.tolist(), model.input_shape))[:, 3]
    assert torch.allclose(logits, torch.from_numpy(scores), atol=1e-4)
    with pytest.raises(DeeplingError, match="channel 10"):
        table.top(10, 3)


def test_regions_are_the_upsampled_activation_map(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    model, held = trained_mnist[0], mnist_split[1]
    x = held.batch(range(4), model.input_shape)
    regions = channel_regions(model, x, "relu_2", 2)
    assert regions.shape == (4, 28, 28)
    acts = model.activations(x, ["relu_2"])["relu_2"][:, 2:3]  # (4, 1, 7, 7)
    expected = F.interpolate(acts, size=(28, 28), mode="bilinear", align_corners=False)[:, 0]
    assert torch.allclose(regions, expected)
    # The region stays where the map fires: inside the 4x4 block of pixels of a map cell,
    # bilinear upsampling gives at least one pixel weighting that cell 0.875 per axis (1 at
    # the edges) and the rest to its neighbours, all non-negative after the ReLU; so the
    # peak's block reaches 0.875**2 of the peak, and nothing exceeds it. (Where the region
    # peaks is not fixed: two strong neighbouring cells can outweigh one lone peak.)
    for i in range(4):
        peak = float(acts[i, 0].max())
        r, c = divmod(int(acts[i, 0].argmax()), 7)
        block = regions[i, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4]
        assert float(block.max()) >= 0.875**2 * peak * (1 - 1e-5)
        assert float(regions[i].max()) <= peak * (1 + 1e-5)

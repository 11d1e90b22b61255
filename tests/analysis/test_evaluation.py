"""The evaluation pass on real data: exact agreement with the model, cache reuse and repair."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deepling import evaluate
from deepling.analysis.evaluation import evaluation_key
from deepling.cache import ArrayCache
from deepling.data.base import ArrayDataset
from deepling.errors import Cancelled
from deepling.models.model import Model


@pytest.fixture()
def model_and_data(trained_mnist, mnist_split):  # type: ignore[no-untyped-def]
    return trained_mnist[0], mnist_split[1]


def test_results_agree_with_the_model_image_by_image(model_and_data) -> None:  # type: ignore[no-untyped-def]
    model, data = model_and_data
    result = evaluate(model, data, batch_size=100)
    x = data.batch(range(len(data)), model.input_shape)
    probs = model.predict(x)
    labels = torch.as_tensor(data.labels)
    assert np.allclose(result.probabilities, probs.numpy(), atol=1e-5)
    assert np.array_equal(result.predictions, probs.argmax(1).numpy())
    expected_loss = F.cross_entropy(model.logits(x), labels, reduction="none").numpy()
    assert np.allclose(result.loss, expected_loss, atol=1e-4)
    assert result.accuracy == pytest.approx(float((probs.argmax(1) == labels).float().mean()))
    assert result.accuracy > 0.9  # a trained model on real digits
    assert result.confusion.sum() == len(data)
    assert np.array_equal(result.confusion.sum(axis=1), np.bincount(data.labels, minlength=10))
    predicted_as_3 = result.predictions == 3
    assert result.precision[3] == pytest.approx((data.labels[predicted_as_3] == 3).mean())
    summary = result.summary(model.classes)
    assert summary["support"] == np.bincount(data.labels, minlength=10).tolist()


def test_unlabelled_images_have_predictions_but_no_loss(model_and_data) -> None:  # type: ignore[no-untyped-def]
    model, data = model_and_data
    labels = data.labels.copy()
    labels[::2] = -1
    half = ArrayDataset(data.pixels, labels, data.classes, "half-labelled")
    result = evaluate(model, half)
    assert np.isnan(result.loss[::2]).all() and np.isfinite(result.loss[1::2]).all()
    assert result.confusion.sum() == (labels >= 0).sum()


def test_cache_is_reused_and_keyed_by_weights(model_and_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, data = model_and_data
    cache = ArrayCache(tmp_path)
    first = evaluate(model, data, cache=cache)
    assert cache.path("evaluation", evaluation_key(model, data)).is_file()

    def no_forward(*args: object) -> None:
        raise AssertionError("the model ran although the result was cached")

    model.module.forward = no_forward  # type: ignore[method-assign]
    try:
        again = evaluate(model, data, cache=cache)
    finally:
        del model.module.forward
    assert np.array_equal(first.predictions, again.predictions)

    changed = Model(
        type(model.module)(),
        model.input_shape,
        classes=model.classes,
        mean=model.mean,
        std=model.std,
    )
    changed.module.load_state_dict(model.module.state_dict())
    with torch.no_grad():
        changed.module.fc2.bias[0] += 1.0
    assert evaluation_key(changed, data) != evaluation_key(model, data)


def test_a_corrupt_cache_entry_is_recomputed_not_served(model_and_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, data = model_and_data
    cache = ArrayCache(tmp_path)
    good = evaluate(model, data, cache=cache)
    path = cache.path("evaluation", evaluation_key(model, data))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # a torn write
    assert cache.load("evaluation", evaluation_key(model, data)) is None
    repaired = evaluate(model, data, cache=cache)
    assert np.array_equal(good.predictions, repaired.predictions)
    assert cache.load("evaluation", evaluation_key(model, data)) is not None
    assert not list(path.parent.glob("*.tmp"))


def test_progress_reports_every_batch_and_can_cancel(model_and_data) -> None:  # type: ignore[no-untyped-def]
    model, data = model_and_data
    seen: list[tuple[int, int]] = []
    evaluate(model, data, batch_size=300, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 1000), (300, 1000), (600, 1000), (900, 1000), (1000, 1000)]

    def cancel_after_first(done: int, total: int) -> None:
        if done >= 300:
            raise Cancelled()

    with pytest.raises(Cancelled):
        evaluate(model, data, batch_size=300, progress=cancel_after_first)


def test_real_cifar_images_through_a_cifar_model(cifar_test: ArrayDataset) -> None:
    from deepling import load_model

    torch.manual_seed(0)
    model = load_model("alexnet-cifar")
    subset = ArrayDataset(cifar_test.pixels[:512], cifar_test.labels[:512], cifar_test.classes, "c")
    result = evaluate(model, subset, batch_size=128)
    assert result.probabilities.shape == (512, 10)
    assert np.allclose(result.probabilities.sum(1), 1, atol=1e-5)
    assert result.confusion.sum() == 512


def test_labels_beyond_the_models_classes_are_refused(model_and_data) -> None:  # type: ignore[no-untyped-def]
    from deepling import DeeplingError

    model, data = model_and_data
    wrong = ArrayDataset(data.pixels[:10], np.full(10, 12), None, "wrong")
    with pytest.raises(DeeplingError, match="labels up to 12"):
        evaluate(model, wrong)

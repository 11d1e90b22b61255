"""The evaluation pass: predictions, per-image loss and per-class scores over a dataset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from deepling.analysis.keys import model_data_key
from deepling.cache import ArrayCache
from deepling.data.base import Dataset
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.models.state import eval_mode
from deepling.progress import Progress, no_progress
from deepling.tensors import logits_of


@dataclass(frozen=True)
class Evaluation:
    """Results of running a model over a dataset.

    ``predictions`` int64 ``(N,)``; ``probabilities`` float32 ``(N, K)``; ``labels`` int64
    ``(N,)`` (-1 unlabelled); ``loss`` float32 ``(N,)`` cross-entropy (NaN where unlabelled);
    ``confusion`` int64 ``(K, K)``, rows the true class, columns the predicted one.
    """

    predictions: np.ndarray
    probabilities: np.ndarray
    labels: np.ndarray
    loss: np.ndarray
    confusion: np.ndarray

    @property
    def labelled(self) -> np.ndarray:
        return self.labels >= 0

    @property
    def accuracy(self) -> float | None:
        n = int(self.labelled.sum())
        return float(np.trace(self.confusion)) / n if n else None

    @property
    def recall(self) -> np.ndarray:
        """Per class: correct / images of that class (the class's accuracy); NaN if none."""
        with np.errstate(invalid="ignore", divide="ignore"):
            recall: np.ndarray = np.diag(self.confusion) / self.confusion.sum(axis=1)
        return recall

    @property
    def precision(self) -> np.ndarray:
        """Per class: correct / images predicted as that class; NaN if none."""
        with np.errstate(invalid="ignore", divide="ignore"):
            precision: np.ndarray = np.diag(self.confusion) / self.confusion.sum(axis=0)
        return precision

    @property
    def confidence(self) -> np.ndarray:
        """Probability of the predicted class, float32 ``(N,)``."""
        confidence: np.ndarray = self.probabilities.max(axis=1)
        return confidence

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "predictions": self.predictions,
            "probabilities": self.probabilities,
            "labels": self.labels,
            "loss": self.loss,
            "confusion": self.confusion,
        }

    def summary(self, classes: list[str]) -> dict[str, Any]:
        def clean(values: np.ndarray) -> list[float | None]:
            return [None if np.isnan(v) else round(float(v), 6) for v in values]

        return {
            "images": int(self.labels.shape[0]),
            "labelled": int(self.labelled.sum()),
            "accuracy": self.accuracy,
            "mean_loss": float(np.nanmean(self.loss)) if self.labelled.any() else None,
            "classes": classes,
            "confusion": self.confusion.tolist(),
            "precision": clean(self.precision),
            "recall": clean(self.recall),
            "support": self.confusion.sum(axis=1).tolist(),
        }


def evaluation_key(model: Model, dataset: Dataset) -> str:
    """Identifies an evaluation by the weights, the data and the preprocessing."""
    return model_data_key("evaluation", model, dataset)


def _check_labels(model: Model, dataset: Dataset) -> None:
    labels = dataset.labels
    k = len(model.classes)
    if labels.size and labels.max() >= k:
        raise DeeplingError(
            f"The dataset has labels up to {int(labels.max())} but the model has {k} classes.",
            "Use a dataset whose classes are the model's (in the same order).",
        )


def cached_evaluation(model: Model, dataset: Dataset, cache: ArrayCache) -> Evaluation | None:
    """The stored evaluation of ``model`` on ``dataset``, if there is a valid one."""
    stored = cache.load("evaluation", evaluation_key(model, dataset))
    if stored is None:
        return None
    try:
        return Evaluation(**stored)
    except TypeError:  # an entry from another layout: recompute
        return None


def evaluate(
    model: Model,
    dataset: Dataset,
    *,
    batch_size: int = 256,
    progress: Progress = no_progress,
    cache: ArrayCache | None = None,
) -> Evaluation:
    """Run ``model`` over ``dataset`` once, batched; reuse a cached result when there is one.

    ``progress(done, total)`` is called after each batch (it may raise ``Cancelled``).
    """
    _check_labels(model, dataset)
    if cache is not None and (stored := cached_evaluation(model, dataset, cache)) is not None:
        return stored
    n, k = len(dataset), len(model.classes)
    probabilities = np.empty((n, k), dtype=np.float32)
    loss = np.full(n, np.nan, dtype=np.float32)
    labels = dataset.labels.astype(np.int64)
    progress(0, n)
    with torch.inference_mode(), eval_mode(model.module):
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            x = model.normalise(dataset.batch(range(start, stop), model.input_shape))
            logits = logits_of(model.module(x)).float()
            probabilities[start:stop] = logits.softmax(1).cpu().numpy()
            y = torch.as_tensor(labels[start:stop], device=logits.device)
            has_label = y >= 0
            if has_label.any():
                batch_loss = F.cross_entropy(logits[has_label], y[has_label], reduction="none")
                loss[start:stop][has_label.cpu().numpy()] = batch_loss.cpu().numpy()
            progress(stop, n)
    predictions = probabilities.argmax(axis=1).astype(np.int64)
    known = labels >= 0
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (labels[known], predictions[known]), 1)
    result = Evaluation(predictions, probabilities, labels, loss, confusion)
    if cache is not None:
        cache.save("evaluation", evaluation_key(model, dataset), result.arrays())
    return result

"""The evaluation pass: predictions, per-image loss and per-class scores over a dataset."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from deepling.analysis.keys import model_data_key
from deepling.cache import ArrayCache
from deepling.data.base import Dataset
from deepling.engine.choice import Engine, RaySettings, check_engine, with_batch_size
from deepling.errors import DeeplingError
from deepling.models.model import Model
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
    def read(self) -> np.ndarray:
        """Images the pass could read (an unreadable one's prediction is -1)."""
        read: np.ndarray = self.predictions >= 0
        return read

    @property
    def accuracy(self) -> float | None:
        """Over the labelled images that could be read."""
        n = int(self.confusion.sum())
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
            "unreadable": int((~self.read).sum()),
            "accuracy": self.accuracy,
            "mean_loss": float(np.nanmean(self.loss))
            if (self.labelled & self.read).any()
            else None,
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


def evaluate_batch(
    model: Model,
    indices: np.ndarray,
    x: torch.Tensor,
    labels: np.ndarray,
    probabilities: np.ndarray,
    loss: np.ndarray,
) -> None:
    """Probabilities and (where labelled) loss of the images ``indices``, written in place."""
    with model.inference() as module:
        logits = logits_of(module(model.normalise(x))).float()
    probabilities[indices] = logits.softmax(1).cpu().numpy()
    y = torch.as_tensor(labels[indices], device=logits.device)
    has_label = y >= 0
    if has_label.any():
        batch_loss = F.cross_entropy(logits[has_label], y[has_label], reduction="none")
        loss[indices[has_label.cpu().numpy()]] = batch_loss.cpu().numpy()


def evaluate(
    model: Model,
    dataset: Dataset,
    *,
    batch_size: int | None = None,
    workers: int | None = None,
    progress: Progress = no_progress,
    cache: ArrayCache | None = None,
    engine: Engine = "local",
    ray: RaySettings | None = None,
) -> Evaluation:
    """Run ``model`` over ``dataset`` once, streamed (``Dataset.stream``: images decoded on
    ``workers`` threads while the model runs, ``batch_size`` per batch, default
    ``model.batch_size``); reuse a cached result when there is one. ``engine="ray"`` runs the
    pass on a Ray cluster instead (``ray``: its settings), with the same result and cache entry.

    An image that cannot be read is skipped (``dataset.unreadable`` says which and why): its
    prediction is -1, its probabilities and loss NaN, and it counts in no score.
    ``progress(done, total)`` is called after each batch (it may raise ``Cancelled``).
    """
    _check_labels(model, dataset)
    if cache is not None and (stored := cached_evaluation(model, dataset, cache)) is not None:
        return stored
    n, k = len(dataset), len(model.classes)
    probabilities = np.full((n, k), np.nan, dtype=np.float32)
    loss = np.full(n, np.nan, dtype=np.float32)
    labels = dataset.labels.astype(np.int64)
    size = batch_size or model.batch_size
    read = np.zeros(n, dtype=bool)  # the images the pass could read
    if check_engine(engine) == "ray":
        from deepling.engine.ray_pass import ray_pass

        settings = with_batch_size(ray, batch_size)
        for indices, found in ray_pass(
            model, dataset, "evaluation", settings=settings, progress=progress
        ):
            probabilities[indices] = found["probabilities"]
            loss[indices] = found["loss"]
            read[indices] = True
    else:
        progress(0, n)
        stream = dataset.stream(
            model.input_shape, batch_size=size, workers=workers, device=model.device
        )
        # closing: a cancelled pass stops its decoding threads at once, not when collected.
        with closing(stream):
            for indices, x in stream:
                evaluate_batch(model, indices, x, labels, probabilities, loss)
                read[indices] = True
                progress(int(indices[-1]) + 1, n)
    predictions = np.where(read, np.nan_to_num(probabilities, nan=-1.0).argmax(axis=1), -1)
    known = (labels >= 0) & read
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (labels[known], predictions[known]), 1)
    result = Evaluation(predictions.astype(np.int64), probabilities, labels, loss, confusion)
    if cache is not None:
        cache.save("evaluation", evaluation_key(model, dataset), result.arrays())
    return result

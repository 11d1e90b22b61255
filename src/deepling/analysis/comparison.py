"""What changed in the data between two models' evaluations on the same images: the confusion
matrix of A minus B, each class's accuracy under both, and which images' predictions flipped."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepling.analysis.evaluation import Evaluation
from deepling.errors import DeeplingError


@dataclass(frozen=True)
class Comparison:
    """From A to B over the same N images. ``confusion`` ``(K, K)``: A's minus B's (rows the
    true class); ``recall_a``/``recall_b`` ``(K,)``: each class's accuracy (NaN: no image);
    ``accuracy_a``/``accuracy_b``. Per image, over the images both could read: ``fixed``
    (wrong under A, right under B), ``broken`` (right under A, wrong under B), ``changed``
    (a different predicted class, whether right or wrong), as sorted indices."""

    confusion: np.ndarray
    recall_a: np.ndarray
    recall_b: np.ndarray
    accuracy_a: float | None
    accuracy_b: float | None
    fixed: np.ndarray
    broken: np.ndarray
    changed: np.ndarray


def compare_evaluations(a: Evaluation, b: Evaluation) -> Comparison:
    """``a`` and ``b``: evaluations of two models on the same dataset, in the same order."""
    if a.predictions.shape != b.predictions.shape or not np.array_equal(a.labels, b.labels):
        raise DeeplingError(
            "The two evaluations are not of the same images.",
            "Compare models evaluated on the same dataset.",
        )
    if a.confusion.shape != b.confusion.shape:
        raise DeeplingError(
            f"The models have different classes ({a.confusion.shape[0]} and "
            f"{b.confusion.shape[0]}).",
            "Compare models with the same classes.",
        )
    both = a.read & b.read
    labelled = both & a.labelled
    right_a = labelled & (a.predictions == a.labels)
    right_b = labelled & (b.predictions == b.labels)
    return Comparison(
        confusion=a.confusion - b.confusion,
        recall_a=a.recall,
        recall_b=b.recall,
        accuracy_a=a.accuracy,
        accuracy_b=b.accuracy,
        fixed=np.flatnonzero(labelled & ~right_a & right_b),
        broken=np.flatnonzero(right_a & ~right_b),
        changed=np.flatnonzero(both & (a.predictions != b.predictions)),
    )

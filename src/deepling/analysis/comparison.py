"""What changed in the data from one model's evaluation to another's on the same images: the
confusion matrix of the second minus the first, each class's accuracy under both, and which
images' predictions flipped."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepling.analysis.evaluation import Evaluation
from deepling.errors import DeeplingError


@dataclass(frozen=True)
class Comparison:
    """From ``before`` to ``after`` over the same N images. ``confusion`` ``(K, K)``: after's
    minus before's (rows the true class); ``recall_before``/``recall_after`` ``(K,)``: each
    class's accuracy (NaN: no image); ``accuracy_before``/``accuracy_after``. Per image, over
    the images both could read: ``fixed`` (wrong before, right after), ``broken`` (right
    before, wrong after), ``changed`` (another predicted class, right or wrong), as sorted
    indices."""

    confusion: np.ndarray
    recall_before: np.ndarray
    recall_after: np.ndarray
    accuracy_before: float | None
    accuracy_after: float | None
    fixed: np.ndarray
    broken: np.ndarray
    changed: np.ndarray


def compare_evaluations(before: Evaluation, after: Evaluation) -> Comparison:
    """Evaluations of two models on the same dataset, in the same order."""
    a, b = before, after
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
        confusion=b.confusion - a.confusion,
        recall_before=a.recall,
        recall_after=b.recall,
        accuracy_before=a.accuracy,
        accuracy_after=b.accuracy,
        fixed=np.flatnonzero(labelled & ~right_a & right_b),
        broken=np.flatnonzero(right_a & ~right_b),
        changed=np.flatnonzero(both & (a.predictions != b.predictions)),
    )

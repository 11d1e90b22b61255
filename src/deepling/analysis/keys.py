"""Cache keys for results computed from a model and a dataset."""

from __future__ import annotations

from deepling.cache import cache_key, weights_digest
from deepling.data.base import Dataset
from deepling.models.model import Model


def model_data_key(kind: str, model: Model, dataset: Dataset, *parts: object) -> str:
    """Identifies a ``kind`` of result by the weights, the data, the preprocessing and
    ``parts`` (the analysis's own parameters). Results at mixed precision are kept apart from
    float32 ones."""
    return cache_key(
        kind,
        type(model.module).__qualname__,
        weights_digest(model.module),
        model.input_shape,
        model.mean,
        model.std,
        *(() if model.precision == "fp32" else (model.precision,)),
        dataset.fingerprint,
        *parts,
    )

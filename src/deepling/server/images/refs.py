"""Which image an analysis runs on: a dataset image by ``index`` or a tray image by ``tray`` id.

Routes that act on one image take an ``ImageRef`` (in a JSON body: ``{"index": n}`` or
``{"tray": id}``) or the same two query parameters (``ImageQuery``); both resolve to the
model's input through ``resolve_image``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import torch
from fastapi import Depends, Query
from pydantic import ConfigDict, Field, ValidatorFunctionWrapHandler, WrapValidator

from deepling.cache import cache_key
from deepling.errors import DeeplingError
from deepling.server.deps import SessionDep
from deepling.server.jobs.links import TRAY_IMAGE, takes
from deepling.server.schemas import DATASET_INDEX, Body, DatasetIndex, fact
from deepling.server.session import Session


class DatasetImageRef(Body):
    """A dataset image, by its index."""

    model_config = ConfigDict(extra="forbid")

    index: DatasetIndex

    @property
    def tray(self) -> None:
        return None


TrayId = Annotated[str, Field(max_length=64, description="tray image id")]


class TrayImageRef(Body):
    """A tray image, by its id."""

    model_config = ConfigDict(extra="forbid")

    tray: TrayId

    @property
    def index(self) -> None:
        return None


def _exactly_one(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """The union's errors, or one message where the object has both fields or neither."""
    if isinstance(value, dict) and ("index" in value) == ("tray" in value):
        raise ValueError("give exactly one of `index` (dataset image) or `tray` (tray image)")
    return handler(value)


# Exactly one of the two: {"index": n} or {"tray": id}, each model refusing the other's field.
ImageRef = Annotated[
    DatasetImageRef | TrayImageRef,
    WrapValidator(_exactly_one),
    Field(description="a dataset or tray image"),
]


def image_ref(index: int | None, tray: str | None) -> DatasetImageRef | TrayImageRef:
    """The image two query parameters name (a 400 unless exactly one is given)."""
    if (index is None) == (tray is None):
        raise DeeplingError("Give exactly one of the query parameters `index` or `tray`.")
    return DatasetImageRef(index=index) if index is not None else TrayImageRef(tray=str(tray))


@dataclass(frozen=True)
class ResolvedImage:
    """``pixels`` float32 ``(C, H, W)`` in [0, 1] at the model's input shape; ``label`` the true
    class or -1; ``key`` identifies the pixels for cache keys; ``title`` names it for people."""

    pixels: torch.Tensor
    label: int
    key: str
    title: str


def resolve_image(session: Session, ref: DatasetImageRef | TrayImageRef) -> ResolvedImage:
    if isinstance(ref, TrayImageRef):
        image = session.tray.get(ref.tray)
        return ResolvedImage(
            image.pixels, image.label, cache_key("tray", image.digest), f"tray image {image.name}"
        )
    index = session.dataset.check_index(ref.index)
    pixels = session.dataset.batch([index], session.model.input_shape)[0]
    label = int(session.dataset.labels[index])
    return ResolvedImage(
        pixels, label, cache_key("dataset", session.dataset.fingerprint, index), f"image #{index}"
    )


# The query parameters naming an image: exactly one of the two (a rule OpenAPI cannot state of
# parameters; the body's ImageRef states it).
IndexQuery = Annotated[
    int | None,
    Query(
        ge=0,
        description="dataset image index (or give `tray`)",
        json_schema_extra=fact(DATASET_INDEX),
    ),
]
TrayQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="tray image id (or give `index`)",
        json_schema_extra=takes(TRAY_IMAGE),
    ),
]


def _image_query(
    session: SessionDep, index: IndexQuery = None, tray: TrayQuery = None
) -> ResolvedImage:
    return resolve_image(session, image_ref(index, tray))


ImageQuery = Annotated[ResolvedImage, Depends(_image_query)]

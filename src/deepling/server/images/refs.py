"""Which image an analysis runs on: a dataset image by ``index`` or a tray image by ``tray`` id.

Routes that act on one image take an ``ImageRef`` (in a JSON body) or the same two query
parameters (``ImageQuery``); both resolve to the model's input through ``resolve_image``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import torch
from fastapi import Depends, Query
from pydantic import BaseModel, Field, model_validator

from deepling.cache import cache_key
from deepling.errors import DeeplingError
from deepling.server.deps import SessionDep
from deepling.server.session import Session


class ImageRef(BaseModel):
    """Exactly one of ``index`` (a dataset image) or ``tray`` (a tray image's id)."""

    index: int | None = Field(default=None, ge=0, description="dataset image index")
    tray: str | None = Field(default=None, max_length=64, description="tray image id")

    @model_validator(mode="after")
    def _exactly_one(self) -> ImageRef:
        if (self.index is None) == (self.tray is None):
            raise ValueError("give exactly one of `index` (dataset image) or `tray` (tray image)")
        return self


@dataclass(frozen=True)
class ResolvedImage:
    """``pixels`` float32 ``(C, H, W)`` in [0, 1] at the model's input shape; ``label`` the true
    class or -1; ``key`` identifies the pixels for cache keys; ``title`` names it for people."""

    pixels: torch.Tensor
    label: int
    key: str
    title: str


def resolve_image(session: Session, ref: ImageRef) -> ResolvedImage:
    if ref.tray is not None:
        image = session.tray.get(ref.tray)
        return ResolvedImage(
            image.pixels, image.label, cache_key("tray", image.digest), f"tray image {image.name}"
        )
    assert ref.index is not None
    index = session.dataset.check_index(ref.index)
    pixels = session.dataset.batch([index], session.model.input_shape)[0]
    label = int(session.dataset.labels[index])
    return ResolvedImage(
        pixels, label, cache_key("dataset", session.dataset.fingerprint, index), f"image #{index}"
    )


def _image_query(
    session: SessionDep,
    index: Annotated[int | None, Query(ge=0, description="dataset image index")] = None,
    tray: Annotated[str | None, Query(max_length=64, description="tray image id")] = None,
) -> ResolvedImage:
    if (index is None) == (tray is None):
        raise DeeplingError("Give exactly one of the query parameters `index` or `tray`.")
    return resolve_image(session, ImageRef(index=index, tray=tray))


ImageQuery = Annotated[ResolvedImage, Depends(_image_query)]

"""The dataset: its description, its images' labels page by page, and thumbnail sprite sheets.
Per-image outputs (pixels, predictions, activations) are the images feature's."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Path, Query, Response

from deepling.server.dataset import sprites
from deepling.server.dataset.schemas import DatasetInfo, ImageEntry, ImagePage
from deepling.server.dataset.sprites import SPRITE_COLUMNS
from deepling.server.dataset.sprites import SPRITE_IMAGES as SPRITE_IMAGES  # app.py reads it
from deepling.server.deps import SessionDep
from deepling.server.encoding import PNG, PNG_RESPONSE
from deepling.server.schemas import SPRITE_SHEET, fact

router = APIRouter(prefix="/api", tags=["dataset"])


@router.get("/dataset", response_model=DatasetInfo)
def dataset_info(session: SessionDep) -> DatasetInfo:
    data = session.dataset
    labels = data.labels
    counts = np.bincount(labels[labels >= 0], minlength=len(data.classes)) if data.labelled else ()
    return DatasetInfo(
        name=data.name,
        size=len(data),
        classes=data.classes,
        labelled=data.labelled,
        class_counts=[int(c) for c in counts],
        skipped_files=len(data.unreadable),
        evaluated=session.known_evaluation() is not None,
    )


@router.get("/dataset/images", response_model=ImagePage)
def list_images(
    session: SessionDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> ImagePage:
    labels = session.dataset.labels[offset : offset + limit]
    return ImagePage(
        total=len(session.dataset),
        offset=offset,
        images=[ImageEntry(index=offset + i, label=int(v)) for i, v in enumerate(labels)],
    )


@router.get("/dataset/sprites/{sheet}.png", response_class=Response, responses=PNG_RESPONSE)
def sprite_sheet(
    session: SessionDep,
    sheet: Annotated[
        int,
        Path(
            ge=0,
            description=f"sheet number: images {SPRITE_IMAGES}*sheet onwards",
            json_schema_extra=fact(SPRITE_SHEET),
        ),
    ],
    size: Annotated[int, Query(ge=8, le=128, description="thumbnail edge in pixels")] = 32,
) -> Response:
    """Thumbnails of 256 consecutive images on a 16 x 16 grid, row-major (RGB, ``size`` px
    each): one request per 256 images lets a grid of 50,000 scroll smoothly. Images from files
    are decoded once and the sheet cached on disk; an unreadable image is a crossed-out tile."""
    png = sprites.sprite_sheet(session.dataset, session.cache.root, sheet, size)
    return Response(
        png,
        media_type=PNG,
        headers={"Cache-Control": "max-age=3600", "X-Columns": str(SPRITE_COLUMNS)},
    )

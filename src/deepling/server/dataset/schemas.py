"""The dataset over HTTP."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DatasetInfo(BaseModel):
    name: str
    size: int
    classes: list[str]
    labelled: bool
    class_counts: list[int]
    skipped_files: int = Field(
        description="image files found unreadable so far: files are checked when first read"
    )
    evaluated: bool


class ImageEntry(BaseModel):
    index: int
    label: int


class ImagePage(BaseModel):
    total: int
    offset: int
    images: list[ImageEntry]

"""Tray images over HTTP."""

from __future__ import annotations

from pydantic import BaseModel, Field

from deepling.server.images.refs import ImageRef
from deepling.server.schemas import Body
from deepling.server.whatif.schemas import MAX_EDITS, EditList


class TrayAdd(Body):
    image: ImageRef
    edits: EditList = Field(default_factory=list, max_length=MAX_EDITS)
    name: str | None = Field(None, max_length=80, description="default: the source and edits")


class TrayEntry(BaseModel):
    id: str
    name: str
    label: int
    label_name: str | None
    created: float
    source: int = Field(description="the dataset image it was made from; -1: an upload")

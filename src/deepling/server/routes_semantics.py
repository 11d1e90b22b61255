"""Channel semantics: feature visualisation, layer atlas and top-activating images."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["semantics"])

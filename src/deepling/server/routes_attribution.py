"""Attribution maps: what in an image a prediction rests on (captum methods)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["attribution"])

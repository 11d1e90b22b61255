"""Channel ablation: switch channels off and re-evaluate the dataset."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["ablation"])

"""Adversarial strips: an image changed step by step toward a class or a channel."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["strips"])

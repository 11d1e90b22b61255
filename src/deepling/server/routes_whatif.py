"""What if: edited and uploaded images, the image tray, occlusion sensitivity."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["whatif"])

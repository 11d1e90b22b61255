"""What a job looks like over HTTP."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class JobOut(BaseModel):
    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    done: int
    total: int
    progress: float = Field(ge=0, le=1)
    error: str | None
    result_url: str | None = Field(None, description="where the finished result is served")
    key: str | None = Field(None, description="the cached result's key, for its result routes")

"""Where Deepling keeps its cache: trained demo models, evaluation results, downloaded data."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir


def cache_dir() -> Path:
    """``$DEEPLING_CACHE_DIR`` if set, else the user cache folder (~/.cache/deepling on Linux)."""
    override = os.environ.get("DEEPLING_CACHE_DIR")
    return Path(override).expanduser() if override else Path(user_cache_dir("deepling"))

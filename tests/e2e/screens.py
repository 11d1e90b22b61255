"""Where e2e tests leave their screenshots: artifacts/e2e/ (git-ignored), or under
$DEEPLING_ARTIFACTS."""

from __future__ import annotations

import os
from pathlib import Path

from live_server import REPO

ARTIFACTS = Path(os.environ.get("DEEPLING_ARTIFACTS", REPO / "artifacts")) / "e2e"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

"""A real server of the small residual CNN on a folder of images, for fixtures that build the
folder they need."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from live_server import LiveServer


def small_resnet_server(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The small residual CNN (small_resnet.py) served on the images in ``folder``, with a
    cache of its own."""
    env = {**os.environ, "DEEPLING_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    model = Path(__file__).with_name("small_resnet.py")
    return LiveServer(
        ["--model", f"{model}:small_resnet", "--data", str(folder), "--input-shape", "3,32,32"], env
    )

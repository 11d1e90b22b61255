"""A real `deepling serve` process for tests that need a server and a browser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

REPO = Path(__file__).resolve().parents[1]


class LiveServer:
    """A real ``deepling serve`` process on a free loopback port."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "deepling", "serve", *args, "--no-browser"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "Deepling is serving ... at http://..."
        if "http://" not in line:
            self.stop()
            raise RuntimeError(f"server did not start: {line}{self.process.stderr.read()}")  # type: ignore[union-attr]
        base, _, query = line.rsplit(" ", 1)[-1].strip().partition("?")
        self.url = base.rstrip("/")
        self.token: str | None = parse_qs(query).get("token", [None])[0]  # when one is asked

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except Exception:
            self.process.kill()

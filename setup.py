"""Builds the front end (frontend/, TypeScript + Vite) into the package when its bundle is
missing or older than its sources, so that `pip install .` from a clean clone yields a working
UI. Everything else about the package is in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
FRONTEND = ROOT / "frontend"
BUNDLE = ROOT / "src" / "deepling" / "_static" / "index.html"


def build_frontend() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "Deepling's browser UI is built from frontend/ with Node.js (20 or newer) and npm, "
            "and npm was not found. Install Node.js, or install a released wheel."
        )
    install = "ci" if (FRONTEND / "package-lock.json").is_file() else "install"
    subprocess.run([npm, install, "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
    subprocess.run([npm, "run", "build"], cwd=FRONTEND, check=True)


def bundle_is_stale() -> bool:
    """No bundle, or a front-end source newer than it."""
    if not BUNDLE.is_file():
        return True
    sources = [FRONTEND / "index.html", FRONTEND / "package.json", *FRONTEND.glob("src/**/*")]
    built = BUNDLE.stat().st_mtime
    return any(path.is_file() and path.stat().st_mtime > built for path in sources)


class BuildPyWithFrontend(build_py):
    def run(self) -> None:
        if (FRONTEND / "package.json").is_file() and bundle_is_stale():
            build_frontend()
        super().run()


setup(cmdclass={"build_py": BuildPyWithFrontend})

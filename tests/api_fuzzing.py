"""Fuzz a running Deepling server with schemathesis: requests generated from its OpenAPI schema.

Shared by tests/server/test_fuzz.py (a bounded run) and scripts/fuzz.py (a longer one). Each
operation gets ``examples`` valid requests and ``examples`` invalid ones (wrong types, values
out of bounds, missing fields); every answer must be no 5xx and match its documented schema.
Invalid requests must also be refused with a 4xx.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import hypothesis
import requests
import schemathesis
import torch
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
)
from schemathesis.core.failures import FailureGroup

import deepling
from deepling.data.base import ArrayDataset
from deepling.data.demo_mnist import load_demo_mnist
from deepling.server.run import BackgroundServer

TOKEN = "fuzzing-token-0123456789"
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    negative_data_rejection,
]


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
    seconds: float = 0.0

    def summary(self) -> str:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.by_status.items()))
        return (
            f"{self.requests} requests to {self.operations} operations in "
            f"{self.seconds:.1f} s ({statuses}); {len(self.failures)} failures"
        )


def fuzz(
    url: str,
    token: str,
    *,
    examples: int,
    seed: int = 0,
    operations: Callable[[str], bool] = lambda label: True,
) -> FuzzReport:
    """Fuzz the server at ``url`` (ending in ``/``), sending ``token`` as a bearer token."""
    auth = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(url + "openapi.json", headers=auth)
    report = FuzzReport()
    started = time.perf_counter()
    with requests.Session() as http:
        for result in schema.get_all_operations():
            operation = result.ok()
            if not operations(operation.label):
                continue
            report.operations += 1
            began = time.perf_counter()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz_operation(operation, mode, url, auth, http, examples, seed, report)
            report.seconds_by_operation[operation.label] = time.perf_counter() - began
    report.seconds = time.perf_counter() - started
    return report


def _fuzz_operation(operation, mode, url, auth, http, examples, seed, report) -> None:  # type: ignore[no-untyped-def]
    @hypothesis.seed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(base_url=url.rstrip("/"), session=http, headers=auth, timeout=60)
        report.requests += 1
        report.by_status[response.status_code] = report.by_status.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=auth)
        except (Exception, FailureGroup) as exc:  # failed checks come as exceptions
            failed = getattr(exc, "exceptions", (exc,))
            error = "; ".join(
                f"{getattr(f, 'title', type(f).__name__)}: {getattr(f, 'message', str(f))}"
                for f in failed
            )
            report.failures.append(
                Failure(
                    operation.label,
                    mode.value,
                    case.as_curl_command(headers=auth),
                    response.status_code,
                    " ".join(error.split())[:600],
                )
            )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        pass  # e.g. no invalid request exists for an operation without parameters


@contextmanager
def fuzz_target(cache: Path, images: int = 20) -> Iterator[BackgroundServer]:
    """A real server (background thread) with the demo MNIST CNN, seeded but untrained, on
    ``images`` real digits (two of each class), asking for ``TOKEN``; results cached in
    ``cache``."""
    digits = load_demo_mnist()
    step = len(digits) // images
    data = ArrayDataset(
        digits.pixels[::step][:images],
        digits.labels[::step][:images],
        digits.classes,
        f"digits-{images}",
    )
    torch.manual_seed(0)
    before = os.environ.get("DEEPLING_CACHE_DIR")
    os.environ["DEEPLING_CACHE_DIR"] = str(cache)
    try:
        handle = deepling.show(deepling.load_model("mnist-cnn"), data, token=TOKEN)
    finally:
        if before is None:
            del os.environ["DEEPLING_CACHE_DIR"]
        else:
            os.environ["DEEPLING_CACHE_DIR"] = before
    try:
        yield handle
    finally:
        handle.stop()

"""Schemathesis against the server's own OpenAPI schema: no 5xx, no answer off its schema.

A bounded, seeded run (about 250 requests: valid and invalid ones for every operation); the
longer run is ``python benchmarks/fuzz_api.py``.
"""

from __future__ import annotations

from pathlib import Path

import requests

from api_fuzzing import TOKEN, fuzz, fuzz_target

REQUESTS = 400


def test_generated_requests_get_no_5xx_and_match_the_schema(tmp_path: Path) -> None:
    with fuzz_target(tmp_path / "cache") as server:
        schema = requests.get(
            server.url + "openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        ).json()
        operations = sum(len(methods) for methods in schema["paths"].values())
        report = fuzz(server.url, TOKEN, examples=max(4, REQUESTS // (2 * operations)), seed=0)
    print(report.summary())
    assert report.requests >= 200 and report.operations >= 10
    assert not report.failures, "\n".join(
        f"{f.operation} ({f.mode}) -> {f.status}: {f.error}\n  {f.request}" for f in report.failures
    )
    # Both kinds of request reached the routes: some succeeded, many were refused with a 4xx.
    assert sum(n for s, n in report.by_status.items() if s < 300) > 10
    assert sum(n for s, n in report.by_status.items() if 400 <= s < 500) > 50

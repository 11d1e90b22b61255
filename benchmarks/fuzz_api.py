"""A long schemathesis run against a real Deepling server: prints the request count and every
failure (a 5xx, an answer off its documented schema, an invalid request accepted).

The bounded run in the test suite is tests/server/test_fuzz.py; this one sends ``--examples``
valid and as many invalid requests to every operation (default 30: about 2,000 requests).

    python benchmarks/fuzz_api.py [--examples 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from api_fuzzing import TOKEN, fuzz, fuzz_target  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=30, help="per operation and kind")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache, fuzz_target(Path(cache)) as server:
        report = fuzz(server.url, TOKEN, examples=args.examples, seed=args.seed)
    print(report.summary())
    for operation, seconds in sorted(report.seconds_by_operation.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:6.1f} s  {operation}")
    kinds = Counter((f.operation, f.status, f.error[:120]) for f in report.failures)
    for (operation, status, error), n in kinds.most_common():
        print(f"FAILURE x{n}: {operation} -> {status}: {error}")
        example = next(f for f in report.failures if (f.operation, f.status) == (operation, status))
        print(f"  e.g. {example.request}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())

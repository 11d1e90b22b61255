"""A long schemathesis run (``st run``, every phase) against a real Deepling server: prints the
request count, schemathesis' warnings per operation (``validation_mismatch``: valid requests
refused, the schema does not state a constraint; ``missing_test_data``: valid requests found
nothing, no link or example names real data), every failure (a 5xx, an answer off its
documented schema, an invalid request accepted), and st's own report.

The bounded run in the test suite is tests/server/test_fuzz.py; this one sends ``--examples``
valid and as many invalid requests to every operation (default 30), the coverage phase's
boundary cases, and ``--scenarios`` chains of linked requests.

    python benchmarks/fuzz_api.py [--examples 30] [--scenarios 200] [--seed 0] [--keep DIR]
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
    parser.add_argument("--scenarios", type=int, default=200, help="stateful chains")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="leave st's reports (JSON, NDJSON) here")
    parser.add_argument("--quiet", action="store_true", help="leave out st's own report")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache, fuzz_target(Path(cache)) as server:
        report = fuzz(
            server.url,
            TOKEN,
            examples=args.examples,
            scenarios=args.scenarios,
            seed=args.seed,
            keep=args.keep,
        )
    if not args.quiet:
        print(report.output)
    print(report.summary())
    print("phases: " + ", ".join(f"{p} {s}" for p, s in report.phases.items()))
    for operation, seconds in sorted(report.seconds_by_operation.items(), key=lambda kv: -kv[1]):
        if operation not in report.accepted:
            continue  # a method the schema does not declare (a 405 probe)
        served, sent = report.accepted[operation]
        linked = report.linked.get(operation)
        via = f", linked {linked[1]} ({linked[0]} served)" if linked else ""
        print(f"  {seconds:6.1f} s  {operation}: {served} of {sent} valid served{via}")
    for line in report.warning_lines():
        print(f"WARNING {line}")
    kinds = Counter((f.operation, f.status, f.error[:120]) for f in report.failures)
    for (operation, status, error), n in kinds.most_common():
        print(f"FAILURE x{n}: {operation} -> {status}: {error}")
        example = next(f for f in report.failures if (f.operation, f.status) == (operation, status))
        print(f"  e.g. {example.request}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())

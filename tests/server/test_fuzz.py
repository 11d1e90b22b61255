"""Schemathesis (its own ``st run``) against the server's served OpenAPI schema: no 5xx, no
answer off its schema, invalid requests refused, and the schema tells the truth: valid requests
are served (no ``validation_mismatch``) and find data (no ``missing_test_data``), except where
OpenAPI cannot say what the server needs (``EXCEPTIONS``, each with its reason).

A bounded, seeded run (the fuzzing and stateful phases, about 800 requests); the long run, with
the coverage phase, is ``python benchmarks/fuzz_api.py``.
"""

from __future__ import annotations

from pathlib import Path

from api_fuzzing import TOKEN, fuzz, fuzz_target

EXAMPLES = 10  # per operation and generation mode

# Two query parameters of which exactly one must be given: OpenAPI cannot state that of
# parameters (a body's ImageRef does), so a valid-looking request may give both or neither.
IMAGE_QUERY = "`index` or `tray`: exactly one of two query parameters"
# A result exists once its job has finished; a linked request may come while it still runs.
RESULT = "a job's result, linked from the job's start, 404 until the job has finished"
# A set's name comes from PUT /api/ablations/{name}, which the stateful phase never starts with
# (PUT is no root) and links reach only from GET /api/ablations once a set exists.
SET_NAME = "an ablation set's name, which the client chooses"
# Its channel's range depends on the node in the path: OpenAPI cannot relate two parameters.
NODE_CHANNEL = "a channel of the node in the path"
# Comparing needs a model to compare with, which a PUT /api/checkpoints/compare earlier in the
# run may have set to none (a 400 saying so): state, not something a schema states.
COMPARED = "a model to compare with, which an earlier PUT /api/checkpoints/compare may unset"
BOTH = {"validation_mismatch", "missing_test_data"}
MISMATCH = {"validation_mismatch"}
MISSING = {"missing_test_data"}
EXCEPTIONS: dict[str, tuple[set[str], str]] = {
    "GET /api/image/image.png": (BOTH, IMAGE_QUERY),
    "GET /api/image/predictions": (BOTH, IMAGE_QUERY),
    "GET /api/image/activations/{node}": (BOTH, IMAGE_QUERY),
    "GET /api/attribution": (BOTH, IMAGE_QUERY + "; a slow method's map is a job's result"),
    "GET /api/ablations/{name}/predictions": (BOTH, IMAGE_QUERY + "; " + SET_NAME),
    "GET /api/top-activations/{node}/{channel}": (BOTH, NODE_CHANNEL + "; " + RESULT),
    "GET /api/channel-stats/{node}": (MISSING, RESULT),
    "GET /api/strips/{key}": (MISSING, RESULT),
    "GET /api/strips/{key}/frames": (MISSING, RESULT),
    "GET /api/strips/{key}/diffs": (MISSING, RESULT),
    "GET /api/strips/{key}/frames/{frame}.png": (MISSING, RESULT),
    "GET /api/projections/{key}/layers/{layer}": (MISSING, RESULT),
    "GET /api/projections/{key}": (MISSING, RESULT),
    "GET /api/projections/{key}/scores": (MISSING, RESULT),
    "GET /api/featurevis/{key}.png": (MISSING, RESULT),
    "GET /api/layer-atlas/{key}.png": (MISSING, RESULT),
    "GET /api/occlusion/{key}": (MISSING, RESULT),
    "GET /api/ablation-effects/{key}": (MISSING, RESULT),
    "GET /api/checkpoints/history/{key}": (MISSING, RESULT),
    "GET /api/comparisons/{key}": (MISSING, RESULT),
    "GET /api/cka/{key}": (MISSING, RESULT),
    "GET /api/trust/randomization/{key}": (MISSING, RESULT),
    "GET /api/trust/randomization/{key}/maps": (MISSING, RESULT),
    "GET /api/trust/faithfulness/{key}": (MISSING, RESULT),
    "GET /api/trust/table/{key}": (MISSING, RESULT),
    "GET /api/trust/table/{key}.csv": (MISSING, RESULT),
    "GET /api/trust/featurevis/{key}": (MISSING, RESULT),
    "GET /api/checkpoints/weight-change": (MISMATCH, COMPARED),
    "POST /api/jobs/comparison": (MISMATCH, COMPARED),
    "POST /api/jobs/cka": (MISMATCH, COMPARED),
    "PUT /api/ablations/{name}": (MISSING, "`combine` names sets, which the client chooses"),
    "DELETE /api/ablations/{name}": (MISSING, SET_NAME),
    "POST /api/jobs/ablation/{name}": (MISSING, SET_NAME),
}
# Routes the stateful phase must reach with a value an earlier answer gave it (a link): a job's
# id, a tray image's id, and some result's key (which results, depends on the draw).
LINKED = ["GET /api/jobs/{job_id}", "DELETE /api/tray/{tray_id}"]


def test_generated_requests_get_no_5xx_match_the_schema_and_are_served(tmp_path: Path) -> None:
    with fuzz_target(tmp_path / "cache") as server:
        report = fuzz(
            server.url, TOKEN, examples=EXAMPLES, phases=("fuzzing", "stateful"), scenarios=60
        )
    print(report.summary(), *report.warning_lines(), sep="\n")
    assert report.phases["fuzzing"] == report.phases["stateful"] == "success", report.output
    assert report.requests >= 400 and report.operations >= 40
    assert not report.failures, "\n".join(
        f"{f.operation} ({f.mode}) -> {f.status}: {f.error}\n  {f.request}" for f in report.failures
    )
    unexplained = [
        f"{kind}: {label} ({report.accepted.get(label, (0, 0))[0]} served)"
        for kind in ("validation_mismatch", "missing_test_data")
        for label in sorted(report.warned(kind))
        if kind not in EXCEPTIONS.get(label, (set(), ""))[0]
    ]
    assert not unexplained, "\n".join(unexplained)
    # The links work: stateful requests took a job's key or a tray image's id from an answer.
    unlinked = [label for label in LINKED if report.linked.get(label, (0, 0))[1] == 0]
    assert not unlinked, f"no linked request reached {unlinked}; linked: {report.linked}"
    assert any("{key}" in label for label in report.linked), report.linked
    # Both kinds of request reached the routes: many were served, many refused with a 4xx.
    assert sum(n for s, n in report.by_status.items() if s < 300) > 100
    assert sum(n for s, n in report.by_status.items() if 400 <= s < 500) > 50

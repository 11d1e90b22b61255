"""OpenAPI links, derived in one place from two kinds of mark: an operation whose response
makes something (a job, its cached result, a tray image, an ablation set) and the parameters
that take it. A client (or a fuzzer's stateful phase) then knows that ``POST /api/jobs/strip``
answers with the ``key`` that ``GET /api/strips/{key}`` takes, without reading any prose.

    @router.post("/jobs/strip", **STRIP.job_route())       # makes a job and a "strip" key
    def strip(key: Annotated[str, STRIP.key_parameter()])  # takes a "strip" key

``add_links`` turns the marks into links on the maker's response (by the taker's operationId),
and removes them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from deepling.server.jobs.schemas import JobOut

MAKES = "x-makes"
TAKES = "x-takes"

JOB = "job"
TRAY_IMAGE = "tray-image"
ABLATION_SET = "ablation-set"


def takes(kind: str) -> dict[str, Any]:
    """The mark of a path or query parameter that names a ``kind`` of thing (its
    ``json_schema_extra``)."""
    return {TAKES: kind}


def makes(status: int, **kinds: str) -> dict[str, Any]:
    """The mark of an operation whose ``status`` response makes things (its ``openapi_extra``):
    each kind with the runtime expression that finds it, e.g. ``"$response.body#/id"``."""
    return {MAKES: {str(status): kinds}}


def starts_job(*, key: str | None = None, **path: str) -> dict[str, Any]:
    """The route arguments of an operation that starts a job: a 202 with the job (which the job
    routes take by id), and its result: a ``key`` kind (a cached analysis, from the job's
    ``key``), or kinds named by the request's own path parameters (kind -> parameter)."""
    results = {kind: f"$request.path.{name}" for kind, name in path.items()}
    if key is not None:
        results[key] = "$response.body#/key"
    return {
        "response_model": JobOut,
        "status_code": 202,
        "responses": QUEUE_FULL,
        "openapi_extra": makes(202, **{JOB: "$response.body#/id"}, **results),
    }


# A new job beyond the queue's bound is refused (manager.QueueFull), to be retried.
QUEUE_FULL: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "the job queue is full: retry after `Retry-After` seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"detail": {"type": "string"}},
                    "required": ["detail"],
                }
            }
        },
    }
}


def add_links(document: dict[str, Any]) -> None:
    """Links from every response marked ``makes`` to every operation with a parameter marked
    ``takes`` of a kind it makes, itself included (polling a job; replacing a set), in place;
    the marks are removed."""
    operations = [
        (path, method, operation)
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    ]
    taken: dict[str, list[tuple[str, str]]] = defaultdict(list)  # kind -> (operationId, param)
    for _, _, operation in operations:
        for parameter in operation.get("parameters", []):
            kind = _pop_mark(parameter.get("schema", {}))
            if kind is not None:
                where = f"{parameter['in']}.{parameter['name']}"
                taken[kind].append((operation["operationId"], where))
    for _, _, operation in operations:
        for status, kinds in operation.pop(MAKES, {}).items():
            links: dict[str, Any] = {}
            for kind, expression in kinds.items():
                for target, where in taken.get(kind, []):
                    link = links.setdefault(target, {"operationId": target, "parameters": {}})
                    link["parameters"][where] = expression
            if links:
                operation["responses"][status]["links"] = dict(sorted(links.items()))


def _pop_mark(schema: dict[str, Any]) -> str | None:
    """A parameter's mark, from its schema or a nullable schema's non-null branch."""
    kind: str | None = schema.pop(TAKES, None)
    for branch in schema.get("anyOf", []):
        kind = branch.pop(TAKES, None) or kind
    return kind

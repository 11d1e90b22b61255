"""The OpenAPI documents tell the truth: the session-free one (the front end's types) has the
links and no session facts; the served one states the session's facts (node names, index range,
each node's channels), and the server agrees with them at their bounds; the links, followed,
lead to what they promise."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from fastapi.testclient import TestClient

import deepling
from deepling.cache import ArrayCache
from deepling.data.base import ArrayDataset
from deepling.data.demo_mnist import load_demo_mnist
from deepling.server.app import create_app, openapi_document
from deepling.server.session import Session

IMAGES = 12


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    digits = load_demo_mnist()
    data = ArrayDataset(digits.pixels[:IMAGES], digits.labels[:IMAGES], digits.classes, "d12")
    torch.manual_seed(0)
    cache = ArrayCache(tmp_path_factory.mktemp("cache"))
    session = Session(deepling.load_model("mnist-cnn"), data, cache)
    yield session
    session.close()


@pytest.fixture(scope="module")
def client(session: Session) -> Iterator[TestClient]:
    with TestClient(create_app(session)) as c:
        yield c


@pytest.fixture(scope="module")
def served(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _operation(document: dict[str, Any], label: str) -> dict[str, Any]:
    method, path = label.split(" ")
    found: dict[str, Any] = document["paths"][path][method.lower()]
    return found


def _parameter(document: dict[str, Any], label: str, name: str) -> dict[str, Any]:
    (found,) = (p for p in _operation(document, label)["parameters"] if p["name"] == name)
    schema: dict[str, Any] = found["schema"]
    return schema


def _component(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


def _operations_by_id(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (method, path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    }


def test_the_session_free_document_has_no_marks_and_no_session_facts() -> None:
    document = openapi_document()
    text = json.dumps(document)
    assert not [m for m in ("x-fact", "x-by-node", "x-served", "x-takes", "x-makes") if m in text]
    node = _parameter(document, "GET /api/image/activations/{node}", "node")
    assert "enum" not in node
    index = _component(document, "DatasetImageRef")["properties"]["index"]
    assert index["minimum"] == 0 and "maximum" not in index
    assert "anyOf" not in _component(document, "FeatureVisRequest")
    # A body names one image: {"index": n} or {"tray": id}, each refusing the other's field.
    image = _component(document, "StripRequest")["properties"]["image"]
    assert [b["$ref"].rsplit("/", 1)[1] for b in image["anyOf"]] == [
        "DatasetImageRef",
        "TrayImageRef",
    ]
    assert _component(document, "TrayImageRef")["additionalProperties"] is False


def test_every_link_names_an_operation_and_its_parameters() -> None:
    document = openapi_document()
    operations = _operations_by_id(document)
    links = {
        (f"{method.upper()} {path}", status): response["links"]
        for path, item in document["paths"].items()
        for method, op in item.items()
        for status, response in op["responses"].items()
        if "links" in response
    }
    for (source, _), found in links.items():
        for link in found.values():
            _, _, target = operations[link["operationId"]]
            names = {f"{p['in']}.{p['name']}" for p in target.get("parameters", [])}
            assert set(link["parameters"]) <= names, (source, link)
    strip = links[("POST /api/jobs/strip", "202")]
    targets = {f"{operations[k][0].upper()} {operations[k][1]}": v for k, v in strip.items()}
    assert targets["GET /api/jobs/{job_id}"]["parameters"] == {"path.job_id": "$response.body#/id"}
    for route in ("", "/frames", "/diffs", "/frames/{frame}.png"):
        expected = {"path.key": "$response.body#/key"}
        assert targets[f"GET /api/strips/{{key}}{route}"]["parameters"] == expected
    tray = links[("POST /api/tray", "201")]
    targets = {f"{operations[k][0].upper()} {operations[k][1]}": v for k, v in tray.items()}
    assert targets["DELETE /api/tray/{tray_id}"]["parameters"] == {
        "path.tray_id": "$response.body#/id"
    }
    for route in ("image.png", "predictions", "activations/{node}"):
        assert targets[f"GET /api/image/{route}"]["parameters"] == {
            "query.tray": "$response.body#/id"
        }


def test_the_served_document_states_the_session_facts(
    served: dict[str, Any], session: Session
) -> None:
    graph = session.model.graph()
    for label in (
        "GET /api/image/activations/{node}",
        "POST /api/jobs/channel-stats/{node}",
        "GET /api/top-activations/{node}/{channel}",
    ):
        assert _parameter(served, label, "node")["enum"] == graph.names
    index = _component(served, "DatasetImageRef")["properties"]["index"]
    assert index["maximum"] == IMAGES - 1
    query = _parameter(served, "GET /api/image/predictions", "index")
    assert query["anyOf"][0]["maximum"] == IMAGES - 1
    branches = {
        b["properties"]["node"]["const"]: b
        for b in _component(served, "FeatureVisRequest")["anyOf"]
    }
    assert graph.input.name not in branches and "output" in branches
    for node in graph.nodes[1:]:
        channels = node.shape[0] if node.shape else 1
        assert branches[node.name]["properties"]["channel"]["maximum"] == channels - 1
    assert served["paths"].keys() == openapi_document()["paths"].keys()


def test_the_server_agrees_with_the_served_bounds(
    client: TestClient, served: dict[str, Any]
) -> None:
    """At each bound the schema states, the server serves; one past it, it refuses."""
    for branch in _component(served, "AblationIn")["anyOf"]:
        node = branch["properties"]["node"]["const"]
        top = branch["properties"]["channels"]["items"]["maximum"]
        body = {"ablations": [{"node": node, "channels": [top]}]}
        assert client.put("/api/ablations/bound", json=body).status_code == 200, node
        body = {"ablations": [{"node": node, "channels": [top + 1]}]}
        assert client.put("/api/ablations/bound", json=body).status_code == 400, node
    top = _component(served, "DatasetImageRef")["properties"]["index"]["maximum"]
    assert client.get("/api/image/predictions", params={"index": top}).status_code == 200
    assert client.get("/api/image/predictions", params={"index": top + 1}).status_code == 404
    side = _component(served, "OcclusionRequest")["properties"]["patch"]["maximum"]
    image = {"image": {"index": 0}}
    assert client.post("/api/jobs/occlusion", json=image | {"patch": side}).status_code == 202
    refused = client.post("/api/jobs/occlusion", json=image | {"patch": side + 1})
    assert refused.status_code == 400 and "patch" in refused.json()["detail"]


def test_bodies_take_the_json_types_their_schema_states(client: TestClient) -> None:
    """No booleans or numeric strings for numbers (pydantic's lax mode took them); a whole
    number written 3.0 is the integer it is in JSON Schema."""
    for body in (
        {"image": {"index": False}},
        {"image": {"index": "3"}},
        {"image": {"index": 0}, "top": True},
        {"image": {"index": 0}, "edits": [{"op": "blur", "sigma": False}]},
        {"image": {"index": 0, "tray": "x"}},
    ):
        assert client.post("/api/whatif/preview", json=body).status_code == 422, body
    body = {"image": {"index": 3.0}, "top": 2.0, "edits": [{"op": "shift", "dx": 1.0}]}
    assert client.post("/api/whatif/preview", json=body).status_code == 200


def _follow(link: dict[str, Any], answer: dict[str, Any], operations: dict[str, Any]) -> str:
    """The target's URL with the link's parameters taken from ``answer`` (a JSON body)."""
    _, path, _ = operations[link["operationId"]]
    query = {}
    for where, expression in link["parameters"].items():
        location, name = where.split(".")
        value = answer[expression.removeprefix("$response.body#/")]
        if location == "path":
            path = path.replace(f"{{{name}}}", str(value))
        else:
            query[name] = value
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_followed_links_lead_to_the_job_its_result_and_the_tray_image(
    client: TestClient, served: dict[str, Any]
) -> None:
    operations = _operations_by_id(served)
    links = _operation(served, "POST /api/jobs/featurevis")["responses"]["202"]["links"]
    job = client.post("/api/jobs/featurevis", json={"node": "output", "channel": 0, "steps": 2})
    assert job.status_code == 202
    by_target = {operations[k][1]: v for k, v in links.items() if operations[k][0] == "get"}
    poll = _follow(by_target["/api/jobs/{job_id}"], job.json(), operations)
    deadline = time.monotonic() + 60
    while client.get(poll).json()["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.05)
    result = client.get(_follow(by_target["/api/featurevis/{key}.png"], job.json(), operations))
    assert result.status_code == 200 and result.headers["content-type"] == "image/png"

    tray = client.post("/api/tray", json={"image": {"index": 1}})
    links = _operation(served, "POST /api/tray")["responses"]["201"]["links"]
    by_target = {operations[k][:2]: v for k, v in links.items()}
    image = client.get(_follow(by_target[("get", "/api/image/image.png")], tray.json(), operations))
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    removed = _follow(by_target[("delete", "/api/tray/{tray_id}")], tray.json(), operations)
    assert client.delete(removed).status_code == 204

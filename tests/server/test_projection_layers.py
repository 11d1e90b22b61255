"""One projection layer at a time over HTTP (GET /api/projections/{key}/layers/{layer}): the
whole result's slices, read from disk once per projection, clear 404s, NaN passed through."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from deepling import create_app
from deepling.analysis.projection import Projection
from deepling.server.projection.job import PROJECTION
from deepling.server.projection.recent import HELD, recent_projections
from deepling.server.session import Session
from job_client import finish_job


@pytest.fixture()
def served(trained_mnist, mnist_split, tmp_path) -> Iterator[tuple[TestClient, Session]]:  # type: ignore[no-untyped-def]
    session = Session.open(trained_mnist[0], mnist_split[1], tmp_path)
    with TestClient(create_app(session)) as client:
        yield client, session


def _project(client: TestClient, indices: list[int]) -> str:
    job = finish_job(client, "/api/jobs/projection", {"indices": indices, "pivots": 10})
    assert job["state"] == "done", job
    return str(job["key"])


def _layer(client: TestClient, key: str, layer: int) -> np.ndarray:
    response = client.get(f"/api/projections/{key}/layers/{layer}")
    assert response.status_code == 200, response.text
    shape = tuple(int(v) for v in response.headers["X-Shape"].split(","))
    return np.frombuffer(response.content, dtype="<f4").reshape(shape)


def _count_reads(session: Session) -> list[str]:
    """The keys of the projection entries read from disk from now on."""
    reads: list[str] = []
    load = session.cache.load

    def counted(kind: str, key: str) -> dict[str, np.ndarray] | None:
        if kind == PROJECTION.kind:
            reads.append(key)
        return load(kind, key)

    session.cache.load = counted  # type: ignore[method-assign]
    return reads


def test_each_layer_is_the_whole_results_slice(served: tuple[TestClient, Session]) -> None:
    client, _ = served
    key = _project(client, list(range(50)))
    whole = client.get(f"/api/projections/{key}")
    nodes = whole.headers["X-Nodes"].split(",")
    coords = np.frombuffer(whole.content, dtype="<f4").reshape(len(nodes), 50, 2)
    for layer, node in enumerate(nodes):
        response = client.get(f"/api/projections/{key}/layers/{layer}")
        assert response.headers["X-Shape"] == "50,2"
        assert response.headers["X-Node"] == node
        assert response.headers["X-Layers"] == str(len(nodes))
        np.testing.assert_array_equal(_layer(client, key, layer), coords[layer])


def test_a_projection_is_read_from_disk_once_for_all_its_layers(
    served: tuple[TestClient, Session],
) -> None:
    client, session = served
    keys = [_project(client, list(range(start, start + 30))) for start in (0, 30, 60)]
    layers = len(client.get("/api/projection-layers").json()["all"])
    reads = _count_reads(session)
    for layer in range(layers):
        _layer(client, keys[0], layer)
    client.get(f"/api/projections/{keys[0]}/scores").raise_for_status()
    assert reads == [keys[0]]
    # Held in memory: the two most recent. A third pushes out the least recently used.
    _layer(client, keys[1], 0)
    _layer(client, keys[0], 1)  # still held: no read
    _layer(client, keys[2], 0)  # pushes out keys[1]
    assert reads == keys[:1] + keys[1:3]
    assert recent_projections(session).keys() == [keys[0], keys[2]]
    assert len(recent_projections(session).keys()) == HELD
    _layer(client, keys[1], 0)  # read again
    assert reads[-1] == keys[1] and len(reads) == 4


def test_unknown_keys_and_layers_past_the_last_are_404(served: tuple[TestClient, Session]) -> None:
    client, _ = served
    key = _project(client, list(range(20)))
    layers = len(client.get("/api/projection-layers").json()["all"])
    past = client.get(f"/api/projections/{key}/layers/{layers}")
    assert past.status_code == 404
    assert f"Layer {layers} is out of range" in past.json()["detail"]
    assert client.get(f"/api/projections/{key}/layers/{10**12}").status_code == 404
    assert client.get(f"/api/projections/{key}/layers/-1").status_code == 422
    assert client.get(f"/api/projections/{key}/layers/one").status_code == 422
    for unknown in ("0" * 32, "zz"):  # the 404 says how to make one
        missing = client.get(f"/api/projections/{unknown}/layers/0")
        assert missing.status_code == 404, missing.text
        assert "POST /api/jobs/projection" in missing.json()["detail"]
    hostile = client.get("/api/projections/..%2F..%2Fetc%2Fpasswd/layers/0")
    assert hostile.status_code == 404


def test_images_that_could_not_be_read_stay_nan(served: tuple[TestClient, Session]) -> None:
    client, session = served
    # An entry as a projection with unreadable images stores it: NaN for those points.
    coords = np.random.default_rng(0).uniform(-1, 1, (3, 10, 2)).astype(np.float32)
    coords[:, [2, 7]] = np.nan
    key = "f" * 32
    session.cache.save(PROJECTION.kind, key, Projection(["a", "b", "c"], coords).arrays())
    for layer in range(3):
        served_layer = _layer(client, key, layer)
        assert np.isnan(served_layer[[2, 7]]).all()
        np.testing.assert_array_equal(
            np.delete(served_layer, [2, 7], 0), np.delete(coords[layer], [2, 7], 0)
        )

"""How far to trust an explanation: checks of one image, a ranked table over a dataset
sample, and the feature-visualisation path check (each a cached job)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from deepling.server.deps import SessionDep
from deepling.server.encoding import FLOAT32_RESPONSE, float32_response
from deepling.server.featurevis.schemas import FeatureVisRequest
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut
from deepling.server.trust.featurevis_check import (
    FEATUREVIS_CHECK,
    featurevis_check_out,
    start_featurevis_check,
)
from deepling.server.trust.image_checks import (
    FAITHFULNESS,
    RANDOMIZATION,
    faithfulness_out,
    randomization_maps,
    randomization_out,
    start_faithfulness,
    start_randomization,
)
from deepling.server.trust.schemas import (
    FaithfulnessOut,
    FeatureVisCheckOut,
    ImageCheckRequest,
    RandomizationOut,
    RandomizationRequest,
    TableOut,
    TableRequest,
)
from deepling.server.trust.table import (
    TABLE,
    latest_table_key,
    start_table,
    table_csv,
    table_out,
)

router = APIRouter(prefix="/api", tags=["trust"])
RandomizationKey = Annotated[str, RANDOMIZATION.key_parameter()]
FaithfulnessKey = Annotated[str, FAITHFULNESS.key_parameter()]
TableKey = Annotated[str, TABLE.key_parameter()]
FeatureVisKey = Annotated[str, FEATUREVIS_CHECK.key_parameter()]
NO_TABLE_YET: dict[int | str, dict[str, Any]] = {
    204: {"description": "no table has been computed for this model and data in this session"}
}
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


@router.post("/jobs/trust/randomization", **RANDOMIZATION.job_route())
def start_randomization_job(session: SessionDep, body: RandomizationRequest) -> JobOut:
    """The model-randomisation check of one method on one image: the layers re-initialised
    from the logits down, the map after each step compared with the original."""
    return job_out(start_randomization(session, body))


@router.get("/trust/randomization/{key}", response_model=RandomizationOut)
def randomization(session: SessionDep, key: RandomizationKey) -> RandomizationOut:
    return randomization_out(session, key)


@router.get("/trust/randomization/{key}/maps", response_class=Response, responses=FLOAT32_RESPONSE)
def randomization_maps_of(session: SessionDep, key: RandomizationKey) -> Response:
    """The maps ``(S + 1, H, W)`` as little-endian float32: the original, then one per step."""
    return float32_response(randomization_maps(session, key))


@router.post("/jobs/trust/faithfulness", **FAITHFULNESS.job_route())
def start_faithfulness_job(session: SessionDep, body: ImageCheckRequest) -> JobOut:
    """Deletion, insertion and ROAD curves and max-sensitivity of one method on one image."""
    return job_out(start_faithfulness(session, body))


@router.get("/trust/faithfulness/{key}", response_model=FaithfulnessOut)
def faithfulness(session: SessionDep, key: FaithfulnessKey) -> FaithfulnessOut:
    return faithfulness_out(session, key)


@router.post("/jobs/trust/table", **TABLE.job_route())
def start_table_job(session: SessionDep, body: TableRequest) -> JobOut:
    """Every method and control measured on a seeded sample of the dataset, ranked."""
    return job_out(start_table(session, body))


@router.get("/trust/table/latest", response_model=TableOut, responses=NO_TABLE_YET)
def latest_table(session: SessionDep) -> TableOut | Response:
    """The table last made on the selected model and data in this session (or asked for,
    when it was cached); 204 before there is one (no job is started)."""
    key = latest_table_key(session)
    return Response(status_code=204) if key is None else table_out(session, key)


# The routes with a {key} come after "latest", and the CSV before the JSON: {key} would match
# "latest" and "KEY.csv" too.
@router.get("/trust/table/{key}.csv", response_class=Response, responses=CSV_RESPONSE)
def table_as_csv(session: SessionDep, key: TableKey) -> Response:
    """The table as CSV (one row per method), to download."""
    return Response(
        table_csv(table_out(session, key)),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="deepling-trust-{key[:12]}.csv"'},
    )


@router.get("/trust/table/{key}", response_model=TableOut)
def table(session: SessionDep, key: TableKey) -> TableOut:
    return table_out(session, key)


@router.post("/jobs/trust/featurevis", **FEATUREVIS_CHECK.job_route())
def start_featurevis_check_job(session: SessionDep, body: FeatureVisRequest) -> JobOut:
    """Whether a channel's visualisation travels through the network like its top natural
    images (Geirhos et al., 2024): a verdict and the per-layer correlations."""
    return job_out(start_featurevis_check(session, body))


@router.get("/trust/featurevis/{key}", response_model=FeatureVisCheckOut)
def featurevis_check(session: SessionDep, key: FeatureVisKey) -> FeatureVisCheckOut:
    return featurevis_check_out(session, key)

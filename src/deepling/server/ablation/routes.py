"""Channel ablation: switch channels off and re-evaluate the dataset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from deepling.models.ablated import Ablation
from deepling.server.ablation.effect import EFFECT, load_effect, start_effect
from deepling.server.ablation.schemas import (
    SET_NAME,
    AblatedPrediction,
    AblationEffectOut,
    AblationSetIn,
)
from deepling.server.ablation.schemas import AblationSetOut as SetOut
from deepling.server.ablation.sets import get_set, resolve_set, set_out
from deepling.server.deps import SessionDep
from deepling.server.images.refs import ImageQuery
from deepling.server.jobs.links import ABLATION_SET, makes, takes
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut

router = APIRouter(prefix="/api", tags=["ablation"])

SetName = Annotated[
    str,
    Path(pattern=SET_NAME, description="ablation set name", json_schema_extra=takes(ABLATION_SET)),
]
EffectKey = Annotated[str, EFFECT.key_parameter()]


def _named_set(session: SessionDep, name: SetName) -> tuple[Ablation, ...]:
    return get_set(session, name)


# Looked up before an image query is read: an unknown set is a 404 whatever the image.
NamedSet = Annotated[tuple[Ablation, ...], Depends(_named_set)]


# The list names existing sets (its first for links); a set's own answer names it.
@router.get(
    "/ablations",
    response_model=list[SetOut],
    openapi_extra=makes(200, **{ABLATION_SET: "$response.body#/0/name"}),
)
def list_sets(session: SessionDep) -> list[SetOut]:
    return [set_out(name, found) for name, found in session.ablation_sets.items()]


@router.put(
    "/ablations/{name}",
    response_model=SetOut,
    openapi_extra=makes(200, **{ABLATION_SET: "$response.body#/name"}),
)
def put_set(session: SessionDep, name: SetName, request: AblationSetIn) -> SetOut:
    """Create or replace the named set (its ablations plus those of ``combine``'s sets)."""
    session.ablation_sets[name] = resolve_set(session, request)
    return set_out(name, session.ablation_sets[name])


@router.delete("/ablations/{name}", status_code=204, response_class=Response)
def delete_set(session: SessionDep, name: SetName) -> Response:
    get_set(session, name)
    session.ablation_sets.pop(name, None)
    return Response(status_code=204)


@router.get("/ablations/{name}/predictions", response_model=AblatedPrediction)
def ablated_predictions(
    session: SessionDep, name: SetName, ablations: NamedSet, image: ImageQuery
) -> AblatedPrediction:
    """The image's class probabilities without and with the set (both in one response)."""
    x = image.pixels[None]
    before = session.model.predict(x)[0]
    after = session.model.with_ablations(ablations).predict(x)[0]
    return AblatedPrediction(
        name=name,
        label=image.label,
        title=image.title,
        before=before.tolist(),
        after=after.tolist(),
    )


@router.post("/jobs/ablation/{name}", **EFFECT.job_route())
def start_ablation_job(session: SessionDep, name: SetName) -> JobOut:
    """Re-evaluate the dataset with the set; the finished job's ``result_url`` serves the
    per-class accuracy before and after and the images whose prediction changed."""
    return job_out(start_effect(session, name))


@router.get("/ablation-effects/{key}", response_model=AblationEffectOut)
def ablation_effect(session: SessionDep, key: EffectKey) -> AblationEffectOut:
    return load_effect(session, key)

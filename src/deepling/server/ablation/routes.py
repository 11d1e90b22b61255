"""Channel ablation: switch channels off and re-evaluate the dataset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from deepling.server.ablation.effect import load_effect, start_effect
from deepling.server.ablation.schemas import AblatedPrediction, AblationEffectOut, AblationSetIn
from deepling.server.ablation.schemas import AblationSetOut as SetOut
from deepling.server.ablation.sets import get_set, resolve_set, set_out
from deepling.server.deps import SessionDep
from deepling.server.images.refs import ImageQuery
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut

router = APIRouter(prefix="/api", tags=["ablation"])

SetName = Annotated[str, Path(pattern=r"^[\w .+-]{1,64}$", description="ablation set name")]


@router.get("/ablations", response_model=list[SetOut])
def list_sets(session: SessionDep) -> list[SetOut]:
    return [set_out(name, found) for name, found in session.ablation_sets.items()]


@router.put("/ablations/{name}", response_model=SetOut)
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
def ablated_predictions(session: SessionDep, name: SetName, image: ImageQuery) -> AblatedPrediction:
    """The image's class probabilities without and with the set (both in one response)."""
    ablations = get_set(session, name)
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


@router.post("/jobs/ablation/{name}", response_model=JobOut, status_code=202)
def start_ablation_job(session: SessionDep, name: SetName) -> JobOut:
    """Re-evaluate the dataset with the set; the finished job's ``result_url`` serves the
    per-class accuracy before and after and the images whose prediction changed."""
    return job_out(start_effect(session, name))


@router.get("/ablation-effects/{key}", response_model=AblationEffectOut)
def ablation_effect(session: SessionDep, key: str) -> AblationEffectOut:
    return load_effect(session, key)

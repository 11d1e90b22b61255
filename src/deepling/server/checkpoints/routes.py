"""The series of checkpoints (select one, pick one to compare with) and what changed between
the selected model and the compared one."""

from __future__ import annotations

import threading
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Request

from deepling.analysis.weight_change import weight_change
from deepling.server.checkpoints.jobs import (
    CKA,
    COMPARISON,
    HISTORY,
    start_checkpoint_projection,
    start_cka,
    start_comparison,
    start_history,
)
from deepling.server.checkpoints.schemas import (
    CheckpointProjectionRequest,
    CheckpointsOut,
    CKAOut,
    CKARequest,
    CompareRequest,
    ComparisonOut,
    HistoryOut,
    LayerChangeOut,
    SelectCheckpoint,
    WeightChangeOut,
)
from deepling.server.deps import SessionDep
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut
from deepling.server.projection.job import PROJECTION
from deepling.server.session import Session

router = APIRouter(prefix="/api", tags=["checkpoints"])
_switching = threading.Lock()  # one switch at a time: the compare choice carries over


def _finite(values: np.ndarray) -> list[float | None]:
    return [round(float(v), 6) if np.isfinite(v) else None for v in values]


def checkpoints_out(session: Session) -> CheckpointsOut:
    series = session.checkpoints
    return CheckpointsOut(
        checkpoints=series.names if series is not None else [session.model.name],
        series=series is not None and len(series) > 1,
        selected=session.checkpoint,
        model=session.model.name,
        compare=None if session.compare is None else session.compare.name,
        compare_checkpoint=session.compare_checkpoint,
        external=None if session.external is None else session.external.name,
    )


@router.get("/checkpoints", response_model=CheckpointsOut)
def checkpoints(session: SessionDep) -> CheckpointsOut:
    return checkpoints_out(session)


@router.put("/checkpoints/selected", response_model=CheckpointsOut)
def select_checkpoint(
    request: Request, session: SessionDep, body: SelectCheckpoint
) -> CheckpointsOut:
    """Show checkpoint ``checkpoint`` in every view (jobs already running finish on the one
    they started with)."""
    with _switching:
        current: Session = request.app.state.session
        if body.checkpoint != current.checkpoint:
            request.app.state.session = current.switch(body.checkpoint)
        return checkpoints_out(request.app.state.session)


@router.put("/checkpoints/compare", response_model=CheckpointsOut)
def choose_compare(request: Request, session: SessionDep, body: CompareRequest) -> CheckpointsOut:
    with _switching:
        current: Session = request.app.state.session
        current.compare_with(body.checkpoint, external=body.external)
        return checkpoints_out(current)


@router.post("/jobs/checkpoint-history", **HISTORY.job_route())
def start_history_job(session: SessionDep) -> JobOut:
    """Evaluate every checkpoint of the series (each evaluation cached)."""
    return job_out(start_history(session))


@router.get("/checkpoints/history/{key}", response_model=HistoryOut)
def history(session: SessionDep, key: Annotated[str, HISTORY.key_parameter()]) -> HistoryOut:
    stored = HISTORY.load(session, key)
    return HistoryOut(
        key=key,
        names=[str(n) for n in stored["names"]],
        accuracy=_finite(stored["accuracy"]),
        loss=_finite(stored["loss"]),
    )


@router.post("/jobs/checkpoint-projection", **PROJECTION.job_route())
def start_checkpoint_projection_job(
    session: SessionDep, request: CheckpointProjectionRequest
) -> JobOut:
    """The chosen images at one layer under every checkpoint, each layout aligned to the
    previous checkpoint's; served by the projection routes (one frame per checkpoint)."""
    return job_out(start_checkpoint_projection(session, request))


@router.post("/jobs/comparison", **COMPARISON.job_route())
def start_comparison_job(session: SessionDep) -> JobOut:
    """Evaluate the selected and the compared model (cached) and compare them."""
    return job_out(start_comparison(session))


@router.get("/comparisons/{key}", response_model=ComparisonOut)
def comparison(
    session: SessionDep, key: Annotated[str, COMPARISON.key_parameter()]
) -> ComparisonOut:
    stored = COMPARISON.load(session, key)
    a, b = (str(n) for n in stored["names"])
    accuracy = _finite(stored["accuracy"])
    return ComparisonOut(
        key=key,
        a=a,
        b=b,
        classes=session.model.classes,
        confusion=stored["confusion"].astype(int).tolist(),
        recall_a=_finite(stored["recall_a"]),
        recall_b=_finite(stored["recall_b"]),
        accuracy_a=accuracy[0],
        accuracy_b=accuracy[1],
        fixed=stored["fixed"].astype(int).tolist(),
        broken=stored["broken"].astype(int).tolist(),
        changed=stored["changed"].astype(int).tolist(),
    )


@router.post("/jobs/cka", **CKA.job_route())
def start_cka_job(session: SessionDep, request: CKARequest) -> JobOut:
    """Linear CKA between every layer of the selected model and every layer of the compared
    one, over a sample of the dataset (default 2,000 images)."""
    return job_out(start_cka(session, request))


@router.get("/cka/{key}", response_model=CKAOut)
def cka_result(session: SessionDep, key: Annotated[str, CKA.key_parameter()]) -> CKAOut:
    stored = CKA.load(session, key)
    a, b = (str(n) for n in stored["names"])
    return CKAOut(
        key=key,
        a=a,
        b=b,
        nodes_a=[str(n) for n in stored["nodes_a"]],
        nodes_b=[str(n) for n in stored["nodes_b"]],
        values=[_finite(row) for row in stored["values"]],
        images=int(stored["images"][0]),
    )


@router.get("/checkpoints/weight-change", response_model=WeightChangeOut)
def weight_change_route(session: SessionDep) -> WeightChangeOut:
    """How far each layer's weights moved from the selected model to the compared one (the
    same architecture)."""
    other = session.compared()
    layers = weight_change(session.model, other)
    return WeightChangeOut(
        a=session.model.name,
        b=other.name,
        layers=[LayerChangeOut(**vars(layer)) for layer in layers],
    )

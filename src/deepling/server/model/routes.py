"""Routes about the model: its description and its graph."""

from __future__ import annotations

from fastapi import APIRouter

from deepling.server.deps import SessionDep
from deepling.server.model.schemas import GraphOut, ModelInfo

router = APIRouter(prefix="/api", tags=["model"])


@router.get("/model", response_model=ModelInfo)
def model_info(session: SessionDep) -> ModelInfo:
    model = session.model
    return ModelInfo(
        name=model.name,
        input_shape=list(model.input_shape),
        classes=model.classes,
        mean=list(model.mean),
        std=list(model.std),
        parameters=sum(p.numel() for p in model.module.parameters()),
        device=str(model.device),
    )


@router.get("/graph", response_model=GraphOut)
def graph(session: SessionDep) -> GraphOut:
    return GraphOut.model_validate(session.model.graph().to_dict())

"""Evaluate the model on the dataset (a job) and serve the results."""

from __future__ import annotations

from fastapi import APIRouter

from deepling.analysis.evaluation import Evaluation, evaluate
from deepling.errors import NotFoundError
from deepling.server.deps import SessionDep
from deepling.server.evaluation.schemas import EvaluationImages, EvaluationSummary
from deepling.server.jobs.links import starts_job
from deepling.server.jobs.manager import Job
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut
from deepling.server.session import Session

router = APIRouter(prefix="/api", tags=["evaluation"])


def start_evaluation(session: Session) -> Job:
    """Start (or join) the evaluation job; its result becomes ``session.evaluation``."""

    def work(job: Job) -> None:
        session.evaluation = evaluate(
            session.model,
            session.dataset,
            progress=job.report,
            cache=session.cache,
            engine=session.engine,
            ray=session.ray,
        )

    return session.jobs.submit(session.job_name("evaluation"), work, join_active=True)


def _evaluation(session: Session) -> Evaluation:
    found = session.known_evaluation()
    if found is None:
        raise NotFoundError(
            "The dataset has not been evaluated yet.", "Start it with POST /api/jobs/evaluation."
        )
    return found


@router.post("/jobs/evaluation", **starts_job())
def start_evaluation_job(session: SessionDep) -> JobOut:
    """Run the model over the whole dataset (or join the run in progress)."""
    return job_out(start_evaluation(session))


@router.get("/evaluation", response_model=EvaluationSummary)
def evaluation(session: SessionDep) -> EvaluationSummary:
    return EvaluationSummary.model_validate(_evaluation(session).summary(session.model.classes))


@router.get("/evaluation/images", response_model=EvaluationImages)
def evaluation_images(session: SessionDep) -> EvaluationImages:
    result = _evaluation(session)
    return EvaluationImages(
        predictions=result.predictions.tolist(),
        confidence=[None if v != v else round(float(v), 5) for v in result.confidence],
        loss=[None if v != v else round(float(v), 5) for v in result.loss],
    )

"""Poll and cancel jobs. Each feature starts its own jobs (``POST /api/jobs/<kind>``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from deepling.server.deps import SessionDep
from deepling.server.jobs.links import JOB, makes, takes
from deepling.server.jobs.manager import Job
from deepling.server.jobs.schemas import JobOut

router = APIRouter(prefix="/api", tags=["jobs"])
# Linked from every job's start (and from itself: polling until done). Cancelling is not linked:
# a chain of requests that cancels its job never reaches the result it was started for.
PolledJobId = Annotated[str, Path(description="the job's `id`", json_schema_extra=takes(JOB))]
JobId = Annotated[str, Path(description="the job's `id`")]


def job_out(job: Job) -> JobOut:
    return JobOut.model_validate(job.to_dict())


@router.get(
    "/jobs", response_model=list[JobOut], openapi_extra=makes(200, **{JOB: "$response.body#/0/id"})
)
def list_jobs(session: SessionDep) -> list[JobOut]:
    return [job_out(j) for j in session.jobs.list()]


@router.get(
    "/jobs/{job_id}", response_model=JobOut, openapi_extra=makes(200, **{JOB: "$response.body#/id"})
)
def job(session: SessionDep, job_id: PolledJobId) -> JobOut:
    return job_out(session.jobs.get(job_id))


@router.delete("/jobs/{job_id}", response_model=JobOut)
def cancel_job(session: SessionDep, job_id: JobId) -> JobOut:
    found = session.jobs.get(job_id)
    found.cancel()
    return job_out(found)

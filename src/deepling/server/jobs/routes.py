"""Poll and cancel jobs. Each feature starts its own jobs (``POST /api/jobs/<kind>``)."""

from __future__ import annotations

from fastapi import APIRouter

from deepling.server.deps import SessionDep
from deepling.server.jobs.manager import Job
from deepling.server.jobs.schemas import JobOut

router = APIRouter(prefix="/api", tags=["jobs"])


def job_out(job: Job) -> JobOut:
    return JobOut.model_validate(job.to_dict())


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(session: SessionDep) -> list[JobOut]:
    return [job_out(j) for j in session.jobs.list()]


@router.get("/jobs/{job_id}", response_model=JobOut)
def job(session: SessionDep, job_id: str) -> JobOut:
    return job_out(session.jobs.get(job_id))


@router.delete("/jobs/{job_id}", response_model=JobOut)
def cancel_job(session: SessionDep, job_id: str) -> JobOut:
    found = session.jobs.get(job_id)
    found.cancel()
    return job_out(found)

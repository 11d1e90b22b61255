"""Channel statistics and top-activating images of a node: each a job over the dataset, then
served from the cache."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response

from deepling.analysis.channel_stats import ChannelStatistics, channel_statistics
from deepling.analysis.featurevis import check_channel
from deepling.analysis.top_activations import (
    activation_table,
    activation_table_key,
    cached_activation_table,
)
from deepling.errors import NotFoundError
from deepling.server.channels.schemas import ChannelStatsOut, TopActivationsOut
from deepling.server.deps import ModelQuery, SessionDep
from deepling.server.jobs.links import starts_job, takes
from deepling.server.jobs.manager import Job
from deepling.server.jobs.routes import job_out
from deepling.server.jobs.schemas import JobOut
from deepling.server.schemas import CHANNEL, CHECKED_NON_NEGATIVE, NODE, fact
from deepling.server.session import ModelSide, Session

router = APIRouter(prefix="/api", tags=["channels"])
IfCached = Annotated[bool, Query(description="204 instead of 404 when not computed")]
NOT_YET: dict[int | str, dict[str, Any]] = {
    204: {"description": "not computed yet (asked with if_cached=true)"}
}
STATS, TOP = "channel-stats", "top-activations"  # what their jobs make, for their result routes
Node = Annotated[str, Path(description="graph node", json_schema_extra=fact(NODE))]
# A result route's node: the one whose job made the result.
StatsNode = Annotated[
    str, Path(description="graph node", json_schema_extra=fact(NODE) | takes(STATS))
]
TopNode = Annotated[str, Path(description="graph node", json_schema_extra=fact(NODE) | takes(TOP))]
Channel = Annotated[
    int,
    Path(description="channel of the node", json_schema_extra=CHECKED_NON_NEGATIVE | fact(CHANNEL)),
]


def start_channel_statistics(session: Session, node: str, side: ModelSide = "selected") -> Job:
    """Start (or join) the job computing ``node``'s channel statistics over the dataset, under
    the selected model or the compared one."""
    model, name = session.side_job(f"channel-stats:{node}", side)
    model.graph()[node]  # 404 before queueing

    def work(job: Job) -> ChannelStatistics:
        stats = channel_statistics(
            model,
            session.dataset,
            node,
            progress=job.report,
            cache=session.cache,
            engine=session.engine,
            ray=session.ray,
        )
        if side == "selected":
            session.keep_channel_statistics(node, stats)
        return stats

    return session.jobs.submit(name, work, join_active=True)


def start_top_table(session: Session, node: str) -> Job:
    """Start (or join) the pass computing every channel's mean and max of ``node`` per image;
    the library caches the table itself."""
    name = session.model.graph()[node].name  # 404 before queueing

    def work(job: Job) -> None:
        activation_table(
            session.model,
            session.dataset,
            name,
            cache=session.cache,
            progress=job.report,
            engine=session.engine,
            ray=session.ray,
        )
        job.result_url = f"api/top-activations/{name}"

    def ready() -> bool:
        key = activation_table_key(session.model, session.dataset, name)
        return session.cache.exists("activation-table", key)

    return session.jobs.submit(
        session.job_name(f"top-activations:{name}"), work, join_active=True, ready=ready
    )


@router.post("/jobs/channel-stats/{node}", **starts_job(**{STATS: "node"}))
def start_channel_stats_job(
    session: SessionDep, node: Node, model: ModelQuery = "selected"
) -> JobOut:
    """Compute every channel's mean activation and dead fraction for ``node`` over the data."""
    return job_out(start_channel_statistics(session, node, model))


@router.get("/channel-stats/{node}", response_model=ChannelStatsOut, responses=NOT_YET)
def channel_stats(
    session: SessionDep,
    node: StatsNode,
    if_cached: IfCached = False,
    model: ModelQuery = "selected",
) -> ChannelStatsOut | Response:
    stats = session.channel_statistics(node, model)
    if stats is None and if_cached:
        return Response(status_code=204)
    if stats is None:
        query = "" if model == "selected" else "?model=compare"
        raise NotFoundError(
            f"Channel statistics of {node!r} have not been computed yet.",
            f"Start them with POST /api/jobs/channel-stats/{node}{query}.",
        )
    return ChannelStatsOut(
        node=node,
        images=stats.images,
        mean=stats.mean.tolist(),
        dead_fraction=stats.dead_fraction.tolist(),
    )


@router.post("/jobs/top-activations/{node}", **starts_job(**{TOP: "node"}))
def start_top_job(session: SessionDep, node: Node) -> JobOut:
    """One pass over the dataset ranking the images for every channel of ``node``."""
    return job_out(start_top_table(session, node))


@router.get(
    "/top-activations/{node}/{channel}", response_model=TopActivationsOut, responses=NOT_YET
)
def top_activations_of(
    session: SessionDep,
    node: TopNode,
    channel: Channel,
    k: Annotated[int, Query(ge=1, le=100, description="how many images")] = 9,
    reduce: Annotated[Literal["mean", "max"], Query(description="rank by")] = "mean",
    if_cached: IfCached = False,
) -> TopActivationsOut | Response:
    """The ``k`` dataset images on which ``channel`` is highest (404, or 204 with
    ``if_cached=true``, until the table's job ran)."""
    name = session.model.graph()[node].name
    check_channel(session.model, name, channel)
    table = cached_activation_table(session.model, session.dataset, name, session.cache)
    if table is None and if_cached:
        return Response(status_code=204)
    if table is None:
        raise NotFoundError(
            f"The top-activation table of {name!r} has not been computed yet.",
            f"Start it with POST /api/jobs/top-activations/{name}.",
        )
    indices, values = table.leaders(channel, k, reduce)
    scores = values[:, 0 if reduce == "mean" else 1]
    labels = session.dataset.labels
    return TopActivationsOut(
        node=name,
        channel=channel,
        reduce=reduce,
        images=table.images,
        indices=[int(i) for i in indices],
        scores=[float(s) for s in scores],
        labels=[int(labels[i]) for i in indices],
        overlay_max=float(values[:, 1].max()) if len(indices) else 0.0,
    )

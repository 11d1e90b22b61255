"""Named ablation sets of a session: resolved from requests, looked up, described."""

from __future__ import annotations

from deepling.analysis.ablation import make_ablation
from deepling.errors import DeeplingError, NotFoundError
from deepling.models.ablated import Ablation
from deepling.server.ablation.schemas import AblationOut, AblationSetIn, AblationSetOut
from deepling.server.session import Session


def resolve_set(session: Session, request: AblationSetIn) -> tuple[Ablation, ...]:
    """The request's ablations (mean values from the node's channel statistics) followed by
    those of the sets it combines; checked against the graph."""
    found: list[Ablation] = []
    for item in request.ablations:
        means = None
        if item.mode == "mean":
            session.model.graph()[item.node]  # 404 first
            stats = session.channel_statistics(item.node)
            if stats is None:
                raise DeeplingError(
                    f"Mode 'mean' at {item.node!r} needs its channel statistics.",
                    f"Compute them first with POST /api/jobs/channel-stats/{item.node}.",
                    status=409,
                )
            means = stats.mean
        found.append(make_ablation(session.model, item.node, item.channels, item.mode, means=means))
    for name in request.combine:
        found.extend(get_set(session, name))
    if not found:
        raise DeeplingError("The set ablates nothing: give ablations or sets to combine.")
    return tuple(found)


def get_set(session: Session, name: str) -> tuple[Ablation, ...]:
    if name not in session.ablation_sets:
        raise NotFoundError(f"No ablation set named {name!r}.", "GET /api/ablations lists them.")
    return session.ablation_sets[name]


def describe(ablations: tuple[Ablation, ...]) -> list[AblationOut]:
    return [
        AblationOut(node=a.node, channels=list(a.channels), mode=a.mode, values=list(a.values))
        for a in ablations
    ]


def set_out(name: str, ablations: tuple[Ablation, ...]) -> AblationSetOut:
    channels = len({(a.node, c) for a in ablations for c in a.channels})
    return AblationSetOut(name=name, ablations=describe(ablations), channels=channels)

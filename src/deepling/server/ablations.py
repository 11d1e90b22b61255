"""Named ablation sets of a session, their predictions and the dataset re-evaluation job."""

from __future__ import annotations

import json
import re

import numpy as np

from deepling.analysis.ablation import ablation_effect, make_ablation
from deepling.analysis.keys import model_data_key
from deepling.errors import DeeplingError, NotFoundError
from deepling.models.ablated import Ablation
from deepling.server.ablation_schemas import (
    AblationEffectOut,
    AblationOut,
    AblationSetIn,
    AblationSetOut,
    ChangedImages,
)
from deepling.server.jobs import Job
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


def effect_key(session: Session, ablations: tuple[Ablation, ...]) -> str:
    return model_data_key("ablation-effect", session.model, session.dataset, ablations)


def start_effect(session: Session, name: str) -> Job:
    """Queue (or join) the re-evaluation of the dataset with set ``name``; cached by key."""
    ablations = get_set(session, name)
    key = effect_key(session, ablations)
    url = f"api/ablation-effects/{key}"

    def work(job: Job) -> None:
        if session.cache.load("ablation-effect", key) is None:
            effect = ablation_effect(
                session.model, session.dataset, ablations, progress=job.report, cache=session.cache
            )
            if session.evaluation is None:
                session.evaluation = effect.before
            spec = json.dumps([a.describe() | {"values": list(a.values)} for a in ablations])
            session.cache.save(
                "ablation-effect",
                key,
                {
                    "labels": effect.before.labels,
                    "before": effect.before.predictions,
                    "after": effect.after.predictions,
                    "spec": np.array(spec),
                },
            )
        job.result_url = url

    return session.jobs.submit(
        f"ablation:{key}",
        work,
        join_active=True,
        ready=lambda: session.cache.path("ablation-effect", key).is_file(),
    )


def _recall(labels: np.ndarray, predictions: np.ndarray, k: int) -> list[float | None]:
    out: list[float | None] = []
    for c in range(k):
        mine = labels == c
        out.append(round(float((predictions[mine] == c).mean()), 6) if mine.any() else None)
    return out


def load_effect(session: Session, key: str) -> AblationEffectOut:
    stored = (
        session.cache.load("ablation-effect", key) if re.fullmatch(r"[0-9a-f]{32}", key) else None
    )
    if stored is None:
        raise NotFoundError(
            f"No ablation result {key!r}.", "Start one with POST /api/jobs/ablation/{name}."
        )
    labels, before, after = stored["labels"], stored["before"], stored["after"]
    k = len(session.model.classes)
    known = labels >= 0
    changed = np.flatnonzero(before != after)
    spec = json.loads(str(stored["spec"]))
    return AblationEffectOut(
        ablations=[AblationOut(**item) for item in spec],
        classes=session.model.classes,
        support=[int((labels == c).sum()) for c in range(k)],
        images=int(labels.shape[0]),
        accuracy_before=float((before[known] == labels[known]).mean()) if known.any() else None,
        accuracy_after=float((after[known] == labels[known]).mean()) if known.any() else None,
        recall_before=_recall(labels, before, k),
        recall_after=_recall(labels, after, k),
        changed=ChangedImages(
            indices=changed.tolist(),
            labels=labels[changed].tolist(),
            before=before[changed].tolist(),
            after=after[changed].tolist(),
        ),
    )

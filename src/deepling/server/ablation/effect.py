"""The dataset re-evaluated with an ablation set: per-class accuracy before and after, and the
images whose prediction changed; a job cached by weights, data and the set."""

from __future__ import annotations

import json

import numpy as np

from deepling.analysis.ablation import ablation_effect
from deepling.analysis.keys import model_data_key
from deepling.models.ablated import Ablation
from deepling.progress import Progress
from deepling.server.ablation.schemas import AblationEffectOut, AblationOut, ChangedImages
from deepling.server.ablation.sets import get_set
from deepling.server.jobs.cached import Arrays, CachedAnalysis
from deepling.server.jobs.manager import Job
from deepling.server.session import Session

EFFECT = CachedAnalysis(
    "ablation-effect",
    "ablation result",
    "api/ablation-effects/{key}",
    "POST /api/jobs/ablation/{name}",
)


def effect_key(session: Session, ablations: tuple[Ablation, ...]) -> str:
    return model_data_key(EFFECT.kind, session.model, session.dataset, ablations)


def start_effect(session: Session, name: str) -> Job:
    """Queue (or join) the re-evaluation of the dataset with set ``name``; cached by key."""
    ablations = get_set(session, name)

    def compute(progress: Progress) -> Arrays:
        effect = ablation_effect(
            session.model,
            session.dataset,
            ablations,
            progress=progress,
            cache=session.cache,
            engine=session.engine,
            ray=session.ray,
        )
        if session.evaluation is None:
            session.evaluation = effect.before
        spec = json.dumps([a.describe() | {"values": list(a.values)} for a in ablations])
        return {
            "labels": effect.before.labels,
            "before": effect.before.predictions,
            "after": effect.after.predictions,
            "spec": np.array(spec),
        }

    return EFFECT.submit(session, effect_key(session, ablations), compute)


def _recall(labels: np.ndarray, predictions: np.ndarray, k: int) -> list[float | None]:
    out: list[float | None] = []
    for c in range(k):
        mine = (labels == c) & (predictions >= 0)  # an unreadable image is in no score
        out.append(round(float((predictions[mine] == c).mean()), 6) if mine.any() else None)
    return out


def load_effect(session: Session, key: str) -> AblationEffectOut:
    stored = EFFECT.load(session, key)
    labels, before, after = stored["labels"], stored["before"], stored["after"]
    k = len(session.model.classes)
    # Scored where labelled and read in both passes (an unreadable image's prediction is -1).
    known = (labels >= 0) & (before >= 0) & (after >= 0)
    changed = np.flatnonzero((before != after) & (before >= 0) & (after >= 0))
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

"""The feature-visualisation path check as a job: the channel's visualisation (the very one
the Semantics view shows, read from or written to its cache), its top natural images (from
the node's top-activation table) and a fixed random sample of the dataset as references."""

from __future__ import annotations

import numpy as np

from deepling.analysis.featurevis import FeatureVisSettings, check_channel, resolve_node
from deepling.analysis.featurevis_check import FeatureVisCheck, featurevis_check
from deepling.analysis.keys import model_data_key
from deepling.analysis.top_activations import activation_table
from deepling.errors import DeeplingError
from deepling.progress import Progress
from deepling.server.featurevis.job import featurevis_picture
from deepling.server.featurevis.schemas import FeatureVisRequest
from deepling.server.jobs.cached import CachedAnalysis
from deepling.server.jobs.manager import Job
from deepling.server.session import Session
from deepling.server.trust.schemas import FeatureVisCheckOut
from deepling.server.trust.table import sample_indices

FEATUREVIS_CHECK = CachedAnalysis(
    "trust-featurevis",
    "feature-visualisation check",
    "api/trust/featurevis/{key}",
    "POST /api/jobs/trust/featurevis",
)
TOP_IMAGES = 9
REFERENCE_IMAGES = 32
VERSION = 1
STAGES = 3  # the top-image pass, the picture, the check


def start_featurevis_check(session: Session, request: FeatureVisRequest) -> Job:
    model, dataset = session.model, session.dataset
    node = resolve_node(model, request.node)
    check_channel(model, node, request.channel)
    if node == model.graph().output.name:
        raise DeeplingError(
            "The path check reads a channel's top natural images; the output's classes have "
            "none here.",
            "Pick a node inside the network.",
        )
    if len(dataset) < TOP_IMAGES + 1:
        raise DeeplingError(f"The path check needs a dataset of at least {TOP_IMAGES + 1} images.")
    settings = FeatureVisSettings(steps=request.steps, seed=request.seed)
    key = model_data_key(
        FEATUREVIS_CHECK.kind,
        model,
        dataset,
        node,
        request.channel,
        *settings.key_parts(),
        VERSION,
    )

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        table = activation_table(
            model,
            dataset,
            node,
            cache=session.cache,
            progress=_stage(progress, 0),
            engine=session.engine,
            ray=session.ray,
        )
        top, _ = table.top(request.channel, TOP_IMAGES, "mean")
        picture = featurevis_picture(session, node, request.channel, settings, _stage(progress, 1))
        # References: random images other than the top ones (an image compared with itself
        # would raise the reference's correlation).
        others = np.setdiff1d(sample_indices(len(dataset), REFERENCE_IMAGES + TOP_IMAGES, 0), top)
        chosen = others[:REFERENCE_IMAGES]
        references = dataset.batch([int(i) for i in chosen], model.input_shape)
        tops = dataset.batch([int(i) for i in top], model.input_shape)
        check = featurevis_check(model, picture, tops, references, node, request.channel)
        progress(STAGES * 1000, STAGES * 1000)
        return {
            "rows": np.array([check.visualisation, check.top, check.reference, check.score]),
            "layers": np.array(check.layers),
            "top": np.asarray(top, dtype=np.int64),
            "meta": np.array([node, str(request.channel)]),
        }

    return FEATUREVIS_CHECK.submit(session, key, compute)


def featurevis_check_out(session: Session, key: str) -> FeatureVisCheckOut:
    stored = FEATUREVIS_CHECK.load(session, key)
    node, channel = (str(v) for v in stored["meta"])
    vis, top, reference, score = (row.tolist() for row in stored["rows"])
    layers = [str(v) for v in stored["layers"]]
    check = FeatureVisCheck(node, int(channel), layers, vis, top, reference, score)
    return FeatureVisCheckOut(
        key=key,
        node=node,
        channel=int(channel),
        verdict=check.verdict,  # type: ignore[arg-type]
        sentence=check.sentence(),
        mean_score=check.mean_score,
        layers=layers,
        visualisation=vis,
        top=top,
        reference=reference,
        score=score,
        top_images=stored["top"].tolist(),
    )


def _stage(progress: Progress, stage: int) -> Progress:
    """One stage's (done, total) as its share of the whole job's progress."""

    def report(done: int, total: int) -> None:
        share = done / total if total else 0.0
        progress(int(1000 * (stage + share)), STAGES * 1000)

    return report

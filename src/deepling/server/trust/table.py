"""The per-method table: every method and control measured on a seeded sample of the dataset,
as one cached job, ranked by faithfulness and exported as CSV or JSON."""

from __future__ import annotations

import csv
import io

import numpy as np
import torch

from deepling.analysis.attribution import METHODS
from deepling.analysis.attribution_layers import default_cam_node, spatial_nodes
from deepling.analysis.keys import model_data_key
from deepling.analysis.trust_curves import CURVES
from deepling.analysis.trust_faithfulness import LOWER_IS_BETTER, METRICS, faithfulness_report
from deepling.analysis.trust_methods import CONTROLS, check_explainer
from deepling.analysis.trust_randomization import randomization_check
from deepling.errors import DeeplingError
from deepling.progress import Progress, part_of
from deepling.server.jobs.cached import CachedAnalysis
from deepling.server.jobs.manager import Job
from deepling.server.session import Session
from deepling.server.trust.schemas import TableOut, TableRequest, TableRowOut

TABLE = CachedAnalysis(
    "trust-table", "method table", "api/trust/table/{key}", "POST /api/jobs/trust/table"
)
RANDOMIZATION_IMAGES = 4  # the randomisation check costs one map per layer: the first few
RANDOMIZATION_THRESHOLD = 0.5
VERSION = 1


def sample_indices(size: int, images: int, seed: int) -> np.ndarray:
    """``images`` distinct dataset indices drawn with ``seed`` (the same sample every time)."""
    generator = np.random.default_rng(seed)
    return np.sort(generator.permutation(size)[:images])


def start_table(session: Session, request: TableRequest) -> Job:
    model, dataset = session.model, session.dataset
    spatial = bool(spatial_nodes(model.graph()))
    default = [m for m in (*METHODS, *CONTROLS) if spatial or not _takes_node(m)]
    methods = list(dict.fromkeys(check_explainer(m) for m in (request.methods or default)))
    if not spatial and any(_takes_node(m) for m in methods):
        raise DeeplingError(
            "Grad-CAM needs a node with a (C, H, W) output, and this model has none.",
            "Leave grad_cam out of methods.",
        )
    if len(dataset) < 2:
        raise DeeplingError("The method table needs a dataset of at least 2 images.")
    count = min(request.images, len(dataset))
    indices = sample_indices(len(dataset), count, request.seed)
    key = model_data_key(TABLE.kind, model, dataset, methods, indices.tolist(), VERSION)
    subject = _subject(session)
    if session.cache.exists(TABLE.kind, key):
        session.latest_keys[subject] = key

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        x = dataset.batch(indices.tolist(), model.input_shape)
        targets = model.logits(x).argmax(dim=1)
        node = default_cam_node(model.graph()) if "grad_cam" in methods else None
        chosen = x[:RANDOMIZATION_IMAGES]
        per_method = count + len(chosen)  # progress units: images measured, images checked
        arrays: dict[str, np.ndarray] = {}
        for m, method in enumerate(methods):
            report_progress = part_of(progress, m * per_method, len(methods) * per_method)
            report = faithfulness_report(
                model,
                x,
                method,
                target=targets,
                node=_node(method, node),
                progress=report_progress,
            )
            arrays[f"areas_{method}"] = np.stack([report.areas[k] for k in METRICS], axis=1)
            finals = []
            for i, image in enumerate(chosen):
                check = randomization_check(
                    model,
                    image,
                    method,
                    target=int(targets[i]),
                    node=_node(method, node),
                    on_copy=True,  # other requests run session.model meanwhile
                )
                # A constant map (nothing to compare) counts as unchanged, not as passing.
                finals.append(check.final_similarity if check.defined else 1.0)
                report_progress(count + i + 1, per_method)
            arrays[f"randomization_{method}"] = np.array(finals)
        arrays["methods"] = np.array(methods)
        arrays["indices"] = indices
        arrays["targets"] = targets.numpy()
        # The latest table once it is made (saved right after): a cancelled or failed job
        # leaves the last finished one in place.
        session.latest_keys[subject] = key
        return arrays

    return TABLE.submit(session, key, compute)


def _subject(session: Session) -> str:
    """The selected model (a checkpoint switch changes it) and data, as a latest_keys key."""
    return model_data_key(TABLE.kind, session.model, session.dataset)


def latest_table_key(session: Session) -> str | None:
    """The key of the table last made (or asked for, when it was cached) on this model and
    data, if it is computed."""
    key = session.latest_keys.get(_subject(session))
    return key if key is not None and session.cache.exists(TABLE.kind, key) else None


def _takes_node(method: str) -> bool:
    return method in METHODS and METHODS[method].takes_node


def _node(method: str, node: str | None) -> str | None:
    return node if _takes_node(method) else None


def table_out(session: Session, key: str) -> TableOut:
    stored = TABLE.load(session, key)
    methods = [str(m) for m in stored["methods"]]
    scores = {m: stored[f"areas_{m}"].mean(axis=0) for m in methods}
    spread = {m: stored[f"areas_{m}"].std(axis=0) for m in methods}
    ranks = _mean_ranks(methods, scores)
    rows = [
        TableRowOut(
            method=m,
            title=METHODS[m].title if m in METHODS else CONTROLS[m].title,
            control=m in CONTROLS,
            scores=dict(zip(METRICS, scores[m].tolist(), strict=True)),
            spread=dict(zip(METRICS, spread[m].tolist(), strict=True)),
            # Magnitudes: a correlation of -0.8 is as dependent on nothing as +0.8.
            randomization=float(np.mean(np.abs(stored[f"randomization_{m}"]))),
            passes_randomization=bool(
                np.mean(np.abs(stored[f"randomization_{m}"])) < RANDOMIZATION_THRESHOLD
            ),
            rank=ranks[m],
        )
        for m in methods
    ]
    rows.sort(key=lambda row: (row.rank, row.method))
    indices = stored["indices"].tolist()
    return TableOut(
        key=key,
        images=len(indices),
        randomization_images=len(stored[f"randomization_{methods[0]}"]),
        indices=indices,
        metrics=list(METRICS),
        lower_is_better=LOWER_IS_BETTER,
        rows=rows,
        csv_url=f"{TABLE.url(key)}.csv",
    )


def _mean_ranks(methods: list[str], scores: dict[str, np.ndarray]) -> dict[str, float]:
    """Each method's rank (1 = best) on each removal curve, averaged over the curves."""
    total = {m: 0.0 for m in methods}
    for k, metric in enumerate(METRICS):
        if metric not in CURVES:
            continue
        values = torch.tensor([scores[m][k] for m in methods])
        better_first = values if LOWER_IS_BETTER[metric] else -values
        order = torch.argsort(better_first, stable=True)
        for rank, i in enumerate(order.tolist(), start=1):
            total[methods[i]] += rank / len(CURVES)
    return total


def table_csv(table: TableOut) -> str:
    """The table as CSV: one row per method, the metrics' means and spreads."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "rank",
            "method",
            "control",
            *table.metrics,
            *(f"{m}_std" for m in table.metrics),
            "randomization",
            "passes_randomization",
            "images",
        ]
    )
    for row in table.rows:
        writer.writerow(
            [
                f"{row.rank:.3g}",
                row.method,
                row.control,
                *(f"{row.scores[m]:.6g}" for m in table.metrics),
                *(f"{row.spread[m]:.6g}" for m in table.metrics),
                f"{row.randomization:.6g}",
                row.passes_randomization,
                table.images,
            ]
        )
    return out.getvalue()

"""One image's checks of one method: the randomisation strip and the faithfulness curves,
each a cached job keyed by the weights, the image's pixels, the method, target and node."""

from __future__ import annotations

import numpy as np
import torch

from deepling.analysis.attribution import METHODS
from deepling.analysis.keys import model_data_key
from deepling.analysis.trust_curves import LOWER_IS_FAITHFUL
from deepling.analysis.trust_faithfulness import METRICS, faithfulness_report
from deepling.analysis.trust_methods import check_explainer
from deepling.analysis.trust_randomization import randomization_check
from deepling.progress import Progress
from deepling.server.attribution.maps import explained_target_and_node
from deepling.server.images.refs import ResolvedImage, resolve_image
from deepling.server.jobs.cached import CachedAnalysis
from deepling.server.jobs.manager import Job
from deepling.server.session import Session
from deepling.server.trust.schemas import (
    CurveOut,
    FaithfulnessOut,
    ImageCheckRequest,
    RandomizationOut,
    RandomizationRequest,
)

RANDOMIZATION = CachedAnalysis(
    "trust-randomization",
    "randomisation check",
    "api/trust/randomization/{key}",
    "POST /api/jobs/trust/randomization",
)
FAITHFULNESS = CachedAnalysis(
    "trust-faithfulness",
    "faithfulness check",
    "api/trust/faithfulness/{key}",
    "POST /api/jobs/trust/faithfulness",
)
VERSION = 1


def _checked(
    session: Session, request: ImageCheckRequest
) -> tuple[ResolvedImage, str, int, str | None]:
    """The image, method, resolved target and node (400/404 before any job is queued)."""
    method = check_explainer(request.method)
    image = resolve_image(session, request.image)
    takes_node = method in METHODS and METHODS[method].takes_node
    target, node = explained_target_and_node(
        session, image, takes_node, request.target, request.node
    )
    return image, method, target, node


def _key(
    session: Session,
    kind: str,
    image: ResolvedImage,
    method: str,
    target: int,
    node: str | None,
    *parts: object,
) -> str:
    return model_data_key(
        kind, session.model, session.dataset, image.key, method, target, node, *parts, VERSION
    )


def start_randomization(session: Session, request: RandomizationRequest) -> Job:
    image, method, target, node = _checked(session, request)
    key = _key(session, RANDOMIZATION.kind, image, method, target, node, request.order)

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        check = randomization_check(
            session.model,
            image.pixels,
            method,
            target=target,
            node=node,
            order=request.order,
            on_copy=True,  # other requests run session.model meanwhile: never randomise it
            progress=progress,
        )
        return {
            "maps": torch.stack(check.maps).numpy(),
            "spearman": np.array(check.spearman),
            "ssim": np.array(check.ssim),
            "layers": np.array(check.layers),
            "meta": np.array([method, node or "", check.order]),
            "numbers": np.array([target, check.threshold]),
        }

    return RANDOMIZATION.submit(session, key, compute)


def randomization_out(session: Session, key: str) -> RandomizationOut:
    stored = RANDOMIZATION.load(session, key)
    method, node, order = (str(v) for v in stored["meta"])
    target, threshold = stored["numbers"].tolist()
    spearman = stored["spearman"].tolist()
    final = spearman[-1] if spearman else 1.0
    original = stored["maps"][0]
    defined = bool(original.max() > original.min())  # a constant map has nothing to compare
    return RandomizationOut(
        key=key,
        method=method,
        target=int(target),
        node=node or None,
        order=order,  # type: ignore[arg-type]
        layers=[str(v) for v in stored["layers"]],
        spearman=spearman,
        ssim=stored["ssim"].tolist(),
        threshold=float(threshold),
        final_similarity=float(final),
        passed=defined and abs(final) < threshold,
        defined=defined,
        signed=METHODS[method].signed if method in METHODS else False,
        maps_url=f"{RANDOMIZATION.url(key)}/maps",
    )


def randomization_maps(session: Session, key: str) -> torch.Tensor:
    return torch.from_numpy(RANDOMIZATION.load(session, key)["maps"])


def start_faithfulness(session: Session, request: ImageCheckRequest) -> Job:
    image, method, target, node = _checked(session, request)
    key = _key(session, FAITHFULNESS.kind, image, method, target, node)

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        report = faithfulness_report(
            session.model, image.pixels, method, target=target, node=node, progress=progress
        )
        arrays = {f"curve_{m}": report.curves[m][0] for m in report.curves}
        arrays |= {f"fractions_{m}": report.fractions[m] for m in report.curves}
        arrays["areas"] = np.array([report.areas[m][0] for m in METRICS])
        arrays["meta"] = np.array([method, node or ""])
        arrays["target"] = np.array([target])
        return arrays

    return FAITHFULNESS.submit(session, key, compute)


def faithfulness_out(session: Session, key: str) -> FaithfulnessOut:
    stored = FAITHFULNESS.load(session, key)
    method, node = (str(v) for v in stored["meta"])
    areas = dict(zip(METRICS, stored["areas"].tolist(), strict=True))
    curves = {
        name: CurveOut(
            fractions=stored[f"fractions_{name}"].tolist(),
            probabilities=np.round(stored[f"curve_{name}"], 6).tolist(),
            area=areas[name],
            lower_is_faithful=LOWER_IS_FAITHFUL[name],
        )
        for name in LOWER_IS_FAITHFUL
    }
    return FaithfulnessOut(
        key=key,
        method=method,
        target=int(stored["target"][0]),
        node=node or None,
        curves=curves,
        max_sensitivity=areas["max_sensitivity"],
    )

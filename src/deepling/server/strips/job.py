"""Strip jobs: an adversarial strip computed as a job with progress, cached on disk by the
weights, the image and the parameters."""

from __future__ import annotations

from dataclasses import astuple

import numpy as np
import torch

from deepling.analysis.keys import model_data_key
from deepling.analysis.strip_transforms import StripTransforms
from deepling.analysis.strips import (
    OCTAVES,
    Strip,
    StripSettings,
    adversarial_strip,
    check_targets,
)
from deepling.cache import weights_digest
from deepling.errors import NotFoundError
from deepling.models.model import Model
from deepling.progress import Progress
from deepling.server.images.refs import resolve_image
from deepling.server.jobs.cached import CachedAnalysis
from deepling.server.jobs.manager import Job
from deepling.server.session import Session
from deepling.server.strips.schemas import StripOut, StripRequest, StripTargetOut

STRIP = CachedAnalysis("strip", "strip", "api/strips/{key}", "POST /api/jobs/strip")
VERSION = 3  # 2: robust mode, robustness and mean change stored; 3: transfer
ARRAYS = (
    "frames",
    "probs",
    "scores",
    "norms",
    "max_change",
    "mean_change",
    "steps",
    "robust_probs",
    "robust_scores",
)


def start_strip(session: Session, request: StripRequest) -> Job:
    """Check the request here (so that a bad one is a 4xx, not a failed job), then queue (or
    join) its job; a cached strip finishes at once."""
    image = resolve_image(session, request.image)
    check_targets(session.model, [request.target], request.node)
    settings = StripSettings(  # checked here, so that a bad value is a 4xx, not a failed job
        mode=request.mode,
        frames=request.frames,
        steps=request.steps,
        norm=request.norm,
        budget=request.budget,
        smoothing=request.smoothing,
        until=request.until,
        samples=request.samples,
        visible=request.visible,
    )
    shape = session.model.input_shape
    settings.check_reachable(shape)
    # Keyed by the settings as resolved (a default and the same value given are one strip; a
    # changed library default is a new one) and by the entry's layout (VERSION).
    resolved = (
        settings.mode,
        settings.ball(shape),
        settings.step_count,
        settings.robustness_samples,
        astuple(settings.transforms),
        *((settings.samples, settings.visible, OCTAVES) if settings.mode == "robust" else ()),
    )
    reference = _reference(session)
    # The compared model's identity: its transfer is part of the strip.
    compared = (
        ()
        if reference is None
        else (type(reference.module).__qualname__, weights_digest(reference.module))
    )
    parameters = sorted(request.model_dump(exclude={"image", "budget", "steps"}).items())
    key = model_data_key(
        STRIP.kind,
        session.model,
        session.dataset,
        image.key,
        parameters,
        resolved,
        compared,
        VERSION,
    )

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        strip = adversarial_strip(
            session.model,
            image.pixels,
            request.target,
            settings,
            node=request.node,
            label=image.label if image.label >= 0 else None,
            reference=reference,
            progress=progress,
        )
        return _arrays(strip, image.title, image.label, reference)

    return STRIP.submit(session, key, compute)


def _reference(session: Session) -> Model | None:
    """The model compared with (What changed), where it can see the strip's frames: the same
    classes and input channels; its probabilities of each frame are the strip's transfer."""
    other = session.compare
    if other is None or other.classes != session.model.classes:
        return None
    return other if other.input_shape[0] == session.model.input_shape[0] else None


def _arrays(strip: Strip, title: str, label: int, reference: Model | None) -> dict[str, np.ndarray]:
    # The server always measures robustness (StripSettings' default samples).
    assert strip.robustness is not None
    arrays = {name: getattr(strip, name).numpy() for name in ARRAYS}
    if strip.averaged_probs is not None:
        arrays["averaged_probs"] = strip.averaged_probs.numpy()
    if strip.transfer_probs is not None and reference is not None:
        arrays["transfer_probs"] = strip.transfer_probs.numpy()
        arrays["reference"] = np.array([reference.name])
    target = strip.target
    arrays["meta"] = np.array(
        [target.kind, target.node or "", target.name, strip.norm, strip.spacing, title, strip.mode]
    )
    flip = -1 if strip.flip_frame is None else strip.flip_frame
    arrays["numbers"] = np.array(
        [target.index, flip, strip.budget, label, strip.robustness], dtype=np.float64
    )
    return arrays


def load_strip_arrays(session: Session, key: str) -> dict[str, np.ndarray]:
    stored = STRIP.load(session, key)
    if "robust_probs" not in stored:  # written before strips measured their robustness
        raise NotFoundError(f"No strip {key!r} in this version.", f"Make one with {STRIP.start}.")
    return stored


def strip_out(session: Session, key: str, stored: dict[str, np.ndarray]) -> StripOut:
    kind, node, name, norm, spacing, title, mode = (str(v) for v in stored["meta"])
    index, flip, budget, label, robustness = stored["numbers"].tolist()
    index, flip, label = int(index), int(flip), int(label)
    averaged = stored.get("averaged_probs")
    transfer = stored.get("transfer_probs")
    probs = stored["probs"]
    frames = stored["frames"]
    base = STRIP.url(key)
    return StripOut(
        key=key,
        title=title,
        label=None if label < 0 else int(label),
        target=StripTargetOut(kind=kind, index=int(index), node=node or None, name=name),  # type: ignore[arg-type]
        flip_frame=None if flip < 0 else int(flip),
        frames=len(frames),
        shape=list(frames.shape[1:]),
        classes=session.model.classes,
        probs=np.round(probs, 6).tolist(),
        predictions=probs.argmax(1).tolist(),
        scores=stored["scores"].tolist(),
        norms=stored["norms"].tolist(),
        max_change=stored["max_change"].tolist(),
        mean_change=stored["mean_change"].tolist(),
        steps=stored["steps"].astype(int).tolist(),
        mode=mode,  # type: ignore[arg-type]
        robust_probs=np.round(stored["robust_probs"], 6).tolist(),
        averaged_probs=None if averaged is None else np.round(averaged, 6).tolist(),
        robustness=float(robustness),
        reference=str(stored["reference"][0]) if "reference" in stored else None,
        transfer_probs=None if transfer is None else np.round(transfer, 6).tolist(),
        transfer=float(transfer[-1, index]) if transfer is not None and kind == "class" else None,
        robustness_samples=StripSettings().robustness_samples,
        transforms=describe_transforms(StripTransforms(), *frames.shape[2:]),
        norm=norm,  # type: ignore[arg-type]
        budget=float(budget),
        spacing=spacing,
        frames_url=f"{base}/frames",
        diffs_url=f"{base}/diffs",
        frame_png_urls=[f"{base}/frames/{i}.png" for i in range(len(frames))],
    )


def describe_transforms(transforms: StripTransforms, height: int, width: int) -> str:
    """The random moves in words, for an input of ``height`` x ``width`` pixels."""
    across, down = transforms.shift * width, transforms.shift * height
    shift = f"{across:.3g} px" if across == down else f"{across:.3g} px across, {down:.3g} down"
    flip = ", flips left-right" if transforms.flip else ""
    return (
        f"shifts up to {shift}{flip}, "
        f"scales \u00b1{transforms.scale:.0%}, rotations \u00b1{transforms.degrees:g}\u00b0"
    )


def frame_tensor(stored: dict[str, np.ndarray], which: str) -> torch.Tensor:
    """``frames`` or ``diffs`` ``(F, C, H, W)``."""
    frames = torch.from_numpy(stored["frames"])
    return frames if which == "frames" else frames - frames[0]

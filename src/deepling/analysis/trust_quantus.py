"""Any of Quantus's 30+ explanation metrics on a Deepling model and attribution method.

Deepling measures its five faithfulness metrics natively (``trust_faithfulness``); Quantus
(``pip install 'deepling[quantus]'``) has many more (localisation, complexity, axiomatic,
randomisation...). ``quantus_scores`` hands a metric what it expects: a module taking pixel
images in [0, 1] (the normalisation inside), numpy batches, the maps, and an ``explain_func``
that calls Deepling's methods, so its scores are about the same maps the lab shows. The tests
use it to cross-check the native metrics against Quantus on the same inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from deepling.analysis.attribution import Settings
from deepling.analysis.trust_methods import check_explainer, explain
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.models.state import eval_mode
from deepling.tensors import logits_of


class PixelModule(nn.Module):
    """The model as Quantus sees it: pixels in [0, 1] in, class scores out."""

    def __init__(self, model: Model) -> None:
        super().__init__()
        self.inner = model.module
        self.mean: Tensor
        self.std: Tensor
        self.register_buffer("mean", torch.tensor(model.mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(model.std).view(1, -1, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return logits_of(self.inner((x - self.mean) / self.std))


def require_quantus() -> Any:
    try:
        import quantus
    except ImportError as error:
        raise DeeplingError(
            f"Quantus metrics need Quantus ({error}).",
            "pip install 'deepling[quantus]'",
        ) from None
    return quantus


def explain_func(
    explained: Model, method: str, *, node: str | None = None, settings: Settings | None = None
) -> Any:
    """An ``explain_func`` for Quantus: ``(N, 1, H, W)`` maps of ``method`` as numpy."""

    def explain_batch(
        inputs: np.ndarray, targets: np.ndarray, model: Any = None, **_: Any
    ) -> np.ndarray:
        # Quantus's randomisation metrics pass a randomised copy of the PixelModule: explain
        # that copy. Otherwise (its own wrapper, or the module itself) explain ``explained``.
        images = torch.as_tensor(np.asarray(inputs), dtype=torch.float32)
        subject = _explained(explained, model)
        maps = [
            explain(subject, image.to(subject.device), method, int(t), node=node, settings=settings)
            for image, t in zip(images, np.atleast_1d(targets), strict=True)
        ]
        return torch.stack(maps)[:, None].numpy()

    return explain_batch


def _explained(explained: Model, given: Any) -> Model:
    """``explained``, or a Model around the copy of its module that Quantus hands over."""
    inner = getattr(given, "inner", None)
    if not isinstance(given, PixelModule) or inner is None or inner is explained.module:
        return explained
    with torch.random.fork_rng(devices=[]):  # tracing the copy draws an example image
        return explained.with_module(inner)


def quantus_scores(
    model: Model,
    images: Tensor,
    method: str,
    metric: Any,
    *,
    targets: Sequence[int] | Tensor | None = None,
    maps: Tensor | None = None,
    node: str | None = None,
    settings: Settings | None = None,
    **call: Any,
) -> Any:
    """``metric`` (a Quantus metric instance, e.g. ``quantus.Sparseness()``) on ``method``'s
    maps of ``images`` ``(N, C, H, W)`` in [0, 1]; ``targets`` default to the predicted
    classes, ``maps`` ``(N, H, W)`` to the method's. Returns what the metric returns."""
    require_quantus()
    method = check_explainer(method)
    x = model.check_images(images)
    if targets is None:
        y = model.logits(x).argmax(dim=1).numpy()
    else:
        y = np.asarray(targets.cpu() if isinstance(targets, Tensor) else targets, dtype=np.int64)
    explainer = explain_func(model, method, node=node, settings=settings)
    module = PixelModule(model).to(model.device)
    # Quantus switches the module to eval mode and leaves it so: eval_mode puts the user's
    # training flags back.
    with eval_mode(module):
        a = maps[:, None].numpy() if maps is not None else explainer(inputs=x.numpy(), targets=y)
        return metric(
            model=module,
            x_batch=x.numpy(),
            y_batch=y,
            a_batch=a,
            explain_func=explainer,
            device=str(model.device),
            **call,
        )

"""A model as it travels to Ray workers: how to rebuild its module, its weights and its
preprocessing; never a pickle of the server's state.

A model loaded from a spec (``load_model("path/to/file.py:factory", ...)``, a demo architecture,
``torchvision:<name>``) is rebuilt on the worker from the spec, with a file path made absolute
(a worker runs in another folder). A module given as an object travels pickled by reference to
its class, which the workers must be able to import; ``check_importable`` says so before any work
starts, with the fix.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from deepling.errors import DeeplingError
from deepling.models.ablated import Ablation
from deepling.models.model import Model


@dataclass(frozen=True)
class PortableModel:
    """What a worker needs to rebuild a ``Model``: how to build the module, its weights, its
    preprocessing and the ablations in effect."""

    spec: str | None  # how to build the module; None: ``module`` holds it, pickled
    module: bytes | None
    state: dict[str, Tensor]
    input_shape: tuple[int, int, int]
    classes: list[str]
    mean: list[float]
    std: list[float]
    name: str
    precision: str
    ablations: tuple[Ablation, ...] = ()  # applied to the rebuilt model, as on the driver

    @classmethod
    def of(cls, model: Model) -> PortableModel:
        plain = model.plain_module  # the ablations travel as themselves, not as a graph
        state = {k: v.detach().cpu() for k, v in plain.state_dict().items()}
        module = None
        if model.spec is None:
            buffer = io.BytesIO()
            kind = type(plain)
            try:
                torch.save(plain, buffer)  # by reference to the module's class
            except (pickle.PicklingError, AttributeError, TypeError) as exc:
                raise unbuildable(kind.__module__, kind.__qualname__, str(exc)) from exc
            module = buffer.getvalue()
        return cls(
            absolute_spec(model.spec) if model.spec is not None else None,
            module,
            state,
            model.input_shape,
            list(model.classes),
            list(model.mean),
            list(model.std),
            model.name,
            model.precision,
            model.ablations,
        )

    @property
    def module_class(self) -> tuple[str, str] | None:
        """(module, qualified name) of the class a pickled module needs on the workers."""
        if self.module is None:
            return None
        shell = torch.load(io.BytesIO(self.module), map_location="cpu", weights_only=False)
        return type(shell).__module__, type(shell).__qualname__

    def build(self, device: torch.device) -> Model:
        """The model, rebuilt here (on a worker) on ``device``, weights and preprocessing as
        they were."""
        from deepling.models.spec import build_module

        if self.spec is not None:
            module = build_module(self.spec)
        else:
            assert self.module is not None
            module = torch.load(io.BytesIO(self.module), map_location="cpu", weights_only=False)
        module.load_state_dict(self.state)
        model = Model(
            module.to(device),
            self.input_shape,
            classes=self.classes,
            mean=self.mean,
            std=self.std,
            device=device,
            name=self.name,
            precision=self.precision,  # type: ignore[arg-type]
        )
        model.spec = self.spec
        return model.with_ablations(self.ablations) if self.ablations else model


def absolute_spec(spec: str) -> str:
    """``spec`` with a file path (``file.py:factory``, a TorchScript file) made absolute; other
    specs (a demo architecture, ``package.module:factory``) as they are."""
    whole = Path(spec).expanduser()
    if ":" not in spec and whole.is_file():
        return str(whole.resolve())
    file, colon, factory = spec.rpartition(":")
    if colon and file.endswith(".py") and Path(file).expanduser().is_file():
        return f"{Path(file).expanduser().resolve()}:{factory}"
    return spec


def unbuildable(module: str, qualname: str, reason: str) -> DeeplingError:
    return DeeplingError(
        f"The Ray workers cannot rebuild the model: its class {qualname} from module "
        f"{module!r} does not import there ({reason}).",
        "Load the model from a spec the workers can read (load_model('path/to/file.py:factory',"
        " weights) or --model SPEC), or install its package on every node.",
    )

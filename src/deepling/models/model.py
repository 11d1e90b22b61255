"""``Model``: a user's nn.Module with its preprocessing, graph and activation taps."""

from __future__ import annotations

import copy
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch
from torch import Tensor, fx, nn

from deepling.errors import DeeplingError
from deepling.graph.hook_trace import ModuleCall
from deepling.graph.types import Graph
from deepling.models.ablated import Ablation, check_ablations
from deepling.models.device import Precision, autocast, check_precision, default_batch_size
from deepling.models.forwards import Forward, Forwards
from deepling.models.state import eval_mode
from deepling.progress import Progress, no_progress
from deepling.tensors import logits_of

DEFAULT_BATCH = 256


class Model:
    """A trained CNN ready for analysis.

    ``module`` is the user's nn.Module, ``input_shape`` its input ``(C, H, W)``, ``classes`` the
    class names. All methods take images in pixel space, float ``(N, C, H, W)`` in [0, 1]; the
    per-channel ``mean``/``std`` normalisation happens inside. Every call leaves the module as
    found: training flags, ``requires_grad`` and weights unchanged, no hooks left behind.

    ``with_ablations`` gives a view of the model with channels held constant (see
    ``deepling.models.ablated``); ``ablating`` switches ablations on for the calling thread.
    Methods run the model only through ``_run``, the forward pass with the ablations in effect
    (see ``deepling.models.forwards``), so each of them sees the ablations.
    """

    def __init__(
        self,
        module: nn.Module,
        input_shape: tuple[int, int, int],
        *,
        classes: Sequence[str],
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        device: torch.device | None = None,
        name: str | None = None,
        precision: Precision = "fp32",
    ) -> None:
        self.input_shape = input_shape
        self.classes = list(classes)
        self.device = device or _module_device(module)
        self.name = name or type(module).__name__
        # How the module was built (``load_model``'s spec), for rebuilding it elsewhere (a Ray
        # worker); None for a module given as an object.
        self.spec: str | None = None
        # Forward passes over data (logits, activations, reduce, dataset passes) run in it.
        self.precision = check_precision(precision)
        channels = input_shape[0]
        self.mean = _per_channel(mean, channels, "mean", 0.0)
        self.std = _per_channel(std, channels, "std", 1.0)
        if any(s <= 0 for s in self.std):
            raise DeeplingError(f"std must be positive, got {self.std}.")
        self._mean = torch.tensor(self.mean, device=self.device).view(1, -1, 1, 1)
        self._std = torch.tensor(self.std, device=self.device).view(1, -1, 1, 1)
        self._ablations: tuple[Ablation, ...] = ()  # a view's own ablations
        self._active = threading.local()  # ablations switched on by ``ablating``, per thread
        # Traced (with a random example) only when the graph is first needed: a model that is
        # only run, as in training's evaluations, leaves the global RNG alone.
        self._forwards = Forwards(module, self._example, self.device)

    def _example(self) -> Tensor:
        return self.normalise(torch.rand(1, *self.input_shape, device=self.device))

    @property
    def _run(self) -> Forward:
        """The forward pass for this thread's calls: with the view's and ``ablating``'s
        ablations, if any."""
        return self._forwards.get(self.ablations)

    @property
    def module(self) -> nn.Module:
        """The nn.Module that forward passes run: the user's module, or, while ablations are
        active (a view, or inside ``ablating``), a module that runs it with those channels
        held constant. It shares the user's weights."""
        return self._run.module

    @property
    def plain_module(self) -> nn.Module:
        """The user's module itself, whatever ablations are in effect."""
        return self._forwards.get(()).module

    # -- ablation ----------------------------------------------------------------------------

    @property
    def ablations(self) -> tuple[Ablation, ...]:
        """The ablations in effect for calls from this thread (the view's and ``ablating``'s)."""
        return self._ablations + tuple(getattr(self._active, "stack", ()))

    def with_ablations(self, ablations: Sequence[Ablation]) -> Model:
        """A view of this model with ``ablations`` added to those in effect: same weights,
        graph and preprocessing; its forward passes hold the ablated channels constant. Views
        share only the (thread-safe) forward passes with the model, so threads can run them
        side by side."""
        view = copy.copy(self)  # shares the forward passes and the preprocessing
        view._ablations = self.ablations + check_ablations(self.graph(), list(ablations))
        view._active = threading.local()
        view._forwards.get(view._ablations)  # built now, so that a bad ablation raises here
        return view

    @contextmanager
    def ablating(self, ablations: Sequence[Ablation]) -> Iterator[Model]:
        """Within the block, this thread's calls on the model (and on ``module``) run with
        ``ablations``; other threads are unaffected. Nothing on the model is changed."""
        checked = check_ablations(self.graph(), list(ablations))
        stack = getattr(self._active, "stack", ())
        self._active.stack = (*stack, *checked)
        try:
            yield self
        finally:
            self._active.stack = stack

    def with_module(self, module: nn.Module, name: str | None = None) -> Model:
        """Another module of the same architecture (a checkpoint, a copy with randomised
        weights) as a Model with this one's input shape, classes, preprocessing, device,
        precision and spec; no ablations. Its graph is traced anew when first needed."""
        twin = Model(
            module,
            self.input_shape,
            classes=self.classes,
            mean=self.mean,
            std=self.std,
            device=self.device,
            name=name or self.name,
            precision=self.precision,
        )
        twin.spec = self.spec  # the same architecture: rebuilt from the same spec
        return twin

    # -- graph -------------------------------------------------------------------------------

    def graph(self) -> Graph:
        """Every tensor-valued op of the model (traced once, then cached)."""
        return self._forwards.graph

    @property
    def fx_module(self) -> fx.GraphModule | None:
        """The traced GraphModule (None for approximate graphs); shares the module's weights.
        With ablations in effect, the ablated copy of it."""
        return self._run.fx_module

    @property
    def _hook_calls(self) -> dict[str, ModuleCall]:
        """Per node of an approximate graph, the module call it stands for (empty if traced)."""
        return self._forwards.hook_calls

    # -- running -----------------------------------------------------------------------------

    def normalise(self, x: Tensor) -> Tensor:
        """Pixel space ``(N, C, H, W)`` in [0, 1] to the model's input space."""
        return (x.to(self.device) - self._mean) / self._std

    def input_affine(self) -> tuple[Tensor, Tensor]:
        """``(scale, shift)``, each ``(1, C, 1, 1)`` on the model's device, with
        ``normalise(x) == x * scale + shift``: for loops that fold the normalisation into
        their own ops."""
        return 1.0 / self._std, -self._mean / self._std

    @property
    def batch_size(self) -> int:
        """Images per batch that suit the model's device and input size (``default_batch_size``)."""
        return default_batch_size(self.device, self.input_shape)

    @contextmanager
    def inference(self) -> Iterator[nn.Module]:
        """The module to run for a pass over data: no gradients, eval mode, the model's
        precision (autocast), this thread's ablations. Outputs may be bf16/fp16: cast them."""
        module = self.module
        with torch.inference_mode(), eval_mode(module), autocast(self.device, self.precision):
            yield module

    def check_images(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != self.input_shape:
            got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise DeeplingError(
                f"Expected images of shape (N, {', '.join(map(str, self.input_shape))}), "
                f"got {got}.",
                "Fit images with deepling.data.fit_batch(images, model.input_shape).",
            )
        return x.float()

    def logits(self, x: Tensor, batch_size: int = DEFAULT_BATCH) -> Tensor:
        """Class scores ``(N, K)`` on the CPU."""
        x = self.check_images(x)
        module = self.module
        out = []
        with torch.no_grad(), eval_mode(module), autocast(self.device, self.precision):
            for start in range(0, x.shape[0], batch_size):
                batch = self.normalise(x[start : start + batch_size])
                out.append(logits_of(module(batch)).float().cpu())
        return torch.cat(out) if out else torch.empty(0, len(self.classes))

    def predict(self, x: Tensor, batch_size: int = DEFAULT_BATCH) -> Tensor:
        """Class probabilities ``(N, K)`` (softmax of the logits) on the CPU."""
        return self.logits(x, batch_size).softmax(dim=1)

    def activations(
        self, x: Tensor, nodes: Sequence[str], batch_size: int = DEFAULT_BATCH
    ) -> dict[str, Tensor]:
        """Activations at ``nodes``: each ``(N, *graph[node].shape)``, detached, on the CPU."""
        names = list(dict.fromkeys(self.graph().check(list(nodes))))  # each node once
        x = self.check_images(x)
        if not names:
            return {}
        if x.shape[0] == 0:
            return {n: torch.empty(0, *self.graph()[n].shape) for n in names}
        run = self._run
        parts: dict[str, list[Tensor]] = {n: [] for n in names}
        with torch.no_grad(), eval_mode(run.module), autocast(self.device, self.precision):
            for start in range(0, x.shape[0], batch_size):
                found = run.tap(self.normalise(x[start : start + batch_size]), names)
                for name in names:
                    parts[name].append(found[name].float().cpu())
        return {n: torch.cat(p) for n, p in parts.items()}

    def reduce(
        self,
        x: Tensor,
        reducers: dict[str, nn.Module],
        batch_size: int = DEFAULT_BATCH,
        progress: Progress = no_progress,
    ) -> dict[str, Tensor]:
        """``reducers[node](activation)`` for every node, batched over ``x`` (N, C, H, W) in
        pixel space; results concatenated on the CPU (see ``reduce_stream``)."""
        x = self.check_images(x)
        n = x.shape[0]
        batches = (
            (np.arange(start, min(start + batch_size, n)), x[start : start + batch_size])
            for start in range(0, n, batch_size)
        )
        parts: dict[str, list[Tensor]] = {name: [] for name in reducers}
        progress(0, n)
        for positions, found in self.reduce_stream(batches, reducers):
            for name in reducers:
                parts[name].append(found[name])
            progress(int(positions[-1]) + 1, n)
        return {name: torch.cat(p) if p else torch.empty(0) for name, p in parts.items()}

    def reduce_stream(
        self, batches: Iterable[tuple[np.ndarray, Tensor]], reducers: dict[str, nn.Module]
    ) -> Iterator[tuple[np.ndarray, dict[str, Tensor]]]:
        """For each ``(positions, x)`` of ``batches`` (pixel space, as ``Dataset.stream``
        yields them), ``positions`` and every ``reducers[node](activation)``, float32 on the CPU.

        On traced models the reduction runs inside the graph right after its node, so no
        activation is copied or kept: a pass over many images at many layers costs little
        more than the forward pass itself. Each batch runs under ``inference``'s settings,
        entered per batch, so that nothing is left switched on between batches.
        """
        self.graph().check(list(reducers))
        run = self._run
        reducing = run.reducing(reducers)
        try:
            for positions, x in batches:
                with torch.inference_mode(), eval_mode(run.module):
                    with autocast(self.device, self.precision):
                        found = reducing(self.normalise(x))
                    reduced = {name: found[name].float().cpu() for name in reducers}
                yield positions, reduced  # outside the block: nothing stays switched on
        finally:  # a pass that stops (cancelled, failed) stops its stream's decoding now
            if isinstance(batches, Generator):
                batches.close()

    def tap(self, x: Tensor, names: list[str]) -> dict[str, Tensor]:
        """Activations at ``names`` for a normalised batch, on the model's device, in whatever
        grad mode and training mode the caller set (the building block for gradients)."""
        return self._run.tap(x, names)

    def __repr__(self) -> str:
        ablated = f", ablations={len(self._ablations)}" if self._ablations else ""
        return (
            f"Model({self.name}, input_shape={self.input_shape}, classes={len(self.classes)}, "
            f"device={self.device}{ablated})"
        )


def _module_device(module: nn.Module) -> torch.device:
    for tensor in [*module.parameters(), *module.buffers()][:1]:
        return tensor.device
    return torch.device("cpu")


def _per_channel(
    values: Sequence[float] | None, channels: int, what: str, default: float
) -> tuple[float, ...]:
    if values is None:
        return (default,) * channels
    values = tuple(float(v) for v in values)
    if len(values) == 1:
        return values * channels
    if len(values) != channels:
        raise DeeplingError(
            f"{what} has {len(values)} values but the model takes {channels} channels.",
            f"Give one {what} per channel, or a single value.",
        )
    return values

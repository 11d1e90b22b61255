"""A dataset pass on Ray Data: the images' indices become a Ray dataset, decoding and fitting
run as Ray tasks, batches go through model replicas held by actors (``map_batches``), and the
driver receives each batch's per-image outputs as they finish, in any order.

Where the replicas are CPU actors, Ray Data fuses the decoding into the replica's worker (the
same resources): on 2 cores that measured faster than separate decoding tasks (1.5x the local
pass against 2.0x), the images crossing no process boundary. GPU replicas ask for other
resources, which Ray Data's fusion takes into account.

The images are read with the dataset's own ``fitted`` (the local pass's unit of work), so both
engines see the same pixels; an image that cannot be read travels as an error row and is marked
unreadable on the driver's dataset, as the local pass marks it. Ray Data retries a lost decoding
task and restarts a lost replica (its defaults: without limit), so a worker killed mid-pass
costs time, not the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import numpy as np
import torch

from deepling.data.base import Dataset
from deepling.data.stream import _stack, check_indices, to_device
from deepling.engine.choice import RaySettings
from deepling.engine.outputs import OUTPUTS
from deepling.engine.portable import PortableModel, unbuildable
from deepling.engine.ray_cluster import cluster_resources, connect
from deepling.errors import DeeplingError
from deepling.models.model import Model
from deepling.progress import Progress, no_progress

POSITION, INDEX, LABEL, PIXELS, ERROR = "position", "index", "label", "pixels", "error"
# (spec, module, class, cluster) of the models a worker has rebuilt (``_check_buildable``).
_BUILDABLE: set[tuple[str | None, str, str, str]] = set()


def _decode(batch: dict[str, np.ndarray], dataset: Dataset, shape: tuple[int, int, int]) -> Any:
    """A Ray task: the images of rows ``batch["data"]`` (position in the pass, dataset index)
    fitted to ``shape``; an unreadable one is a zero image with its error."""
    rows = batch["data"].astype(np.int64).reshape(-1, 2)
    indices = rows[:, 1]
    images, errors = [], []
    for index in indices:
        try:
            images.append(dataset.fitted(int(index), shape))
            errors.append("")
        except DeeplingError as exc:
            images.append(torch.zeros(shape, dtype=torch.uint8))
            errors.append(exc.message)
    pixels = _stack(images).numpy()
    return {
        POSITION: rows[:, 0],
        INDEX: indices,
        LABEL: dataset.labels[indices],
        PIXELS: pixels,
        ERROR: np.array(errors),
    }


class _Replica:
    """A Ray actor holding one copy of the model: on the GPU Ray gave it, else on the CPU
    (``threads`` of it), even on a node with GPUs that Ray did not give it."""

    def __init__(
        self,
        portable: PortableModel,
        outputs: str,
        options: dict[str, Any],
        threads: int | None,
        gpu: bool,
    ) -> None:
        device = torch.device("cuda" if gpu and torch.cuda.is_available() else "cpu")
        if threads is not None:
            # Ray caps a worker at its logical CPUs (one): a CPU replica gets its share of the
            # cluster's cores, as the local pass gets the machine's.
            torch.set_num_threads(threads)
        self.model = portable.build(device)
        self.model.module.eval()
        self.outputs = OUTPUTS[outputs]
        self.options = options

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ok = batch[ERROR] == ""
        out = {POSITION: batch[POSITION], INDEX: batch[INDEX], ERROR: batch[ERROR]}
        # The whole batch runs (an unreadable image is a zero image), and its rows are blanked
        # after: every batch has every output column, which Ray Data needs to join blocks.
        x = to_device(torch.from_numpy(np.ascontiguousarray(batch[PIXELS])), self.model.device)
        for name, values in self.outputs(self.model, x, batch[LABEL], self.options).items():
            values[~ok] = np.nan
            out[name] = values
        return out


def _check_buildable(ray: Any, portable: PortableModel) -> None:
    """The workers can rebuild the model: one small task rebuilds it on a worker's CPU before
    the pass, for a clear error rather than a dead replica (a class that only the driver's
    ``__main__`` or ``sys.path`` has, a spec file only the driver can read)."""

    def rebuild(travelling: PortableModel) -> str:
        try:
            travelling.build(torch.device("cpu"))
        except Exception as exc:  # noqa: BLE001 - any failure means the same to the user
            return f"{type(exc).__name__}: {exc}"
        return ""

    reason: str = ray.get(ray.remote(num_cpus=0)(rebuild).remote(portable))
    if reason and portable.spec is not None:
        raise DeeplingError(
            f"The Ray workers cannot rebuild the model from its spec {portable.spec!r} ({reason}).",
            "Its file (or package) must be at the same path on every node of the cluster.",
        )
    if reason:
        module, qualname = portable.module_class or ("?", "?")
        raise unbuildable(module, qualname, reason)


def _replicas(ray: Any, settings: RaySettings) -> tuple[int, float, int | None]:
    """How many model replicas, the GPUs of each, and the threads of a CPU replica: the
    settings', else one per GPU of the cluster, else half its CPUs (decoding shares the
    replicas' workers, fused by Ray Data), each CPU replica with an equal share of the cores
    of a node. More than the cluster has is an error now, not a pass waiting for ever."""
    resources = cluster_resources()
    gpus = float(resources.get("GPU", 0))
    cpus = max(1, int(resources.get("CPU", 1)))
    num_gpus = settings.num_gpus if settings.num_gpus is not None else (1.0 if gpus else 0.0)
    if num_gpus:
        count = settings.concurrency or max(1, int(gpus // num_gpus))
        if count * num_gpus > gpus:
            raise DeeplingError(
                f"{count} replicas of {num_gpus:g} GPU each need {count * num_gpus:g} GPUs; "
                f"the Ray cluster has {gpus:g}.",
                "Ask for fewer (--ray-replicas, --ray-gpus 0 for CPU replicas) or add GPU nodes.",
            )
        return count, num_gpus, None
    count = settings.concurrency or max(1, cpus // 2)
    if count > cpus:
        raise DeeplingError(
            f"{count} CPU replicas need {count} CPUs; the Ray cluster has {cpus}.",
            "Ask for fewer (--ray-replicas) or add nodes.",
        )
    nodes = [n for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get("CPU")]
    node_cpus = min((int(n["Resources"]["CPU"]) for n in nodes), default=cpus)
    per_node = -(-count // max(1, len(nodes)))  # replicas a node holds, rounded up
    return count, num_gpus, max(1, node_cpus // per_node)


def _check_unreadable_here(
    dataset: Dataset, index: int, reason: str, shape: tuple[int, int, int]
) -> None:
    """An image a worker could not read: unreadable here too, and so recorded; if this process
    reads it (the workers' own work, ``fitted``), the workers see other files than this one (a
    path that is not the same on every node), and the pass stops before a wrong result is
    kept."""
    try:
        dataset.fitted(index, shape)
    except DeeplingError:
        dataset.mark_unreadable(index, reason)
        return
    raise DeeplingError(
        f"The Ray workers cannot read image {index}, which this process reads ({reason}).",
        "The data must be at the same absolute path on every node of the cluster.",
    )


def ray_pass(
    model: Model,
    dataset: Dataset,
    outputs: str,
    *,
    indices: np.ndarray | None = None,
    options: dict[str, Any] | None = None,
    settings: RaySettings | None = None,
    progress: Progress = no_progress,
) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Batches ``(positions in indices, {output: rows})`` of ``OUTPUTS[outputs]`` (with
    ``options``, such as the node) over the images ``indices`` (default: all, when a position
    is the image's index), as the replicas finish them.
    ``progress(done, total)`` after each (it may raise ``Cancelled``: the Ray work stops with
    the iteration)."""
    settings = settings or RaySettings()
    ray = connect(settings.address)
    order = check_indices(indices, len(dataset))
    if not len(order):
        progress(0, 0)
        return
    portable = PortableModel.of(model)
    # Once per architecture and process: the check starts a worker of its own (seconds).
    kind = type(model.plain_module)
    built = (
        portable.spec,
        kind.__module__,
        kind.__qualname__,
        ray.get_runtime_context().gcs_address,
    )
    if built not in _BUILDABLE:
        _check_buildable(ray, portable)
        _BUILDABLE.add(built)
    concurrency, num_gpus, threads = _replicas(ray, settings)
    size = settings.batch_size or model.batch_size
    # A block per model batch: decoding one block overlaps with the replicas running others.
    pairs = np.stack([np.arange(len(order)), order], axis=1)  # (position, dataset index)
    blocks = [pairs[start : start + size] for start in range(0, len(pairs), size)]
    rows = ray.data.from_numpy(blocks or [pairs])
    decoded = rows.map_batches(
        _decode,
        fn_kwargs={"dataset": dataset.for_workers(), "shape": model.input_shape},
        batch_size=size,
        batch_format="numpy",
        num_cpus=1,
    )
    computed = decoded.map_batches(
        _Replica,
        fn_constructor_kwargs={
            "portable": portable,
            "outputs": outputs,
            "options": options or {},
            "threads": threads,
            "gpu": bool(num_gpus),
        },
        batch_size=size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=concurrency),
        num_gpus=num_gpus,
        num_cpus=0 if num_gpus else 1,
    )
    total, done = len(order), 0
    progress(0, total)
    # The job's (or the command's) own bar shows the progress: Ray Data's is off for this pass.
    context = ray.data.DataContext.get_current()
    shown = context.enable_progress_bars, context.print_on_execution_start
    context.enable_progress_bars = context.print_on_execution_start = False
    batches = iter(computed.iter_batches(batch_format="numpy", batch_size=None))
    try:
        for batch in batches:
            errors = batch[ERROR]
            kept = errors == ""
            for index, reason in zip(batch[INDEX][~kept], errors[~kept], strict=True):
                _check_unreadable_here(dataset, int(index), str(reason), model.input_shape)
            done += len(errors)
            if kept.any():  # a batch of unreadable images only has no outputs
                found = {k: v[kept] for k, v in batch.items() if k not in (POSITION, INDEX, ERROR)}
                yield batch[POSITION][kept].astype(np.int64), found
            progress(done, total)
    except ray.exceptions.RayError as exc:
        raise DeeplingError(
            f"The pass on Ray failed: {str(exc).strip().splitlines()[-1]}",
            "See the Ray dashboard or logs for the worker's traceback.",
        ) from exc
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            with suppress(Exception):  # stop the Ray work of a pass left early (cancelled)
                close()
        context.enable_progress_bars, context.print_on_execution_start = shown

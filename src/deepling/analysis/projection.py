"""Layer-by-layer projections: the same images laid out in 2-D at every layer, each layout
aligned to the one before, so that an animation between layers shows clusters forming.

The images are streamed: pivots are chosen per layer on a small random sample, then every
image passes through the model once (decoded on threads while the model runs) and only its
squared distances to each layer's k pivots are kept (N x k per layer, spilled to a temporary
file), never the activations or the images themselves. Given the images' classes, each
layer is also scored for how well they separate (separability.py): in the full activations on
that sample, and in the 2-D layout.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepling.analysis.pivot_mds import mds_from_pivot_distances, procrustes_align
from deepling.analysis.separability import (
    NEIGHBOURS,
    LayerScores,
    knn_accuracy_from_gram,
    knn_and_silhouette,
    majority_share,
)
from deepling.data.base import Dataset
from deepling.data.stream import check_indices, pass_batches
from deepling.engine.choice import Engine, RaySettings
from deepling.engine.passes import reduced_batches
from deepling.errors import DeeplingError
from deepling.graph.types import Graph
from deepling.models.model import Model
from deepling.progress import Progress, no_progress

# Ops whose layout would repeat the previous node's: reshapes and pass-throughs, and batch norm,
# which at inference is a fixed per-channel affine map of its input (deployment tools fold it
# into the convolution before it). Any of them can still be projected by naming it in `nodes`.
PASS_THROUGH_OPS = frozenset(
    {
        "view",
        "reshape",
        "flatten",
        "contiguous",
        "getitem",
        "dropout",
        "dropout2d",
        "identity",
        "clone",
        "detach",
        "squeeze",
        "unsqueeze",
        "permute",
        "transpose",
        "to",
        "float",
        "type_as",
        "batch_norm",
    }
)

# Floats of sample activations held at once while choosing pivots (256 MB as float32).
SAMPLE_BUDGET = 64 * 2**20
# The layout's scores use at most this many labelled images, the same ones at every layer: a kNN
# accuracy within about 1 % (one standard error), for a few milliseconds per layer (the cost
# grows with the square of this number).
MAX_SCORED = 2000


@dataclass(frozen=True)
class Projection:
    """``coords`` ``(L, N, 2)`` float32 in [-1, 1]: image i at frame l (layer ``nodes[l]``) is
    ``coords[l, i]``; the point order is the input order at every frame. ``scores``: how well
    the classes separate at each frame, when the images' labels were given. ``frames``: for a
    projection over checkpoints (``checkpoint_projection``), each frame's checkpoint name;
    None for a projection over layers."""

    nodes: list[str]
    coords: np.ndarray
    scores: LayerScores | None = None
    frames: list[str] | None = None

    def arrays(self) -> dict[str, np.ndarray]:
        """As named arrays (a cache entry); ``from_arrays`` reads them back."""
        scores = self.scores.arrays() if self.scores is not None else {}
        frames = {"frames": np.array(self.frames)} if self.frames is not None else {}
        return {"coords": self.coords, "nodes": np.array(self.nodes), **scores, **frames}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Projection:
        nodes = [str(n) for n in arrays["nodes"]]
        frames = [str(f) for f in arrays["frames"]] if "frames" in arrays else None
        return cls(nodes, arrays["coords"], LayerScores.from_arrays(arrays), frames)


def default_nodes(graph: Graph) -> list[str]:
    """Every node from input to output except reshapes, pass-throughs and batch norm."""
    return [n.name for n in graph.nodes if n.op not in PASS_THROUGH_OPS]


def _width(model: Model, name: str) -> int:
    return int(np.prod(model.graph()[name].shape, dtype=np.int64))


def _node_chunks(model: Model, names: list[str], rows: int) -> list[list[str]]:
    """``names`` split so that ``rows`` images' activations of one chunk fit SAMPLE_BUDGET,
    widest first: the pivot vectors kept so far are fewest while the widest chunk is held."""
    chunks: list[list[str]] = [[]]
    size = 0
    for name in sorted(names, key=lambda n: -_width(model, n)):
        width = _width(model, name) * rows
        if chunks[-1] and size + width > SAMPLE_BUDGET:
            chunks.append([])
            size = 0
        chunks[-1].append(name)
        size += width
    return chunks


def max_min_from_gram(gram: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``max_min_pivots`` (pivot_mds.py) of points given by their Gram matrix (n, n): the same
    choices from the same generator. One matrix product for the sample's Gram replaces k
    matrix-vector passes over its wide activations (several times faster), and the kNN score
    reuses it."""
    n = gram.shape[0]
    norms = np.diagonal(gram)
    chosen = [int(rng.integers(n))]
    nearest = np.full(n, np.inf, dtype=np.float64)
    for _ in range(1, min(k, n)):
        p = chosen[-1]
        np.minimum(nearest, norms + norms[p] - 2.0 * gram[:, p], out=nearest)
        nearest[p] = -1.0  # never pick a pivot twice, even among duplicates
        chosen.append(int(np.argmax(nearest)))
    return np.asarray(chosen, dtype=np.int64)


@dataclass
class _Pivots:
    """Per layer: the pivots' indices into ``x``, the reducer measuring distances to them, and
    (given labels) the kNN accuracy of the sample's full activations."""

    indices: dict[str, np.ndarray]
    reducers: dict[str, PivotDistances]  # each layer's distances to its pivots
    knn_full: dict[str, float]
    scored: int  # labelled images in the sample


def _choose_layer_pivots(
    model: Model,
    images: Tensor,
    sample: np.ndarray,
    names: list[str],
    k: int,
    rng: np.random.Generator,
    labels: np.ndarray | None = None,
) -> _Pivots:
    """Each layer's ``k`` pivots, chosen by max-min among ``images``, a random sample of the
    points (their positions ``sample``) shared by all layers; given the sample's ``labels``,
    its kNN accuracy while its activations are here."""
    found = _Pivots({}, {}, {}, int((labels >= 0).sum()) if labels is not None else 0)
    for chunk in _node_chunks(model, names, len(sample)):
        acts = _sample_activations(model, images, chunk)
        for name in chunk:
            flat = acts.pop(name)
            gram = (flat @ flat.T).double().numpy()  # torch's matmul: far faster than numpy's
            chosen = max_min_from_gram(gram, k, rng)
            found.indices[name] = sample[chosen]
            # Held at once as the reducer holds them (bfloat16 offsets): 50 pivots of a wide
            # layer are 160 MB in float32.
            found.reducers[name] = PivotDistances(flat[torch.from_numpy(chosen)], flat.mean(dim=0))
            if labels is not None:
                found.knn_full[name] = knn_accuracy_from_gram(gram, labels, NEIGHBOURS)
            del (
                flat,
                gram,
            )  # before the next chunk's activations arrive: a ResNet stage's are 0.6 GB
        del acts
    return found


class _Rows(nn.Module):
    """Activations ``(B, ...)`` as rows ``(B, D)``."""

    def forward(self, acts: Tensor) -> Tensor:
        return acts.reshape(acts.shape[0], -1)


def _sample_activations(model: Model, images: Tensor, names: list[str]) -> dict[str, Tensor]:
    """The sample's activations at ``names`` as rows ``(S, D)`` float32, written batch by batch
    into their place (no list of parts concatenated: a ResNet-50's first stage is 640 MB for
    the 200 images, which a concatenation would hold twice)."""
    rows = {name: torch.empty(len(images), _width(model, name)) for name in names}
    size = model.batch_size
    batches = (
        (np.arange(start, min(start + size, len(images))), images[start : start + size])
        for start in range(0, len(images), size)
    )
    for positions, found in model.reduce_stream(batches, {name: _Rows() for name in names}):
        for name in names:
            rows[name][positions[0] : positions[-1] + 1] = found[name]
    return rows


def _sample_images(
    data: Dataset | Tensor,
    model: Model,
    order: np.ndarray | None,
    extra: Tensor | None,
    sample: np.ndarray,
) -> tuple[np.ndarray, Tensor]:
    """The sampled points' images (the pivots' candidates), fitted, on the CPU; positions of
    images that could not be read are dropped from ``sample``."""
    kept: list[np.ndarray] = []
    images: list[Tensor] = []
    count = len(order) if order is not None else len(data)
    in_data = sample[sample < count]
    if len(in_data):
        source = order[in_data] if order is not None else in_data
        _, batches = pass_batches(
            data, model.input_shape, torch.device("cpu"), indices=source, batch_size=len(in_data)
        )
        for positions, x in batches:
            kept.append(in_data[positions])
            images.append(x)
        if not kept and (extra is None or not len(extra)):
            raise DeeplingError(
                f"None of the {len(in_data)} sampled images could be read.",
                "Check the dataset's files (GET /api/dataset counts the unreadable ones).",
            )
    if extra is not None and len(in_extra := sample[sample >= count]):
        kept.append(in_extra)
        images.append(extra[torch.from_numpy(in_extra - count)].float())
    return np.concatenate(kept), torch.cat(images)


def _check_labels(labels: np.ndarray | Sequence[int] | Tensor | None, n: int) -> np.ndarray | None:
    if labels is None:
        return None
    y = np.asarray(labels.cpu() if isinstance(labels, Tensor) else labels, dtype=np.int64)
    if y.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), one per image; got {y.shape}")
    return y


def _scored_points(labels: np.ndarray, seed: int) -> np.ndarray:
    """The labelled points the layouts are scored on: all, or MAX_SCORED of them at random."""
    labelled = np.flatnonzero(labels >= 0)
    if len(labelled) <= MAX_SCORED:
        return labelled
    # Its own generator: the pivots (and so the layouts) do not depend on whether labels came.
    rng = np.random.default_rng([seed, 1])
    return np.sort(rng.choice(labelled, size=MAX_SCORED, replace=False))


def _layer_scores(
    names: list[str],
    layouts: dict[str, np.ndarray],
    pivots: _Pivots,
    labels: np.ndarray,
    seed: int,
) -> LayerScores:
    """kNN accuracy and silhouette of each layer's own layout (Procrustes alignment and the fit
    to [-1, 1] are similarities, which change neither), and the sample's full-activation kNN."""
    scored = _scored_points(labels, seed)
    y = labels[scored]
    own = {
        name: knn_and_silhouette(layout[scored], y, NEIGHBOURS) for name, layout in layouts.items()
    }
    nan = float("nan")
    return LayerScores(
        knn_layout=np.array([own[name][0] for name in names]),
        knn_full=np.array([pivots.knn_full.get(name, nan) for name in names]),
        silhouette=np.array([own[name][1] for name in names]),
        neighbours=NEIGHBOURS,
        layout_points=len(scored),
        full_points=pivots.scored,
        chance=majority_share(y),
    )


def _no_scores(layers: int) -> LayerScores:
    nan = np.full(layers, np.nan)
    return LayerScores(nan, nan.copy(), nan.copy(), NEIGHBOURS, 0, 0, float("nan"))


class PivotDistances(nn.Module):
    """Squared distances ``(B, k)`` from a batch of activations to fixed pivots, as one matrix
    product: what the projection keeps of each layer.

    The pivots are held as bfloat16 offsets from a centre (the sample's mean by default): half
    the memory of float32 (a ResNet-50's 20 block outputs need 0.6 GB rather than 1.2 GB for 50
    pivots), and, being offsets within the data's spread rather than from the origin, each is
    rounded by about 0.2 % of that spread. With ``c`` the centre and ``q`` a pivot's offset,
    ‖a − c − q‖² = ‖a‖² − 2a·c + ‖c‖² + ‖q‖² − 2a·q + 2c·q, whose two products with ``a`` come
    from one linear layer (rows q, then c) in float32."""

    weight: Tensor
    constant: Tensor

    def __init__(self, pivots: np.ndarray | Tensor, centre: np.ndarray | Tensor | None = None):
        super().__init__()
        vectors = torch.as_tensor(pivots).float()
        middle = vectors.mean(dim=0) if centre is None else torch.as_tensor(centre).float()
        rows = torch.cat([vectors - middle, middle[None]]).to(torch.bfloat16)
        offsets, centre_held = rows[:-1].float(), rows[-1].float()
        # Per pivot: ‖c‖² + ‖q‖² + 2c·q = ‖c + q‖², with c and q as held (rounded).
        constant = torch.linalg.vector_norm(offsets + centre_held, dim=1).square()
        self.register_buffer("weight", rows)
        self.register_buffer("constant", constant.float())

    def forward(self, acts: Tensor) -> Tensor:
        flat = acts.reshape(acts.shape[0], -1).float()
        # Always float32: under bf16 autocast the products lose the distances' spread to
        # rounding, and in fp16 a wide layer's norms overflow.
        with torch.autocast(flat.device.type, enabled=False):
            products = F.linear(flat, self.weight.float())  # (B, k + 1): a·q for each q, a·c
        # vector_norm reads the activations once; pow(2).sum() would write a copy first.
        norms = torch.linalg.vector_norm(flat, dim=1, keepdim=True).square_()
        d2 = products[:, :-1].mul(-2.0).add_(norms).sub_(products[:, -1:], alpha=2.0)
        return d2.add_(self.constant).clamp_(min=0.0)


def _fit_unit_square(layout: np.ndarray) -> np.ndarray:
    """Centred and scaled into [-1, 1]; NaN rows (unreadable images) stay NaN."""
    finite = np.isfinite(layout).all(axis=1)
    centred = layout - (layout[finite].mean(axis=0) if finite.any() else 0.0)
    extent = float(np.abs(centred[finite]).max()) if finite.any() else 0.0
    fitted: np.ndarray = (centred / extent if extent > 0 else centred).astype(np.float32)
    return fitted


class _SpilledDistances:
    """Each layer's squared distances to its pivots, written to a temporary file batch by
    batch and read back one layer at a time: a pass over a million images at 20 layers keeps
    4 GB of them, which memory need never hold at once."""

    def __init__(self, names: list[str], k: int) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="deepling-projection-")
        self._files = {
            name: open(Path(self._folder.name) / f"{i}.f32", "wb")  # noqa: SIM115 - closed in read
            for i, name in enumerate(names)
        }
        self.k = k
        self.positions: list[np.ndarray] = []

    def add(self, positions: np.ndarray, found: dict[str, Tensor]) -> None:
        self.positions.append(positions)
        for name, rows in found.items():
            self._files[name].write(rows.numpy().astype(np.float32, copy=False).tobytes())

    def read(self, name: str) -> np.ndarray:
        """Layer ``name``'s distances ``(M, k)``, rows in the order of ``positions``."""
        file = self._files[name]
        file.close()
        return np.fromfile(file.name, dtype=np.float32).reshape(-1, self.k)

    def close(self) -> None:
        for file in self._files.values():
            file.close()
        self._folder.cleanup()


def layer_projection(
    model: Model,
    data: Dataset | Tensor,
    nodes: list[str] | None = None,
    pivots: int = 50,
    seed: int = 0,
    *,
    indices: Sequence[int] | np.ndarray | None = None,
    extra: Tensor | None = None,
    labels: np.ndarray | Sequence[int] | Tensor | None = None,
    batch_size: int | None = None,
    workers: int | None = None,
    progress: Progress = no_progress,
    engine: Engine = "local",
    ray: RaySettings | None = None,
) -> Projection:
    """Project images with PivotMDS at each of ``nodes`` (default: ``default_nodes``), each
    layer Procrustes-aligned to the previous one. ``engine="ray"``: the pass over a Dataset's
    images runs on Ray (``ray``: its settings); the pivots are chosen here first.

    ``data``: a Dataset, streamed (its images ``indices``, default all: any number, memory stays
    bounded), or images ``(N, C, H, W)`` in [0, 1]; ``extra``: images appended after them (edited
    or uploaded ones). Given ``labels`` (one per point; below 0: not scored; default: a
    dataset's own labels, ``extra`` unscored), ``scores`` says how well the classes separate at
    each layer (see LayerScores). An image that cannot be read gets NaN coordinates."""
    names = model.graph().check(nodes) if nodes is not None else default_nodes(model.graph())
    order = check_indices(indices, len(data)) if isinstance(data, Dataset) else None
    if isinstance(data, Tensor):
        data = model.check_images(data)
        if indices is not None:
            data = data[torch.as_tensor(check_indices(indices, len(data)))]
    if extra is not None:
        extra = model.check_images(extra)
    count = len(order) if order is not None else len(data)
    n = count + (len(extra) if extra is not None else 0)
    if labels is None and isinstance(data, Dataset) and data.labelled and order is not None:
        labels = np.concatenate([data.labels[order], np.full(n - count, -1)])
    y = _check_labels(labels, n)
    if n == 0 or not names:
        empty = np.zeros((len(names), n, 2), dtype=np.float32)
        return Projection(names, empty, _no_scores(len(names)) if y is not None else None)
    k = max(1, min(pivots, n))
    rng = np.random.default_rng(seed)
    unique = list(dict.fromkeys(names))
    sample = np.sort(rng.choice(n, size=min(n, max(4 * k, 200)), replace=False))
    sample, images = _sample_images(data, model, order, extra, sample)
    k = min(k, len(sample))
    chosen = _choose_layer_pivots(
        model, images, sample, unique, k, rng, y[sample] if y is not None else None
    )
    del images
    reducers: dict[str, nn.Module] = {
        name: chosen.reducers.pop(name).to(model.device) for name in unique
    }
    stream = reduced_batches(
        model,
        data,
        reducers,
        indices=order,
        extra=extra,
        batch_size=batch_size,
        workers=workers,
        progress=progress,
        engine=engine,
        ray=ray,
    )
    spilled = _SpilledDistances(unique, k)
    try:
        for positions, found in stream:
            spilled.add(positions, found)
        arrived = np.concatenate(spilled.positions) if spilled.positions else np.zeros(0, np.int64)
        # In position order, whatever order the batches came in (Ray's): PivotMDS's signs
        # depend on the order of its rows.
        ordered = np.argsort(arrived, kind="stable")
        read = arrived[ordered]
        own_layout = {}
        for name in unique:
            rows = spilled.read(name)[ordered]
            d2, pivot_rows = _read_pivots(rows, read, chosen.indices[name])
            layout = np.full((n, 2), np.nan)
            layout[read] = mds_from_pivot_distances(d2, pivot_rows)
            own_layout[name] = layout
    finally:
        spilled.close()
    layouts: list[np.ndarray] = []
    for name in names:
        layout = own_layout[name]
        layouts.append(layout if not layouts else _align(layouts[-1], layout, read))
    scored_labels = y.copy() if y is not None else None
    if scored_labels is not None:  # an unreadable image is not scored
        unread = np.ones(n, dtype=bool)
        unread[read] = False
        scored_labels[unread] = -1
    scores = (
        _layer_scores(names, own_layout, chosen, scored_labels, seed)
        if scored_labels is not None
        else None
    )
    return Projection(names, np.stack([_fit_unit_square(layout) for layout in layouts]), scores)


def _read_pivots(
    d2: np.ndarray, read: np.ndarray, pivots: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The distances ``d2`` (rows: the points ``read``) to the pivots that were read in the pass
    too, and those pivots' rows: a file read for the sample may fail later in the pass."""
    rows = np.minimum(np.searchsorted(read, pivots), len(read) - 1)
    found = read[rows] == pivots
    if not found.any():
        raise DeeplingError(
            "No pivot image of the projection could be read during the pass.",
            "Check the dataset's files (GET /api/dataset counts the unreadable ones).",
        )
    return d2[:, found], rows[found]


def _align(previous: np.ndarray, layout: np.ndarray, read: np.ndarray) -> np.ndarray:
    """``procrustes_align`` on the points that could be read; the rest stay NaN."""
    aligned = np.full_like(layout, np.nan)
    aligned[read] = procrustes_align(previous[read], layout[read])
    return aligned

"""PivotMDS and the layer projection against their baselines, in the same run.

1. pivot_mds against sklearn PCA (randomized SVD, 2 components) on the same N x D float32 data
   (real CIFAR-10 training images, grayscale at 64 x 64: D = 4,096): time ratio (goal <= 0.25x),
   and how well each layout keeps the data's distances (correlation over random pairs).
2. layer_projection of all 60,000 real CIFAR-10 images (the "all" split, streamed from the
   dataset) across every default layer of the AlexNet-CIFAR, with their labels (so each layer's
   separability scores are computed too), against one bare forward pass over the same images
   (goal <= 1.5x), with the peak RSS of a process doing only that (goal < 2.5 GB).
3. (--resnet50) layer_projection of 5,000 real CIFAR-10 images resized to 224 px and saved as
   JPEG, streamed from the folder, through an ImageNet-style ResNet-50 (random weights: the
   cost does not depend on them) at its residual blocks' outputs, the stem and the head, with
   the peak RSS of a process doing only that (goal < 2.5 GB), and the time of one bare
   DataLoader + forward pass over the same files for scale.

    python benchmarks/bench_projection.py [--weights alexnet-cifar.pt] [--resnet50]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.decomposition import PCA

from deepling import Model, Projection, layer_projection, load_dataset, load_model, pivot_mds
from deepling.data.base import ArrayDataset
from deepling.models.state import eval_mode

DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"


def best_of(repeats: int, *runs) -> list[float]:  # type: ignore[no-untyped-def]
    """Best time of each run, the runs alternating so that machine noise hits them alike."""
    best = [float("inf")] * len(runs)
    for _ in range(repeats):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def distance_correlation(x: np.ndarray, layout: np.ndarray, pairs: int = 20_000) -> float:
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, len(x), (2, pairs))
    high = np.linalg.norm(x[i] - x[j], axis=1)
    low = np.linalg.norm(layout[i] - layout[j], axis=1)
    return float(np.corrcoef(high, low)[0, 1])


def bench_pivot_mds(n: int, repeats: int) -> None:
    train = load_dataset(DATA, split="train")
    gray = train.pixels[:n].float().div(255).mean(dim=1, keepdim=True)
    x = F.interpolate(gray, size=(64, 64), mode="bilinear").reshape(n, -1).numpy()
    x = np.ascontiguousarray(x, dtype=np.float32)
    pca = PCA(n_components=2, svd_solver="randomized", random_state=0)
    layouts: dict[str, np.ndarray] = {}
    t_pca, t_mds, t_exact = best_of(
        repeats,
        lambda: layouts.__setitem__("pca", pca.fit_transform(x)),
        lambda: layouts.__setitem__("mds", pivot_mds(x, k=50)),
        lambda: layouts.__setitem__("exact", pivot_mds(x, k=50, sketch_size=len(x))),
    )
    print(f"pivot_mds vs PCA on {n:,} x {x.shape[1]:,} float32 (real CIFAR-10 images):")
    print(
        f"  PCA (randomized, 2 components): {t_pca * 1000:7.0f} ms, "
        f"distance correlation {distance_correlation(x, layouts['pca']):.3f}"
    )
    print(
        f"  pivot_mds (k = 50):             {t_mds * 1000:7.0f} ms, "
        f"distance correlation {distance_correlation(x, layouts['mds']):.3f}"
    )
    print(
        f"  pivot_mds, exact max-min:       {t_exact * 1000:7.0f} ms, "
        f"distance correlation {distance_correlation(x, layouts['exact']):.3f} "
        "(the sketch's quality, for comparison)"
    )
    print(f"  time ratio: {t_mds / t_pca:.3f}x of PCA (goal <= 0.25x, aim 0.12x)")


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _bare_pass(model: Model, data: ArrayDataset) -> None:
    """One forward pass over every image, batch by batch from the uint8 arrays, as a user's own
    loop would run it."""
    with torch.inference_mode(), eval_mode(model.module):
        for start in range(0, len(data), 256):
            batch = data.pixels[start : start + 256].float().div_(255)
            model.module(model.normalise(batch))


def bench_layer_projection(weights: Path | None, repeats: int) -> None:
    data = load_dataset(DATA, split="all")
    assert isinstance(data, ArrayDataset)
    model = load_model("alexnet-cifar", weights, device="cpu")
    layer_projection(model, data, indices=range(512))  # warm-up
    before = _peak_rss_gb()
    result: dict[str, Projection] = {}
    t_bare, t_projection = best_of(
        repeats,
        lambda: _bare_pass(model, data),
        lambda: result.__setitem__("p", layer_projection(model, data)),
    )
    peak = _peak_rss_gb()
    projection = result["p"]
    scores = projection.scores
    assert scores is not None and projection.coords.shape[1] == len(data)
    print(
        f"layer_projection of all {len(data):,} CIFAR-10 images (streamed) over "
        f"{len(projection.nodes)} layers of {model.name}:"
    )
    print(f"  one bare forward pass: {t_bare * 1000:7.0f} ms")
    print(
        f"  projection:            {t_projection * 1000:7.0f} ms "
        f"(activations, PivotMDS, alignment and separability scores for every layer)"
    )
    print(f"  time ratio: {t_projection / t_bare:.2f}x of the forward pass (goal <= 1.5x)")
    print(
        f"  peak RSS of the process: {peak:.2f} GB ({before:.2f} GB with the dataset and model "
        "loaded, before the projection; goal < 2.5 GB)"
    )
    print(
        f"  separability, first -> last layer: kNN 2-D {scores.knn_layout[0]:.2f} -> "
        f"{scores.knn_layout[-1]:.2f}, kNN full {scores.knn_full[0]:.2f} -> "
        f"{scores.knn_full[-1]:.2f}, silhouette {scores.silhouette[0]:.2f} -> "
        f"{scores.silhouette[-1]:.2f} ({scores.layout_points:,} / {scores.full_points:,} "
        f"images, chance {scores.chance:.2f})"
    )


def block_outputs(model: Model) -> list[str]:
    """The stem's pooling, each residual block's output (the ReLU after its addition), the
    global pool and the logits: the layers a ResNet is read by."""
    graph = model.graph()
    names = [n.name for n in graph.nodes]
    picked = [graph.input.name, "maxpool"]
    for i, node in enumerate(graph.nodes[:-1]):
        if node.op == "add" and graph.nodes[i + 1].op == "relu":
            picked.append(names[i + 1])
    return [*picked, "avgpool", graph.output.name]


def bench_resnet50(images: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from jpeg_folders import make_jpeg_folder
    from public_models.resnet50 import resnet50

    folder = Path(tempfile.gettempdir()) / "deepling-bench-jpeg224"
    make_jpeg_folder(DATA, folder, images, 224)
    data = load_dataset(folder)
    torch.manual_seed(0)
    model = load_model(resnet50(num_classes=10), input_shape=(3, 224, 224), device="cpu")
    nodes = [n for n in block_outputs(model) if n in model.graph().names]
    before = _peak_rss_gb()
    start = time.perf_counter()
    projection = layer_projection(model, data, nodes)
    took = time.perf_counter() - start
    peak = _peak_rss_gb()
    assert projection.coords.shape == (len(nodes), len(data), 2)
    print(
        f"layer_projection of {len(data):,} 224-px JPEGs (streamed) through a ResNet-50 at "
        f"{len(nodes)} layers (stem, 16 blocks, pool, logits): {took:.0f} s "
        f"({len(data) / took:.1f} images/s on {torch.get_num_threads()} CPU threads)"
    )
    print(f"  peak RSS of the process: {peak:.2f} GB ({before:.2f} GB before; goal < 2.5 GB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, help="alexnet-cifar checkpoint (default: random)")
    parser.add_argument("--n", type=int, default=20_000, help="points for pivot_mds vs PCA")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--resnet50", action="store_true", help="only the ResNet-50 at 224 px (in its own process)"
    )
    parser.add_argument("--resnet50-images", type=int, default=5000)
    parser.add_argument(
        "--projection-only", action="store_true", help="only the 60,000-image projection"
    )
    args = parser.parse_args()
    if not DATA.exists():
        print(f"SKIPPED: CIFAR-10 not found at {DATA}", file=sys.stderr)
        return 0
    torch.manual_seed(0)
    # Each peak RSS is the process's: run each part alone for its own figure.
    if args.resnet50:
        bench_resnet50(args.resnet50_images)
        return 0
    if not args.projection_only:
        bench_pivot_mds(args.n, args.repeats)
    bench_layer_projection(args.weights, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

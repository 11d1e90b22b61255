"""PivotMDS and the layer projection against their baselines, in the same run.

1. pivot_mds against sklearn PCA (randomized SVD, 2 components) on the same N x D float32 data
   (real CIFAR-10 training images, grayscale at 64 x 64: D = 4,096): time ratio (goal <= 0.25x),
   and how well each layout keeps the data's distances (correlation over random pairs).
2. layer_projection of 10,000 real CIFAR-10 test images across all layers of the AlexNet-CIFAR,
   with their labels (so each layer's separability scores are computed too), against one bare
   forward pass over the same images (goal <= 1.5x), with peak memory.

    python benchmarks/bench_projection.py [--weights alexnet-cifar.pt]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.decomposition import PCA

from deepling import Projection, layer_projection, load_dataset, load_model, pivot_mds
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


def bench_layer_projection(weights: Path | None, n: int, repeats: int) -> None:
    test = load_dataset(DATA, split="test")
    model = load_model("alexnet-cifar", weights)
    x = test.batch(range(n), model.input_shape)
    labels = test.labels[:n]

    def bare_pass() -> None:
        with torch.inference_mode(), eval_mode(model.module):
            for start in range(0, n, 256):
                model.module(model.normalise(x[start : start + 256]))

    bare_pass()  # warm-up
    layer_projection(model, x[:512], labels=labels[:512])  # warm-up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result: dict[str, Projection] = {}
    t_bare, t_projection = best_of(
        repeats,
        bare_pass,
        lambda: result.__setitem__("p", layer_projection(model, x, labels=labels)),
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    projection = result["p"]
    scores = projection.scores
    assert scores is not None
    print(
        f"layer_projection of {n:,} CIFAR-10 test images over {len(projection.nodes)} layers "
        f"of {model.name}:"
    )
    print(f"  one bare forward pass: {t_bare * 1000:7.0f} ms")
    print(
        f"  projection:            {t_projection * 1000:7.0f} ms "
        f"(activations, PivotMDS, alignment and separability scores for every layer)"
    )
    print(f"  time ratio: {t_projection / t_bare:.2f}x of the forward pass (goal <= 1.5x)")
    print(
        f"  peak memory of the process: {peak / 2**20:.2f} GB "
        f"({before / 2**20:.2f} GB before the projection; goal <= 2 GB)"
    )
    print(
        f"  separability, first -> last layer: kNN 2-D {scores.knn_layout[0]:.2f} -> "
        f"{scores.knn_layout[-1]:.2f}, kNN full {scores.knn_full[0]:.2f} -> "
        f"{scores.knn_full[-1]:.2f}, silhouette {scores.silhouette[0]:.2f} -> "
        f"{scores.silhouette[-1]:.2f} ({scores.layout_points:,} / {scores.full_points:,} "
        f"images, chance {scores.chance:.2f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, help="alexnet-cifar checkpoint (default: random)")
    parser.add_argument("--n", type=int, default=20_000, help="points for pivot_mds vs PCA")
    parser.add_argument("--images", type=int, default=10_000, help="images to project")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"SKIPPED: CIFAR-10 not found at {DATA}", file=sys.stderr)
        return 0
    torch.manual_seed(0)
    bench_pivot_mds(args.n, args.repeats)
    bench_layer_projection(args.weights, args.images, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

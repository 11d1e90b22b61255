"""Feature visualisation against its baselines, in the same run, on the AlexNet-CIFAR.

1. 256 steps of feature_visualization (Fourier parameterisation, colour decorrelation, random
   affine transform, AdamW) against 256 bare forward+backward steps to the same node on an image
   of the same size with gradients for the input only (goal <= 1.1x), for an early conv, a late
   conv and a class logit; with the time a step adds to the bare step.
2. The same at the layer atlas's size: layer_atlas of C channels (a batch of C images) against
   bare steps on a batch of C images.
3. layer_atlas of C channels as one batch against C single-channel feature_visualization calls
   (the speed-up; the same steps for each).

    python benchmarks/bench_featurevis.py [--weights alexnet-cifar.pt] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from platformdirs import user_cache_dir

from deepling import FeatureVisSettings, feature_visualization, layer_atlas, load_model
from deepling.analysis.featurevis import _optimised_node, channel_count, channel_objective
from deepling.models.model import Model
from deepling.models.state import eval_mode, frozen_parameters

WEIGHTS = Path(user_cache_dir("deepling")) / "models" / "alexnet-cifar.pt"
# An early conv block, a late conv block and a class logit.
NODES = (("features_2", 5), ("features_16", 12), ("classifier_7", 7))


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def bare_steps(model: Model, node: str, channel: int, steps: int) -> None:
    """The floor: forward to the node and backward to the input, nothing else."""
    x = torch.rand(1, *model.input_shape, device=model.device, requires_grad=True)
    with eval_mode(model.module), frozen_parameters(model.module):
        for _ in range(steps):
            acts = model.tap(model.normalise(x), [node])[node]
            (grad,) = torch.autograd.grad(acts[:, channel].mean(), x)
    sync(model.device)


def bare_batch_steps(model: Model, node: str, channels: list[int], steps: int) -> None:
    """The floor at the atlas's size: image b's gradient for channel ``channels[b]``."""
    objective = channel_objective(channels)
    x = torch.rand(len(channels), *model.input_shape, device=model.device, requires_grad=True)
    weights = torch.ones(len(channels), device=model.device)
    with eval_mode(model.module), frozen_parameters(model.module):
        for _ in range(steps):
            acts = model.tap(model.normalise(x), [node])[node]
            (grad,) = torch.autograd.grad(objective(acts), x, weights)
    sync(model.device)


def best_of(repeats: int, *runs) -> list[float]:  # type: ignore[no-untyped-def]
    """Best time of each run, the runs alternating so that machine noise hits them alike."""
    best = [float("inf")] * len(runs)
    for _ in range(repeats):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--atlas-channels", type=int, default=32)
    parser.add_argument("--atlas-steps", type=int, default=64)
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cpu":
        # Small batch-1 steps on a shared machine: intra-op threads only wait on each other.
        torch.set_num_threads(1)
    model = load_model("alexnet-cifar", args.weights, device=device)
    threads = torch.get_num_threads()
    print(f"AlexNet-CIFAR on {device}, torch {torch.__version__}, {threads} threads")

    steps = 256
    print(
        f"\n1. {steps} steps of feature visualisation vs {steps} bare forward+backward steps"
        " (batch 1)"
    )
    for node, channel in NODES:
        tapped = _optimised_node(model, node)  # the node the optimisation stops at

        def ours(node: str = node, channel: int = channel) -> None:
            feature_visualization(model, node, channel, FeatureVisSettings(steps=steps))
            sync(device)

        def bare(tapped: str = tapped, channel: int = channel) -> None:
            bare_steps(model, tapped, channel, steps)

        ours(), bare()  # warm up (tracing, extractor build, allocator)
        t_ours, t_bare = best_of(3, ours, bare)
        added = (t_ours - t_bare) / steps * 1e3
        print(
            f"  {node:>13} ch {channel:>3}: {t_ours * 1e3:7.0f} ms vs bare {t_bare * 1e3:7.0f} ms"
            f"  -> {t_ours / t_bare:.2f}x (goal <= 1.1x); a step: bare"
            f" {t_bare / steps * 1e3:.2f} ms, {added:+.2f} ms added"
        )

    n, atlas_steps = args.atlas_channels, args.atlas_steps
    print(
        f"\n2. layer atlas (up to {n} channels) vs bare steps on as many images"
        f" ({atlas_steps} steps)"
    )
    for node, _ in NODES:
        tapped = _optimised_node(model, node)
        some = list(range(min(n, channel_count(model, node))))

        def atlas(node: str = node, some: list[int] = some) -> None:
            layer_atlas(model, node, FeatureVisSettings(steps=atlas_steps), channels=some)
            sync(device)

        def bare_batch(tapped: str = tapped, some: list[int] = some) -> None:
            bare_batch_steps(model, tapped, some, atlas_steps)

        atlas(), bare_batch()
        t_atlas, t_bare = best_of(3, atlas, bare_batch)
        print(
            f"  {node:>13} x {len(some):>3}: {t_atlas * 1e3:7.0f} ms vs bare"
            f" {t_bare * 1e3:7.0f} ms  -> {t_atlas / t_bare:.2f}x (goal <= 1.1x)"
        )

    channels = list(range(n))
    print(
        f"\n3. layer atlas of {n} channels, {atlas_steps} steps: one batch vs one channel at a time"
    )
    for node in ("features_2", "features_16"):

        def batched(node: str = node) -> None:
            layer_atlas(model, node, FeatureVisSettings(steps=atlas_steps), channels=channels)
            sync(device)

        def one_by_one(node: str = node) -> None:
            for c in channels:
                feature_visualization(model, node, c, FeatureVisSettings(steps=atlas_steps))
            sync(device)

        batched()
        t_batch, t_single = best_of(1, batched, one_by_one)
        print(
            f"  {node:>13}: batch {t_batch:6.2f} s vs one-by-one {t_single:6.2f} s"
            f"  -> {t_single / t_batch:.1f}x faster"
        )


if __name__ == "__main__":
    main()

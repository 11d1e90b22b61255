"""Minimal-mode adversarial strip cost against a bare loop of forward+backward steps on one image.

Both run in this process on AlexNet-CIFAR (the trained demo checkpoint if present, else random
weights), alternating, median of ``--repeats``. The bare loop is the least any gradient attack
does per step: forward, log-softmax of the target, gradient with respect to the input only
(parameters frozen), a signed step and a clamp. The strip runs all its steps (``until=None``)
and also blurs every gradient, projects on its budget, records its path and picks frames;
goal <= 1.05x. A strip undoes steps that do not raise the target and skips their backward
pass, so it may come out cheaper than the bare loop; the last kept step is printed.
The robustness check every strip ends with (its frames under held-out random moves, forward
only) is a fixed cost of its own, printed apart. Then K strips toward K targets batched in one
run against K single strips: the speed-up.

    python benchmarks/bench_strips.py [--data DIR] [--steps 64] [--repeats 7] [--targets 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

from deepling import StripSettings, adversarial_strip, adversarial_strips, load_dataset, load_model
from deepling.models.state import eval_mode, frozen_parameters

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"
CHECKPOINT = Path.home() / ".cache" / "deepling" / "models" / "alexnet-cifar.pt"


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(
    model,
    image: torch.Tensor,
    target: int,
    steps: int,  # type: ignore[no-untyped-def]
    repeats: int,
    step: float = 0.002,
) -> tuple[float, float, int]:
    """Median seconds of the bare loop and of the strip, and the strip's last kept step."""

    def bare_loop() -> None:
        with eval_mode(model.module), frozen_parameters(model.module):
            x = image[None].clone()
            for _ in range(steps):
                x.requires_grad_(True)
                out = model.module(model.normalise(x)).log_softmax(1)[0, target]
                (grad,) = torch.autograd.grad(out, x)
                x = (x.detach() + 0.002 * grad.sign()).clamp(0, 1)

    # The path alone: the robustness check is a fixed cost of its own, measured in main().
    settings = StripSettings(
        mode="minimal", steps=steps, until=None, step=step, robustness_samples=0
    )

    def strip() -> object:
        return adversarial_strip(model, image, target, settings)

    bare_loop(), strip()  # warm-up: allocator and kernels
    times: dict[str, list[float]] = {"bare": [], "strip": []}
    for _ in range(repeats):  # alternate, so that load from elsewhere hits both alike
        times["bare"].append(median_seconds(bare_loop, 1))
        times["strip"].append(median_seconds(strip, 1))
    kept = int(adversarial_strip(model, image, target, settings).steps[-1])
    return statistics.median(times["bare"]), statistics.median(times["strip"]), kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--targets", type=int, default=9)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (shared CPUs: 1)")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"SKIPPED: CIFAR-10 not found at {args.data}", file=sys.stderr)
        return 0
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = load_model("alexnet-cifar", CHECKPOINT if CHECKPOINT.is_file() else None)
    image = load_dataset(args.data, split="test").batch([0], model.input_shape)[0]
    label = int(model.predict(image[None])[0].argmax())
    steps = args.steps

    probs = model.predict(image[None])[0]
    print(
        f"model: {model.name} ({'trained' if CHECKPOINT.is_file() else 'random weights'}), "
        f"image 0 (predicted {model.classes[label]}), {steps} steps, "
        f"{torch.get_num_threads()} thread(s), median of {args.repeats}"
    )
    # Toward a class the strip saturates after a few dozen steps; the later ones are undone
    # without a backward pass, so it can cost less than the bare loop. With tiny steps toward
    # the least likely class every step is kept: the strip's own per-step cost, its worst case.
    for what, target, step in (
        ("runner-up", int(probs.topk(2).indices[1]), 0.002),
        ("least likely", int(probs.argmin()), 0.002),
        ("least likely, tiny steps", int(probs.argmin()), 0.0001),
    ):
        bare, single, kept = compare(model, image, target, steps, args.repeats, step)
        print(
            f"toward {what} {model.classes[target]}: bare loop of {steps} forward+backward "
            f"{bare * 1000:.1f} ms, strip {single * 1000:.1f} ms (last kept step {kept}), "
            f"strip / bare loop: {single / bare:.3f}x (goal <= 1.05x)"
        )

    measured = StripSettings(mode="minimal", steps=steps)
    target = int(probs.topk(2).indices[1])
    with_check = median_seconds(lambda: adversarial_strip(model, image, target, measured), 5)
    without = median_seconds(
        lambda: adversarial_strip(model, image, target, replace(measured, robustness_samples=0)), 5
    )
    print(
        f"robustness check ({measured.frames} frames x {measured.robustness_samples} held-out "
        f"moves, forward only): +{(with_check - without) * 1000:.0f} ms per strip"
    )

    targets = [t for t in range(len(model.classes)) if t != label][: args.targets]
    k = len(targets)
    settings = StripSettings(mode="minimal", steps=steps, until=None, robustness_samples=0)

    def singles() -> None:
        for t in targets:
            adversarial_strip(model, image, t, settings)

    def batched() -> None:
        adversarial_strips(model, image, targets, settings)

    batched()
    one_by_one = median_seconds(singles, max(1, args.repeats // 2))
    together = median_seconds(batched, max(1, args.repeats // 2))
    print(
        f"{k} strips one by one: {one_by_one * 1000:.0f} ms; batched: {together * 1000:.0f} ms; "
        f"speed-up {one_by_one / together:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Robust strips on the reference demo: how robust, how transferable, how large, how costly.

For 10 correctly classified test images each of airplane -> horse, cat -> dog and automobile ->
truck, and for every test airplane the demo calls horse ("why horse?"), a strip in each mode:

- robustness: the target's probability under 32 random moves of the last frame that the path
  never saw (the product's ``Strip.robustness``; goal >= 0.8 for the robust mode), and under the
  issue's own check, 16 random integer shifts of up to 3 px (reflect-padded) and flips;
- transfer: the target's probability under an independently trained CIFAR network
  (benchmarks/independent_cifar.py: another architecture, seed and recipe; trained on first
  use), at the first and the last frame; goal: clearly above the minimal mode's;
- the largest and the mean absolute change of each frame (mean over the images).

Then the cost: a robust strip that runs all its steps against a bare loop of as many
forward+backward passes at the transform batch size (``samples`` copies of the image, no
transforms, a signed step): goal <= 1.3x. Both alternate in this process; median of repeats.

    python benchmarks/bench_strip_robustness.py [--data DIR] [--per-pair 10] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from deepling import Model, StripSettings, adversarial_strip, load_dataset, load_model
from deepling.models.state import eval_mode, frozen_parameters

sys.path.insert(0, str(Path(__file__).resolve().parent))
from independent_cifar import load_independent  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"
CHECKPOINT = Path.home() / ".cache" / "deepling" / "models" / "alexnet-cifar.pt"
PAIRS = (("airplane", "horse"), ("cat", "dog"), ("automobile", "truck"))


def shift_flip_probability(model: Model, image: torch.Tensor, target: int, seed: int) -> float:
    """The target's mean probability over 16 random integer shifts (up to 3 px each way,
    reflect-padded) and left-right flips of ``image``: the issue's measurement."""
    generator = torch.Generator().manual_seed(seed)
    h, w = image.shape[-2:]
    padded = F.pad(image[None], (3, 3, 3, 3), mode="reflect")[0]
    views = []
    for _ in range(16):
        dy, dx = torch.randint(0, 7, (2,), generator=generator).tolist()
        view = padded[:, dy : dy + h, dx : dx + w]
        views.append(view.flip(-1) if float(torch.rand(1, generator=generator)) < 0.5 else view)
    return float(model.predict(torch.stack(views))[:, target].mean())


def cases(model: Model, data_dir: Path, per_pair: int) -> list[tuple[str, int, int]]:
    """``(group, image index, target)`` of the test images the benchmark strips."""
    data = load_dataset(data_dir, split="test")
    x = data.batch(range(len(data)), model.input_shape)
    labels = torch.as_tensor(data.labels)
    predicted = model.predict(x).argmax(1)
    names = {n: k for k, n in enumerate(model.classes)}
    chosen = []
    for source, target in PAIRS:
        right = ((labels == names[source]) & (predicted == names[source])).nonzero().flatten()
        chosen += [(f"{source}->{target}", int(i), names[target]) for i in right[:per_pair]]
    wrong = ((labels == names["airplane"]) & (predicted == names["horse"])).nonzero().flatten()
    chosen += [("airplane called horse", int(i), names["horse"]) for i in wrong]
    return chosen


def quality(model: Model, reference: Model, data_dir: Path, per_pair: int) -> None:
    data = load_dataset(data_dir, split="test")
    rows: dict[tuple[str, str], list[dict[str, float]]] = {}
    per_frame: dict[str, list[torch.Tensor]] = {"robust": [], "minimal": []}
    means: dict[str, list[torch.Tensor]] = {"robust": [], "minimal": []}
    for group, index, target in cases(model, data_dir, per_pair):
        image = data.batch([index], model.input_shape)[0]
        for mode in ("robust", "minimal"):
            strip = adversarial_strip(
                model, image, target, StripSettings(mode=mode), reference=reference
            )
            assert strip.transfer_probs is not None
            rows.setdefault((group, mode), []).append(
                {
                    "plain": float(strip.probs[-1, target]),
                    "robust": strip.robustness,
                    "shift_flip": shift_flip_probability(model, strip.frames[-1], target, index),
                    "transfer_0": float(strip.transfer_probs[0, target]),
                    "transfer": float(strip.transfer_probs[-1, target]),
                    "largest": float(strip.max_change[-1]),
                    "mean": float(strip.mean_change[-1]),
                }
            )
            per_frame[mode].append(strip.max_change)
            means[mode].append(strip.mean_change)
    print(
        f"{'group':<24}{'mode':<9}{'n':>3}{'plain p':>9}{'robust p':>10}{'shift+flip':>11}"
        f"{'transfer':>16}{'largest':>9}{'mean':>7}"
    )
    for (group, mode), found in rows.items():
        avg = {k: statistics.mean(r[k] for r in found) for k in found[0]}
        transfer = f"{avg['transfer_0']:.2f}->{avg['transfer']:.2f}"
        print(
            f"{group:<24}{mode:<9}{len(found):>3}{avg['plain']:>9.2f}{avg['robust']:>10.2f}"
            f"{avg['shift_flip']:>11.2f}{transfer:>16}{avg['largest']:>9.3f}{avg['mean']:>7.3f}"
        )
    for mode in ("robust", "minimal"):
        largest = torch.stack(per_frame[mode]).mean(0).tolist()
        mean = torch.stack(means[mode]).mean(0).tolist()
        print(f"{mode} per frame, largest change: {' '.join(f'{v:.3f}' for v in largest)}")
        print(f"{mode} per frame, mean change:    {' '.join(f'{v:.3f}' for v in mean)}")
    print("goals: robust p >= 0.8 for the robust mode; its transfer clearly above the minimal's")


def median_seconds(run: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cost(model: Model, image: torch.Tensor, target: int, steps: int, repeats: int) -> None:
    settings = StripSettings(steps=steps, until=None)
    batch = settings.samples

    def bare_loop() -> None:
        with eval_mode(model.module), frozen_parameters(model.module):
            x = image[None].repeat(batch, 1, 1, 1)
            for _ in range(steps):
                x.requires_grad_(True)
                out = model.module(model.normalise(x)).log_softmax(1)[:, target].sum()
                (grad,) = torch.autograd.grad(out, x)
                x = (x.detach() + 0.002 * grad.sign()).clamp(0, 1)

    def strip() -> None:
        adversarial_strip(model, image, target, settings)

    bare_loop(), strip()  # warm-up
    bare, robust = [], []
    for _ in range(repeats):  # alternate, so that load from elsewhere hits both alike
        bare.append(median_seconds(bare_loop, 1))
        robust.append(median_seconds(strip, 1))
    b, r = statistics.median(bare), statistics.median(robust)
    kept = int(adversarial_strip(model, image, target, settings).steps[-1])
    print(
        f"cost: bare loop of {steps} forward+backward at batch {batch} {b * 1000:.0f} ms, "
        f"robust strip of {steps} steps {r * 1000:.0f} ms (last kept step {kept}, robustness "
        f"measured too); robust / bare: {r / b:.2f}x (goal <= 1.3x)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--per-pair", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if not args.data.exists() or not CHECKPOINT.is_file():
        print(f"SKIPPED: needs CIFAR-10 at {args.data} and {CHECKPOINT}", file=sys.stderr)
        return 0
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = load_model("alexnet-cifar", CHECKPOINT, device="cpu")
    print(f"model: {model.name}, {torch.get_num_threads()} thread(s)")
    if not args.skip_quality:
        reference = load_independent(args.data)
        print(f"transfer model: {reference.name}")
        quality(model, reference, args.data, args.per_pair)
    image = load_dataset(args.data, split="test").batch([0], model.input_shape)[0]
    runner_up = int(model.predict(image[None])[0].topk(2).indices[1])
    cost(model, image, runner_up, args.steps, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

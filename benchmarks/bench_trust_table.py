"""What the faithfulness metrics cost on top of the attribution maps they judge.

The Semantics view's method table (``POST /api/jobs/trust/table``) measures every method on a
dataset sample. Here, in one process over the same ``--images`` CIFAR-10 test images and the
five attribution methods: the maps alone (the baseline), then the metrics given those maps
(the overhead the table adds), split into the four removal curves (deletion, insertion, ROAD
both ways: one batch of forward passes and one imputation solve per image) and max-sensitivity
(which recomputes the map for each of its noisy copies, so it costs about SAMPLES maps).

    python benchmarks/bench_trust_table.py [--data DIR] [--images 200]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import torch

from deepling import load_dataset, load_model
from deepling.analysis.attribution import METHODS
from deepling.analysis.trust_curves import CURVES
from deepling.analysis.trust_faithfulness import SENSITIVITY_SAMPLES, faithfulness_report
from deepling.analysis.trust_methods import explain

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar-10-batches-py"
CHECKPOINT = Path.home() / ".cache" / "deepling" / "models" / "alexnet-cifar.pt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--images", type=int, default=200)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"SKIPPED: needs CIFAR-10 at {args.data}", file=sys.stderr)
        return 0
    trained = CHECKPOINT.is_file()
    model = load_model("alexnet-cifar", CHECKPOINT if trained else None, device="cpu")
    data = load_dataset(args.data, split="test")
    x = data.batch(list(range(args.images)), model.input_shape)
    targets = model.logits(x).argmax(dim=1)
    print(
        f"{args.images} CIFAR-10 images, {'trained' if trained else 'untrained'} AlexNet-CIFAR, "
        f"{torch.get_num_threads()} threads"
    )
    totals = {"maps": 0.0, "curves": 0.0, "max_sensitivity": 0.0}
    for method in METHODS:
        start = time.perf_counter()
        maps = torch.stack([explain(model, x[i], method, int(targets[i])) for i in range(len(x))])
        maps_s = time.perf_counter() - start
        start = time.perf_counter()
        faithfulness_report(model, x, method, metrics=CURVES, target=targets, maps=maps)
        curves_s = time.perf_counter() - start
        start = time.perf_counter()
        faithfulness_report(
            model, x, method, metrics=("max_sensitivity",), target=targets, maps=maps
        )
        sensitivity_s = time.perf_counter() - start
        totals["maps"] += maps_s
        totals["curves"] += curves_s
        totals["max_sensitivity"] += sensitivity_s
        print(
            f"  {method:22s} maps {maps_s:7.1f} s   curves {curves_s:6.1f} s "
            f"({curves_s / maps_s:5.2f}x)   max-sensitivity {sensitivity_s:7.1f} s "
            f"({sensitivity_s / maps_s:5.2f}x)"
        )
    maps_s = totals["maps"]
    overhead = totals["curves"] + totals["max_sensitivity"]
    print(
        f"maps alone {maps_s:.1f} s; metrics {overhead:.1f} s: overhead ratio "
        f"{overhead / maps_s:.2f}x (curves {totals['curves'] / maps_s:.2f}x, "
        f"max-sensitivity {totals['max_sensitivity'] / maps_s:.2f}x with {SENSITIVITY_SAMPLES} "
        f"noisy copies); whole table {1 + overhead / maps_s:.2f}x the maps"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

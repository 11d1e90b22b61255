"""What the CLI's subcommands do, with progress bars; ``cli.py`` only parses arguments."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from deepling.analysis.evaluation import Evaluation, evaluate
from deepling.cache import ArrayCache
from deepling.data.base import ArrayDataset, Dataset
from deepling.data.cifar import load_cifar10
from deepling.data.cifar_download import ensure_cifar10
from deepling.data.demo_mnist import load_demo_mnist
from deepling.data.loading import load_dataset
from deepling.engine.choice import Engine, RaySettings
from deepling.errors import DeeplingError
from deepling.models.checkpoints import Checkpoints, checkpoint_files, load_checkpoints
from deepling.models.device import describe_device
from deepling.models.loading import load_model
from deepling.models.model import Model
from deepling.models.training import TrainingStatus, epoch_checkpoints, train
from deepling.paths import cache_dir
from deepling.server.run import serve

# The bundled 5,000 digits (sorted by class) are split by a fixed permutation: 4,000 train the
# demo CNN, 1,000 are held out for evaluation and for the demo's views.
MNIST_TRAIN = 4000


def demo_checkpoint(arch: str) -> Path:
    return cache_dir() / "models" / f"{arch}.pt"


def demo_data(arch: str, data_dir: Path | None) -> tuple[ArrayDataset, ArrayDataset]:
    """(train, test) data of a demo architecture."""
    if arch == "mnist-cnn":
        digits = load_demo_mnist()
        order = np.random.default_rng(0).permutation(len(digits))
        parts = (order[:MNIST_TRAIN], order[MNIST_TRAIN:])
        train_part, test_part = (
            ArrayDataset(digits.pixels[idx], digits.labels[idx], digits.classes, f"mnist-{name}")
            for idx, name in zip(parts, ("train", "heldout"), strict=True)
        )
        return train_part, test_part
    folder = ensure_cifar10(data_dir or cache_dir() / "data")
    return load_cifar10(folder, "train"), load_cifar10(folder, "test")


def train_with_progress(
    arch: str,
    data: tuple[ArrayDataset, ArrayDataset],
    out: Path,
    *,
    epochs: int | None = None,
    restart: bool = False,
    device: str | None = None,
) -> float | None:
    """Train ``arch`` on (train, test) ``data`` with a progress bar per epoch; returns the final
    test accuracy."""
    train_data, test_data = data
    bar: tqdm | None = None

    def report(status: TrainingStatus) -> None:
        nonlocal bar
        if bar is None or status.step == 0:
            if bar is not None:
                bar.close()
            bar = tqdm(
                total=status.steps,
                desc=f"{arch} epoch {status.epoch + 1}/{status.epochs}",
                unit="batch",
                leave=True,
            )
        bar.update(1)
        postfix = {"loss": f"{status.loss:.3f}"}
        if status.test_accuracy is not None:
            postfix["test_acc"] = f"{status.test_accuracy:.2%}"
        bar.set_postfix(postfix, refresh=False)

    state = train(
        arch,
        train_data,
        test_data,
        out,
        epochs=epochs,
        resume=not restart,
        device=device,
        on_progress=report,
    )
    if bar is not None:
        bar.close()
    return state.get("test_accuracy")


def train_command(args: argparse.Namespace) -> None:
    out = args.out or demo_checkpoint(args.model)
    accuracy = train_with_progress(
        args.model,
        demo_data(args.model, args.data_dir),
        out,
        epochs=args.epochs,
        restart=args.restart,
        device=args.device,
    )
    shown = "n/a" if accuracy is None else f"{accuracy:.2%}"
    print(f"Saved {out} (test accuracy {shown}).")


def _read_classes(path: Path | None) -> list[str] | None:
    if path is None:
        return None
    try:
        names = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    except OSError as exc:
        raise DeeplingError(
            f"Cannot read the classes file {path}: {exc.strerror or exc}.",
            "Give a readable text file with one class name a line.",
        ) from exc
    except UnicodeDecodeError as exc:
        raise DeeplingError(
            f"The classes file {path} is not UTF-8 text ({exc.reason}).",
            "Give a UTF-8 text file with one class name a line.",
        ) from exc
    if not names:
        raise DeeplingError(f"The classes file {path} is empty.", "Write one class name a line.")
    return names


def _first_readable(dataset: Dataset, shape: tuple[int, int, int], spec: str) -> torch.Tensor:
    """The first readable one of the first few images, fitted to ``shape`` (a damaged file is
    the stream's to report), or a clear error when none of them is."""
    first = range(min(len(dataset), 16))
    for _, x in dataset.stream(shape, first, batch_size=len(first), workers=1):
        return x[:1]
    reasons = list(dataset.unreadable.values())
    raise DeeplingError(
        f"None of the first {len(first)} images of {spec} could be read "
        f"({reasons[0].rstrip('.') if reasons else 'no reason given'}).",
        "Check that the folder holds image files, not damaged or renamed ones.",
    )


def _say_device(model: Model) -> None:
    mixed = f", {model.precision} autocast" if model.precision != "fp32" else ""
    print(f"deepling: running on {describe_device(model.device)}{mixed}", file=sys.stderr)


def _finished(checkpoint: Path) -> bool:
    """Whether ``checkpoint`` holds a completed training run (not an interrupted one)."""
    if not checkpoint.is_file():
        return False
    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except Exception:  # a damaged file: train again
        return False
    return isinstance(state, dict) and state.get("epoch") == state.get("epochs")


@dataclass
class Served:
    """What the model options name: the model (the last checkpoint of a series), the series
    if several weights files were given, and the dataset."""

    model: Model
    dataset: Dataset
    checkpoints: Checkpoints | None = None


def _model_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "input_shape": args.input_shape,
        "mean": args.mean,
        "std": args.std,
        "classes": _read_classes(args.classes),
        "device": args.device,
        "precision": args.precision,
    }


def _model_and_data(args: argparse.Namespace) -> Served:
    files = checkpoint_files(args.weights) if args.weights else []
    checkpoints = None
    if len(files) > 1:
        checkpoints = load_checkpoints(
            args.model, files, trust_pickle=args.trust_pickle, **_model_options(args)
        )
        model = checkpoints[0]  # named after the dataset below, before the others load
    else:
        weights = files[0] if files else None
        model = load_model(
            args.model, weights, **_model_options(args), trust_pickle=args.trust_pickle
        )
    dataset = load_dataset(args.data, split=args.split)
    if len(dataset) == 0:
        raise DeeplingError(
            f"The dataset {args.data} holds no images.", "Give a dataset with at least one image."
        )
    first_image = _first_readable(dataset, model.input_shape, args.data)
    _name_classes(model, dataset)
    if checkpoints is not None:
        model = checkpoints[len(checkpoints) - 1]  # the series opens on its last checkpoint
    # Fail now, not in the browser, if the images cannot be fed to this model.
    model.predict(first_image)
    _say_device(model)
    return Served(model, dataset, checkpoints)


def _name_classes(model: Model, dataset: Dataset) -> None:
    unnamed = model.classes == [str(i) for i in range(len(model.classes))]
    if unnamed and len(dataset.classes) == len(model.classes):
        model.classes = list(dataset.classes)  # name the outputs after the dataset's classes
    elif dataset.classes and dataset.classes != model.classes[: len(dataset.classes)]:
        print(
            f"deepling: warning: the dataset's classes ({', '.join(dataset.classes[:5])}, ...) "
            f"differ from the model's ({', '.join(model.classes[:5])}, ...); label i is taken "
            "to mean the model's output i. Pass --classes to name the model's outputs.",
            file=sys.stderr,
        )


def _compare_model(args: argparse.Namespace, model: Model) -> Model | None:
    """The --compare model: its own architecture and weights, the served model's classes."""
    if args.compare is None:
        if args.compare_weights is not None:
            raise DeeplingError("--compare-weights needs --compare SPEC (the second model).")
        return None
    # Its own preprocessing (a deepling checkpoint's or a zoo model's); only the input shape
    # defaults to the model's, as both see the same images.
    other = load_model(
        args.compare,
        args.compare_weights,
        input_shape=model.input_shape,
        device=model.device,
        precision=model.precision,
        trust_pickle=args.trust_pickle,
    )
    if len(other.classes) != len(model.classes):
        raise DeeplingError(
            f"The --compare model has {len(other.classes)} outputs, the model "
            f"{len(model.classes)}.",
            "Compare models with the same classes.",
        )
    unnamed = other.classes == [str(i) for i in range(len(other.classes))]
    if not unnamed and other.classes != model.classes:
        raise DeeplingError(
            f"The --compare model names other classes ({', '.join(other.classes[:4])}, ...) "
            f"than the model ({', '.join(model.classes[:4])}, ...).",
            "Compare models of the same classes, in the same order.",
        )
    other.classes = list(model.classes)
    return other


def _engine(args: argparse.Namespace) -> tuple[Engine, RaySettings | None]:
    """The engine the options ask for; with Ray, connected now, so that a missing extra or an
    unreachable cluster stops the command before any work."""
    if args.engine != "ray":
        return "local", None
    settings = RaySettings(
        address=args.ray_address, concurrency=args.ray_replicas, num_gpus=args.ray_gpus
    )
    from deepling.engine.ray_cluster import connect

    connect(settings.address)
    return "ray", settings


def serve_command(args: argparse.Namespace) -> None:
    engine, ray = _engine(args)
    served = _model_and_data(args)
    serve(
        served.model,
        served.dataset,
        checkpoints=served.checkpoints,
        compare=_compare_model(args, served.model),
        host=args.host,
        port=args.port,
        open_browser=not args.no_browser,
        token=args.token,
        engine=engine,
        ray=ray,
    )


def evaluate_command(args: argparse.Namespace) -> None:
    engine = _engine(args)
    served = _model_and_data(args)
    dataset = served.dataset
    if served.checkpoints is not None:  # a series: one line per checkpoint
        for name, model in zip(served.checkpoints.names, served.checkpoints, strict=True):
            found = _evaluate_with_bar(model, dataset, name, engine)
            shown = "n/a" if found.accuracy is None else f"{found.accuracy:.2%}"
            print(f"{name}: accuracy {shown}")
        return
    model = served.model
    result = _evaluate_with_bar(model, dataset, "evaluating", engine)
    if result.accuracy is None:
        print(f"{len(dataset)} unlabelled images: predictions only, no accuracy.")
        return
    scored = int(result.confusion.sum())
    print(
        f"accuracy {result.accuracy:.2%} on {scored} labelled images "
        f"({model.name} on {dataset.name})"
    )
    unreadable = int((~result.read).sum())  # also for an evaluation read from the cache
    if unreadable:
        first = next(iter(dataset.unreadable.values()), "see GET /api/dataset")
        print(f"deepling: skipped {unreadable} unreadable images (first: {first})", file=sys.stderr)
    width = max(5, *(len(c) for c in model.classes))
    print(f"{'class':<{width}}  precision  recall  images")
    for name, p, r, n in zip(
        model.classes, result.precision, result.recall, result.confusion.sum(axis=1), strict=True
    ):
        print(f"{name:<{width}}  {p:9.2%}  {r:6.2%}  {n:6d}")


def _evaluate_with_bar(
    model: Model, dataset: Dataset, label: str, engine: tuple[Engine, RaySettings | None]
) -> Evaluation:
    with tqdm(total=len(dataset), desc=label, unit="img") as bar:

        def report(done: int, total: int) -> None:
            bar.update(done - bar.n)

        cache = ArrayCache(cache_dir())
        return evaluate(
            model, dataset, progress=report, cache=cache, engine=engine[0], ray=engine[1]
        )


def demo_command(args: argparse.Namespace) -> None:
    arch = "mnist-cnn" if args.dataset == "mnist" else "alexnet-cifar"
    checkpoint = demo_checkpoint(arch)
    data = demo_data(arch, args.data_dir)
    if not _finished(checkpoint):
        print(f"Training the {arch} demo model once (cached in {checkpoint}).", file=sys.stderr)
        train_with_progress(arch, data, checkpoint)
    test_data = data[1]
    epochs = epoch_checkpoints(checkpoint)
    series = None
    if len(epochs) > 1:  # the run's epochs: the training animation plays at once
        series = load_checkpoints(arch, epochs, device=args.device, precision=args.precision)
        model = series[len(series) - 1]
    else:
        model = load_model(arch, checkpoint, device=args.device, precision=args.precision)
    _say_device(model)
    serve(
        model,
        test_data,
        checkpoints=series,
        host=args.host,
        port=args.port,
        open_browser=not args.no_browser,
        token=args.token,
    )

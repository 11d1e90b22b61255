"""The `deepling` command: user errors print one paragraph and exit 2 (`--debug`: traceback)."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from deepling.errors import DeeplingError

EXIT_USER_ERROR = 2


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, got {text!r}"
        ) from None


def _shape(text: str) -> tuple[int, int, int]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected C,H,W such as 3,32,32, got {text!r}")
    return values


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return value


def _token(text: str) -> str:
    # Same rule as deepling.server.access.TOKEN_PATTERN (not imported: it would load starlette).
    if not (8 <= len(text) <= 256) or any(
        not (c.isascii() and (c.isalnum() or c in "-_.~")) for c in text
    ):
        raise argparse.ArgumentTypeError(
            "expected 8 to 256 characters: letters, digits, '-', '_', '.', '~'"
        )
    return text


def _add_debug_option(p: argparse.ArgumentParser) -> None:
    # Also accepted after the subcommand; SUPPRESS keeps a --debug given before it.
    p.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors"
    )


def _add_server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    p.add_argument("--port", type=_port, default=None, help="port (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--token",
        type=_token,
        nargs="?",
        const="",
        default=None,
        help="require this access token (alone: a generated one). Default: "
        "$DEEPLING_TOKEN if set, else a generated token when --host is not "
        "loopback, none on loopback",
    )


def _add_model_and_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        required=True,
        help="file.py:factory, package.module:factory, a TorchScript file, "
        "torchvision:<name>, or a zoo name (alexnet-cifar, mnist-cnn)",
    )
    p.add_argument(
        "--weights",
        action="append",
        help="state_dict or checkpoint file; for a series of checkpoints a glob in quotes "
        "('runs/epoch_*.pt'), a folder, or --weights given several times (all ordered by "
        "file name: epoch_2 before epoch_10)",
    )
    p.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow --weights to be a whole pickled model (runs its code)",
    )
    p.add_argument(
        "--data",
        required=True,
        help="image folder, cifar-10-batches-py folder, .npz file, or mnist-demo",
    )
    p.add_argument("--split", default="test", help="CIFAR-10 split: test, train or all")
    p.add_argument("--input-shape", type=_shape, help="C,H,W the model takes, e.g. 3,32,32")
    p.add_argument("--mean", type=_floats, help="per-channel mean, e.g. 0.49,0.48,0.45")
    p.add_argument("--std", type=_floats, help="per-channel std, e.g. 0.25,0.24,0.26")
    p.add_argument("--classes", type=Path, help="text file with one class name per line")
    _add_device_options(p)


def _add_device_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--device",
        default="auto",
        help="auto (default: the GPU if there is one, else the CPU), cpu, cuda, cuda:N or mps",
    )
    p.add_argument(
        "--precision",
        choices=["fp32", "bf16", "fp16"],
        default="fp32",
        help="forward passes in float32 (default) or mixed precision (autocast)",
    )


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="where dataset passes run: this process (default) or a Ray cluster "
        "(pip install 'deepling[ray]'); on the server, those of the evaluation, channel "
        "statistics, top-activating images, the layer projection and ablations",
    )
    p.add_argument(
        "--ray-address",
        help="the Ray cluster (auto, ray://host:10001; default: a local one started here)",
    )
    p.add_argument(
        "--ray-replicas",
        type=int,
        help="model replicas on Ray (default: one per GPU, else half the CPUs)",
    )
    p.add_argument("--ray-gpus", type=float, help="GPUs per replica (default: 1 if any, else 0)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepling", description="See inside a trained PyTorch CNN with your own images."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="open a model and a dataset in the browser")
    _add_model_and_data_options(serve)
    _add_engine_options(serve)
    serve.add_argument(
        "--compare",
        metavar="SPEC",
        help="a second model to compare with (any architecture with the same classes)",
    )
    serve.add_argument("--compare-weights", metavar="PATH", help="the second model's weights")
    _add_server_options(serve)
    _add_debug_option(serve)

    evaluate = sub.add_parser("evaluate", help="accuracy and per-class scores over a dataset")
    _add_model_and_data_options(evaluate)
    _add_engine_options(evaluate)
    _add_debug_option(evaluate)

    demo = sub.add_parser("demo", help="train (once) and open a demo model")
    demo.add_argument("--dataset", choices=["mnist", "cifar10"], default="mnist")
    demo.add_argument("--data-dir", type=Path, help="folder holding cifar-10-batches-py")
    _add_device_options(demo)
    _add_server_options(demo)
    _add_debug_option(demo)

    train = sub.add_parser("train", help="train a demo model (resumable)")
    train.add_argument("--model", choices=["alexnet-cifar", "mnist-cnn"], default="alexnet-cifar")
    train.add_argument("--data-dir", type=Path, help="folder holding cifar-10-batches-py")
    train.add_argument("--epochs", type=int, help="default: the model's recipe")
    train.add_argument("--out", type=Path, help="checkpoint path (default: in the cache)")
    train.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    train.add_argument("--device", help="torch device (default: cuda if present)")
    _add_debug_option(train)
    return parser


def _run(args: argparse.Namespace) -> None:
    # Imported here so that `deepling --help` and argument errors do not wait for torch.
    from deepling import commands

    command: Callable[[argparse.Namespace], None] = getattr(commands, f"{args.command}_command")
    command(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _run(args)
    except DeeplingError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"deepling: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("deepling: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The real ``deepling`` console script: every user error is one paragraph on stderr, exit 2.

Each case runs ``python -m deepling`` in a subprocess against small files written to a temporary
folder: a tiny CNN factory file, its weights, and a few PNG images in class folders.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

NET_SOURCE = '''
from collections import OrderedDict

from torch import nn


def tiny(classes=2):
    """Any input size: the pooling fixes the Linear input at 4 x 4 x 4."""
    return nn.Sequential(OrderedDict(
        conv=nn.Conv2d(3, 4, 3, padding=1), relu=nn.ReLU(), pool=nn.AdaptiveAvgPool2d(4),
        flat=nn.Flatten(), fc=nn.Linear(64, classes),
    ))


def fixed():
    """Only 3 x 32 x 32 inputs fit its Linear layer."""
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 32 * 32, 2))


def broken():
    raise ValueError("needs num_classes")


def not_module():
    return 42


class Exploding(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 3)

    def forward(self, x):
        raise RuntimeError("kernel exploded")


def explodes():
    """Builds fine; its forward pass raises."""
    return Exploding()


class Pooled(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 3)

    def forward(self, x):
        return self.conv(x).mean()


def scalar_output():
    """Returns one number per batch, not logits per image."""
    return Pooled()
'''


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    (root / "net.py").write_text(NET_SOURCE)
    (root / "bad_import.py").write_text("import no_such_package_xyz\n")
    net = runpy.run_path(str(root / "net.py"))
    tiny = net["tiny"]()
    torch.save(tiny.state_dict(), root / "tiny.pt")
    torch.save(net["tiny"](3).state_dict(), root / "tiny3.pt")
    renamed = {k.replace("fc.", "head."): v for k, v in tiny.state_dict().items()}
    torch.save(renamed, root / "renamed.pt")
    torch.save(tiny, root / "whole.pt")  # a whole pickled model (torch.nn classes only)
    rng = np.random.default_rng(0)
    for name in ("class_a", "class_b"):
        folder = root / "data" / name
        folder.mkdir(parents=True)
        for i in range(3):
            pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f"{i}.png")
    (root / "empty").mkdir()
    (root / "damaged" / "class_a").mkdir(parents=True)
    (root / "damaged" / "class_a" / "x.png").write_bytes(b"not a png")
    (root / "bad.npz").write_bytes(b"not a zip archive")
    np.savez(root / "no_images.npz", x=np.zeros((0, 3, 32, 32), np.uint8))
    np.savez(root / "no_x.npz", images=np.zeros((2, 3, 32, 32), np.uint8))
    np.savez(root / "not_images.npz", x=np.zeros((4, 5), np.uint8))
    os.mkfifo(root / "pipe.npz")  # exists, but neither a file nor a folder
    cifar = root / "cut_cifar" / "cifar-10-batches-py"
    cifar.mkdir(parents=True)
    import pickle

    batch = {b"data": rng.integers(0, 256, (20, 3072), dtype=np.uint8), b"labels": [0] * 20}
    (cifar / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"a", b"b"]}))
    (cifar / "test_batch").write_bytes(pickle.dumps(batch)[:500])  # cut short
    for i in range(1, 6):
        (cifar / f"data_batch_{i}").write_bytes(pickle.dumps(batch))
    (root / "syntax_error.py").write_text("def tiny(:\n")
    (root / "damaged.pt").write_bytes(b"PK\x03\x04 cut short")
    (root / "notes.txt").write_text("not weights, not a dataset\n")
    (root / "classes3.txt").write_text("cat\ndog\nbird\n")
    (root / "latin1.txt").write_bytes(b"caf\xe9\nth\xe9\n")
    return root


def deepling(workspace: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEEPLING_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "deepling", *args],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def serve_args(*args: str) -> list[str]:
    """``serve`` with defaults that fit the tiny model; later options override earlier ones."""
    return [
        "serve",
        "--no-browser",
        "--model",
        "net.py:tiny",
        "--data",
        "data",
        "--input-shape",
        "3,32,32",
        *args,
    ]


# (id, arguments, words the message must contain)
USER_ERRORS = [
    (
        "model-file-missing",
        serve_args("--model", "nope.py:tiny"),
        ["nope.py", "does not exist", "file.py:factory"],
    ),
    (
        "factory-missing",
        serve_args("--model", "net.py:missing"),
        ["net.py has no 'missing'", "tiny", "not_module"],
    ),
    (
        "module-missing",
        serve_args("--model", "no_such_mod_xyz:build"),
        ["Cannot import module 'no_such_mod_xyz'", "package.module:factory"],
    ),
    (
        "import-fails",
        serve_args("--model", "bad_import.py:build"),
        [
            "Importing bad_import.py",
            "ModuleNotFoundError",
            "no_such_package_xyz",
            "bad_import.py:1",
            "--debug",
        ],
    ),
    (
        "factory-raises",
        serve_args("--model", "net.py:broken"),
        ["net.py:broken", "ValueError", "needs num_classes", "no arguments"],
    ),
    (
        "model-syntax-error",
        serve_args("--model", "syntax_error.py:tiny"),
        ["Importing syntax_error.py", "SyntaxError", "--debug"],
    ),
    (
        "forward-raises",
        serve_args("--model", "net.py:explodes"),
        ["rejected an input of shape (1, 3, 32, 32)", "RuntimeError: kernel exploded"],
    ),
    (
        "output-not-logits",
        serve_args("--model", "net.py:scalar_output"),
        ["returned shape ()", "(N, classes)"],
    ),
    (
        "factory-not-module",
        serve_args("--model", "net.py:not_module"),
        ["net.py:not_module() returned int", "nn.Module"],
    ),
    (
        "spec-unknown",
        serve_args("--model", "no-such-model"),
        ["no-such-model", "torchvision:<name>", "alexnet-cifar"],
    ),
    (
        "weights-wrong-shape",
        serve_args("--weights", "tiny3.pt"),
        [
            "tiny3.pt do not fit",
            "fc.weight ((3, 64) in file, (2, 64) in model)",
            "fc.bias",
            "same architecture",
        ],
    ),
    (
        "weights-wrong-keys",
        serve_args("--weights", "renamed.pt"),
        ["missing in the file: fc.weight, fc.bias", "not in the model: head.weight, head.bias"],
    ),
    ("weights-missing", serve_args("--weights", "nope.pt"), ["nope.pt", "does not exist"]),
    (
        "weights-not-torch",
        serve_args("--weights", "notes.txt"),
        ["Cannot read weights file notes.txt", "not a file saved with torch.save"],
    ),
    (
        "weights-damaged",
        serve_args("--weights", "damaged.pt"),
        ["Cannot read weights file damaged.pt", "damaged", "torch.save"],
    ),
    (
        "weights-whole-pickle",
        serve_args("--weights", "whole.pt"),
        ["whole.pt holds pickled Python objects", "state_dict()", "--trust-pickle"],
    ),
    (
        "model-whole-pickle",
        serve_args("--model", "whole.pt"),
        ["whole.pt is not a TorchScript file", "--trust-pickle"],
    ),
    ("data-empty", serve_args("--data", "empty"), ["No images found in empty", "image folder"]),
    (
        "data-missing",
        serve_args("--data", "nowhere"),
        ["Dataset nowhere does not exist", "image folder"],
    ),
    (
        "data-damaged-images",
        serve_args("--data", "damaged"),
        ["None of the first 1 images of damaged could be read", "Cannot read image"],
    ),
    ("data-damaged-npz", serve_args("--data", "bad.npz"), ["Cannot read bad.npz"]),
    (
        "data-npz-no-images",
        serve_args("--data", "no_images.npz"),
        ["no_images.npz holds no images"],
    ),
    ("data-npz-without-x", serve_args("--data", "no_x.npz"), ["no_x.npz has no array named 'x'"]),
    (
        "data-npz-not-images",
        serve_args("--data", "not_images.npz"),
        ["shape (4, 5)", "(N, C, H, W)"],
    ),
    ("data-not-a-file", serve_args("--data", "pipe.npz"), ["pipe.npz is neither a file nor a"]),
    ("data-cifar-truncated", serve_args("--data", "cut_cifar"), ["test_batch is damaged"]),
    (
        "data-unknown-file",
        serve_args("--data", "notes.txt"),
        ["notes.txt is a file of an unknown kind", ".npz"],
    ),
    (
        "input-shape-wrong",
        serve_args("--model", "net.py:fixed", "--input-shape", "3,64,64"),
        ["rejected an input of shape (1, 3, 64, 64)", "mat1 and mat2", "--input-shape"],
    ),
    (
        "input-channels-wrong",
        serve_args("--input-shape", "1,32,32"),
        ["(1, 1, 32, 32)", "3 channels", "--input-shape"],
    ),
    (
        "input-shape-unknown",
        ["serve", "--model", "net.py:tiny", "--data", "data"],
        ["input shape is not known", "--input-shape 3,32,32"],
    ),
    (
        "classes-count",
        serve_args("--classes", "classes3.txt"),
        ["3 class names given but the model has 2 outputs", "--classes"],
    ),
    (
        "classes-missing",
        serve_args("--classes", "nope.txt"),
        ["classes file nope.txt", "No such file"],
    ),
    ("classes-not-utf8", serve_args("--classes", "latin1.txt"), ["latin1.txt", "UTF-8"]),
    ("mean-count", serve_args("--mean", "0.5,0.5"), ["mean has 2 values", "3 channels"]),
    ("device-unknown", serve_args("--device", "nodev"), ["Cannot use device 'nodev'", "--device"]),
    (
        "ray-unreachable",
        serve_args("--engine", "ray", "--ray-address", "127.0.0.1:9"),
        ["Cannot reach the Ray cluster", "127.0.0.1:9", "ray start --head"],
    ),
]


@pytest.mark.parametrize(
    ("args", "words"), [c[1:] for c in USER_ERRORS], ids=[c[0] for c in USER_ERRORS]
)
def test_user_error_is_one_paragraph_without_traceback(
    workspace: Path, isolated_cache: Path, args: list[str], words: list[str]
) -> None:
    result = deepling(workspace, isolated_cache, *args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("deepling: error: ")
    assert result.stderr.strip().count("\n") == 0, result.stderr  # one paragraph
    assert result.stdout == ""
    for word in words:
        assert word in result.stderr
    if "--weights" in args and "whole.pt" not in args:  # only a real pickle needs trusting
        assert "--trust-pickle" not in result.stderr


DEBUG_CASES = {c[0]: c[1] for c in USER_ERRORS}


@pytest.mark.parametrize(
    "case",
    ["factory-raises", "weights-wrong-keys", "data-empty", "input-shape-wrong", "classes-count"],
)
@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(
    workspace: Path, isolated_cache: Path, case: str, where: str
) -> None:
    args = DEBUG_CASES[case]
    args = ["--debug", *args] if where == "before" else [*args, "--debug"]
    result = deepling(workspace, isolated_cache, *args)
    assert result.returncode == 2, result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    assert "deepling.errors.DeeplingError" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("deepling: error: ")


def test_debug_traceback_reaches_the_users_code(workspace: Path, isolated_cache: Path) -> None:
    result = deepling(workspace, isolated_cache, "--debug", *serve_args("--model", "net.py:broken"))
    assert result.returncode == 2
    assert 'net.py", line' in result.stderr and "ValueError: needs num_classes" in result.stderr


USAGE_ERRORS = [
    ("input-shape-not-numbers", serve_args("--input-shape", "3,x,32"), ["--input-shape", "3,x,32"]),
    ("input-shape-two-values", serve_args("--input-shape", "32,32"), ["C,H,W", "32,32"]),
    ("input-shape-zero", serve_args("--input-shape", "0,32,32"), ["--input-shape", "0,32,32"]),
    ("mean-not-numbers", serve_args("--mean", "a,b,c"), ["--mean", "numbers"]),
    ("port-out-of-range", serve_args("--port", "99999"), ["--port", "0-65535"]),
    ("token-too-short", serve_args("--token", "abc"), ["--token", "8 to 256 characters"]),
    ("token-odd-characters", serve_args("--token", "a b&c=d/e f"), ["--token", "letters, digits"]),
    ("no-command", [], ["required", "command"]),
    ("serve-without-data", ["serve", "--model", "net.py:tiny"], ["--data"]),
    ("demo-unknown-dataset", ["demo", "--dataset", "imagenet"], ["--dataset", "imagenet"]),
    ("train-epochs-not-int", ["train", "--epochs", "many"], ["--epochs", "many"]),
    ("unknown-option", serve_args("--colour", "red"), ["unrecognized arguments", "--colour"]),
]


@pytest.mark.parametrize(
    ("args", "words"), [c[1:] for c in USAGE_ERRORS], ids=[c[0] for c in USAGE_ERRORS]
)
def test_usage_error_exits_2(
    workspace: Path, isolated_cache: Path, args: list[str], words: list[str]
) -> None:
    result = deepling(workspace, isolated_cache, *args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "usage: deepling" in result.stderr
    for word in words:
        assert word in result.stderr


def test_help_lists_the_commands(workspace: Path, isolated_cache: Path) -> None:
    result = deepling(workspace, isolated_cache, "--help")
    assert result.returncode == 0, result.stderr
    for command in ("serve", "demo", "train", "--debug"):
        assert command in result.stdout


def test_serve_help_names_every_model_source(workspace: Path, isolated_cache: Path) -> None:
    result = deepling(workspace, isolated_cache, "serve", "--help")
    assert result.returncode == 0, result.stderr
    for option in (
        "--model",
        "--weights",
        "--trust-pickle",
        "--data",
        "--input-shape",
        "--classes",
        "--debug",
    ):
        assert option in result.stdout


def test_evaluate_says_which_device_auto_took_and_reports_unreadable_images(
    workspace: Path, isolated_cache: Path, tmp_path: Path
) -> None:
    """``--device auto`` (the default) names the device it took; a file that turns out damaged
    during the pass is reported and skipped, and the accuracy is over the images read."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(workspace / "data", data)
    (data / "class_b" / "2.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")  # opens, can't decode
    args = ["evaluate", "--model", "net.py:tiny", "--weights", "tiny.pt", "--data", str(data)]
    result = deepling(workspace, isolated_cache, *args, "--input-shape", "3,32,32")
    assert result.returncode == 0, result.stderr
    if not torch.cuda.is_available():
        assert "deepling: running on the CPU" in result.stderr and "no GPU found" in result.stderr
    assert "on 5 labelled images" in result.stdout
    assert "skipped 1 unreadable images" in result.stderr and "2.png" in result.stderr
    bf16 = deepling(
        workspace, isolated_cache, *args, "--input-shape", "3,32,32", "--precision", "bf16"
    )
    assert bf16.returncode == 0 and "bf16 autocast" in bf16.stderr, bf16.stderr


def test_evaluate_a_series_of_checkpoints_and_a_mismatched_one(
    workspace: Path, isolated_cache: Path, tmp_path: Path
) -> None:
    """A glob of checkpoints evaluates each, in natural order (epoch_2 before epoch_10); a
    checkpoint of another architecture among them is exit 2 naming it and its keys."""
    import shutil

    for epoch in (10, 2):
        shutil.copy(workspace / "tiny.pt", tmp_path / f"epoch_{epoch}.pt")
    args = ["evaluate", "--model", "net.py:tiny", "--data", "data", "--input-shape", "3,32,32"]
    result = deepling(workspace, isolated_cache, *args, "--weights", str(tmp_path / "epoch_*.pt"))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "accuracy" in line]
    assert [line.split(":")[0] for line in lines] == ["epoch_2", "epoch_10"]
    torch.save({"fc.weight": torch.zeros(3, 3)}, tmp_path / "epoch_11.pt")
    mixed = deepling(workspace, isolated_cache, *args, "--weights", str(tmp_path))
    assert mixed.returncode == 2 and "epoch_11.pt" in mixed.stderr
    assert "Traceback" not in mixed.stderr and "missing in the file" in mixed.stderr

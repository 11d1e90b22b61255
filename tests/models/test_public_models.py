"""Models written by others for CIFAR-10 load and give activations at every node."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from deepling import load_model

PUBLIC = Path(__file__).resolve().parents[1] / "public_models"

# (spec, an op that must appear in the graph: the construct this architecture is known for)
CASES = [
    ("alexnet.py:alexnet", "max_pool2d"),
    ("resnet.py:ResNet18", "add"),
    ("densenet.py:densenet_cifar", "cat"),
    ("mobilenetv2.py:MobileNetV2", "add"),
    ("vgg.py:vgg11", "view"),
]


@pytest.mark.parametrize(("spec", "signature_op"), CASES, ids=[c[0] for c in CASES])
def test_public_model_loads_and_every_node_has_activations(spec: str, signature_op: str) -> None:
    torch.manual_seed(0)
    model = load_model(f"{PUBLIC}/{spec}", input_shape=(3, 32, 32))
    graph = model.graph()
    assert not graph.approximate
    assert len(model.classes) == 10
    assert signature_op in {n.op for n in graph.nodes}
    names = graph.names
    assert len(set(names)) == len(names)
    x = torch.rand(2, 3, 32, 32)
    acts = model.activations(x, names)
    for node in graph.nodes:
        assert acts[node.name].shape == (2, *node.shape), node.name
        assert torch.isfinite(acts[node.name]).all(), node.name
        for parent in node.inputs:
            assert parent in graph, f"{node.name} reads unknown node {parent}"
    assert torch.allclose(acts[graph.output.name], model.logits(x), atol=1e-4)


def test_resnet_skip_connections_are_edges() -> None:
    model = load_model(f"{PUBLIC}/resnet.py:ResNet18", input_shape=(3, 32, 32))
    adds = [n for n in model.graph().nodes if n.op == "add"]
    assert len(adds) == 8  # one per BasicBlock
    assert all(len(n.inputs) == 2 for n in adds)


def test_package_spec_and_checkpoint_with_data_parallel_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(PUBLIC.parent))
    torch.manual_seed(1)
    original = load_model("public_models.vgg:vgg11", input_shape=(3, 32, 32))
    state = {f"module.{k}": v for k, v in original.module.state_dict().items()}
    weights = tmp_path / "ckpt.pth"
    torch.save({"epoch": 3, "net": state, "acc": 91.2}, weights)
    torch.manual_seed(2)
    loaded = load_model("public_models.vgg:vgg11", weights, input_shape=(3, 32, 32))
    x = torch.rand(2, 3, 32, 32)
    assert torch.allclose(original.predict(x), loaded.predict(x), atol=1e-6)


def test_torchscript_file_loads_with_an_approximate_graph(tmp_path: Path) -> None:
    eager = load_model(f"{PUBLIC}/alexnet.py:alexnet", input_shape=(3, 32, 32))
    path = tmp_path / "alexnet.ts"
    torch.jit.trace(eager.module.eval(), torch.rand(1, 3, 32, 32)).save(str(path))
    scripted = load_model(path, input_shape=(3, 32, 32))
    graph = scripted.graph()
    assert graph.approximate
    x = torch.rand(3, 3, 32, 32)
    assert torch.allclose(scripted.predict(x), eager.predict(x), atol=1e-5)
    acts = scripted.activations(x, [graph.input.name, graph.output.name])
    assert torch.allclose(acts[graph.output.name], eager.logits(x), atol=1e-4)

"""The ImageNet-style ResNet-50 in tests/public_models: torchvision's layout, traced whole."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from deepling import Model, load_model

SPEC = f"{Path(__file__).resolve().parents[1] / 'public_models'}/resnet50.py:resnet50"
SHAPE = (3, 224, 224)

# From torchvision.models.resnet50 (and its published resnet50-*.pth checkpoints).
TORCHVISION_PARAMETERS = 25_557_032
TORCHVISION_KEYS = 320  # parameters and BatchNorm buffers, num_batches_tracked included
TORCHVISION_SHAPES = {
    "conv1.weight": (64, 3, 7, 7),
    "layer1.0.downsample.0.weight": (256, 64, 1, 1),
    "layer2.0.conv2.weight": (128, 128, 3, 3),
    "layer3.5.bn3.running_var": (1024,),
    "layer4.2.conv3.weight": (2048, 512, 1, 1),
    "fc.weight": (1000, 2048),
    "fc.bias": (1000,),
}


@pytest.fixture(scope="module")
def model() -> Model:
    torch.manual_seed(0)
    return load_model(SPEC, input_shape=SHAPE)


def test_parameters_and_state_dict_are_torchvisions(model: Model) -> None:
    state = model.module.state_dict()
    assert sum(p.numel() for p in model.module.parameters()) == TORCHVISION_PARAMETERS
    assert len(state) == TORCHVISION_KEYS
    for key, shape in TORCHVISION_SHAPES.items():
        assert tuple(state[key].shape) == shape, key
    blocks = {tuple(k.split(".")[:2]) for k in state if k.startswith("layer")}
    per_stage = [sum(stage == f"layer{i}" for stage, _ in blocks) for i in range(1, 5)]
    assert per_stage == [3, 4, 6, 3]


def test_graph_traces_exactly_with_a_skip_edge_per_block(model: Model) -> None:
    graph = model.graph()
    assert not graph.approximate
    assert len(model.classes) == 1000
    adds = [n for n in graph.nodes if n.op == "add"]
    assert len(adds) == 16  # one per Bottleneck
    assert all(len(n.inputs) == 2 for n in adds)
    assert graph.output.name == "fc" and graph.output.shape == (1000,)
    assert graph["layer4_2_relu_2"].shape == (2048, 7, 7)


def test_activations_survive_the_in_place_relus(model: Model) -> None:
    x = torch.rand(1, *SHAPE)
    acts = model.activations(x, ["bn1", "layer1_0_bn3", "fc"])
    # ReLU(inplace=True) follows both batch norms: had it overwritten them, no value would be < 0.
    assert acts["bn1"].min() < 0 and acts["layer1_0_bn3"].min() < 0
    assert torch.allclose(acts["fc"], model.logits(x), atol=1e-4)


def test_a_torchvision_style_checkpoint_loads(model: Model, tmp_path: Path) -> None:
    state = {k: v.clone() for k, v in model.module.state_dict().items()}
    for key, value in state.items():
        if key.endswith("running_mean"):  # non-default statistics, so loading them shows
            value.uniform_(-0.1, 0.1)
    weights = tmp_path / "resnet50.pth"
    torch.save(state, weights)
    torch.manual_seed(1)
    loaded = load_model(SPEC, weights, input_shape=SHAPE)
    for key, value in loaded.module.state_dict().items():
        assert torch.equal(value, state[key]), key

"""Graph tracing and activation taps on the constructs that break other tools."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from deepling import DeeplingError, load_model
from deepling.errors import NotFoundError


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.bn(self.conv(x)))
        y = F.relu(self.conv2(y) + y)  # residual add, functional relu
        return self.fc(y.mean((2, 3)).view(x.size(0), -1))  # x.size(0) is not an activation


class Branches(nn.Module):
    def __init__(self, channels: int = 3) -> None:
        super().__init__()
        self.a = nn.Conv2d(channels, 4, 1)
        self.b = nn.Conv2d(channels, 6, 3, padding=1)
        self.shared = nn.Conv2d(10, 10, 3, padding=1)  # called twice
        self.fc = nn.Linear(10, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.cat([self.a(x), self.b(x)], dim=1)
        y = self.shared(torch.relu(self.shared(y)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


class Untraceable(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.norm = nn.BatchNorm2d(4)  # its running statistics would change in training mode
        self.act = nn.ReLU()
        self.fc = nn.Linear(4, 2)
        self.fail = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.norm(self.conv(x)))
        if y.sum() > 0:  # data-dependent control flow: torch.fx cannot trace this
            y = y * 2
        if self.fail:
            raise RuntimeError("boom")
        return self.fc(y.mean((2, 3)))


def _load(module: nn.Module, shape: tuple[int, int, int] = (3, 16, 16)):  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    return load_model(module, input_shape=shape)


def test_residual_add_functional_relu_and_size_folding() -> None:
    model = _load(Residual())
    graph = model.graph()
    ops = [n.op for n in graph.nodes]
    assert not graph.approximate
    assert ops == [
        "input",
        "conv2d",
        "batch_norm",
        "relu",
        "conv2d",
        "add",
        "relu",
        "mean",
        "view",
        "linear",
    ]
    add = next(n for n in graph.nodes if n.op == "add")
    assert set(add.inputs) == {"conv2", "relu"}  # the skip connection is an edge
    assert graph["view"].inputs == ("mean",)  # edges pass through x.size(0), not to it
    assert "size" not in graph
    assert graph["conv"].params == 3 * 8 * 9 + 8
    assert graph["conv"].shape == (8, 16, 16) and graph["fc"].shape == (4,)


def test_in_place_relu_does_not_overwrite_captured_tensors() -> None:
    model = _load(Residual())
    x = torch.rand(4, 3, 16, 16)
    acts = model.activations(x, ["bn", "relu"])
    assert (acts["bn"] < 0).any(), "batch norm output was overwritten by the in-place ReLU"
    assert torch.equal(acts["relu"], acts["bn"].clamp(min=0))


def test_concat_and_a_module_called_twice_give_distinct_nodes() -> None:
    model = _load(Branches())
    graph = model.graph()
    cat = graph["cat"]
    assert cat.op == "cat" and set(cat.inputs) == {"a", "b"} and cat.shape == (10, 16, 16)
    assert graph["shared"].op == graph["shared_1"].op == "conv2d"
    assert graph["shared_1"].inputs == ("relu",)
    acts = model.activations(torch.rand(2, 3, 16, 16), ["shared", "shared_1"])
    assert not torch.allclose(acts["shared"], acts["shared_1"])
    manual = model.module.shared(F.relu(acts["shared"]))
    assert torch.allclose(acts["shared_1"], manual, atol=1e-5)


def test_every_node_has_activations_of_its_shape_and_output_is_logits() -> None:
    model = _load(Branches())
    x = torch.rand(3, 3, 16, 16)
    names = model.graph().names
    acts = model.activations(x, names)
    for node in model.graph().nodes:
        assert acts[node.name].shape == (3, *node.shape), node.name
        assert not acts[node.name].requires_grad and acts[node.name].device.type == "cpu"
    assert torch.allclose(acts[model.graph().output.name], model.logits(x), atol=1e-5)


def test_grayscale_non_square_input() -> None:
    model = _load(Branches(channels=1), shape=(1, 20, 36))
    assert model.graph().input.shape == (1, 20, 36)
    assert model.graph()["cat"].shape == (10, 20, 36)
    probs = model.predict(torch.rand(2, 1, 20, 36))
    assert probs.shape == (2, 3) and torch.allclose(probs.sum(1), torch.ones(2))


def test_large_batches_are_split_without_changing_results() -> None:
    model = _load(Residual())
    x = torch.rand(70, 3, 16, 16)
    whole = model.activations(x, ["add"], batch_size=256)["add"]
    split = model.activations(x, ["add"], batch_size=16)["add"]
    assert torch.allclose(whole, split, atol=1e-5)


def test_untraceable_model_falls_back_to_hooks_and_says_so() -> None:
    model = _load(Untraceable())
    graph = model.graph()
    assert graph.approximate and "torch.fx" in graph.reason
    assert [n.name for n in graph.nodes] == ["input", "conv", "norm", "act", "fc"]
    x = torch.rand(2, 3, 16, 16)
    acts = model.activations(x, ["conv", "act", "fc"])
    with torch.no_grad():
        expected = model.module.conv(model.normalise(x))
    assert torch.allclose(acts["conv"], expected, atol=1e-6)
    assert torch.allclose(acts["fc"], model.logits(x), atol=1e-6)


def test_hooks_and_flags_restored_after_an_error() -> None:
    model = _load(Untraceable())
    model.graph()
    module = model.module
    module.train()
    module.conv.weight.requires_grad_(False)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    module.fail = True
    with pytest.raises(RuntimeError, match="boom"):
        model.activations(torch.rand(2, 3, 16, 16), ["conv"])
    assert all(not m._forward_hooks for m in module.modules())
    assert all(m.training for m in module.modules())
    assert not module.conv.weight.requires_grad and module.fc.weight.requires_grad
    assert all(torch.equal(before[k], v) for k, v in module.state_dict().items())


def test_model_left_as_found_after_analyses() -> None:
    model = _load(Residual())
    module = model.module
    module.train()
    running_mean = module.bn.running_mean.clone()
    model.activations(torch.rand(8, 3, 16, 16), model.graph().names)
    model.predict(torch.rand(8, 3, 16, 16))
    assert module.training and module.bn.training
    assert torch.equal(module.bn.running_mean, running_mean)  # ran in eval mode
    assert all(p.requires_grad for p in module.parameters())
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in module.modules())


def test_unknown_node_and_wrong_image_shape_are_clear_errors() -> None:
    model = _load(Residual())
    with pytest.raises(NotFoundError, match="no node named 'conv9'"):
        model.activations(torch.rand(1, 3, 16, 16), ["conv9"])
    with pytest.raises(DeeplingError, match=r"\(N, 3, 16, 16\)"):
        model.predict(torch.rand(1, 3, 8, 8))

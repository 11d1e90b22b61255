"""Attribution maps (captum): shapes on any input, Grad-CAM at any node, faithfulness on a
trained model, and the model left as found."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import deepling
from deepling import DeeplingError, load_model
from deepling.analysis.attribution import METHODS, Settings, occlusion_window
from deepling.analysis.attribution_layers import default_cam_node, spatial_nodes
from deepling.errors import NotFoundError


class SmallResidual(nn.Module):
    """Convolutions, a functional relu and a residual add: nodes that are not modules."""

    def __init__(self, channels: int, classes: int = 5) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8, classes)
        self.fail = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn(self.conv1(x)))
        y = F.relu(self.conv2(y) + y)
        return self.fc(F.adaptive_avg_pool2d(y, 1).flatten(1))


class Untraceable(nn.Module):
    """Data-dependent control flow: only the hook fallback can record its graph."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.act = nn.ReLU()
        self.fc = nn.Linear(6, 3)
        self.fail = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.conv(x))
        if y.sum() > 0:
            y = y * 2
        if self.fail:
            raise RuntimeError("boom")
        return self.fc(y.mean((2, 3)))


def _model(module: nn.Module, shape: tuple[int, int, int]) -> deepling.Model:
    torch.manual_seed(0)
    return load_model(module, input_shape=shape, mean=[0.5] * shape[0], std=[0.25] * shape[0])


def _image(shape: tuple[int, int, int]) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("shape", [(1, 20, 28), (3, 24, 17)], ids=["gray-20x28", "rgb-24x17"])
@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_gives_a_finite_map_of_the_image_size(
    method: str, shape: tuple[int, int, int]
) -> None:
    model = _model(SmallResidual(shape[0]), shape)
    result = deepling.attribute(model, _image(shape), method)
    assert result.shape == shape[1:] and result.dtype == torch.float32
    assert torch.isfinite(result).all() and result.abs().sum() > 0
    if not METHODS[method].signed:
        assert (result >= 0).all()


def test_integrated_gradients_sum_to_the_score_difference() -> None:
    """Completeness: IG over pixels sums to logit(image) - logit(black baseline)."""
    shape = (3, 16, 16)
    model = _model(SmallResidual(3), shape)
    image = _image(shape)
    target = 2
    ig = deepling.attribute(
        model, image, "integrated_gradients", target, settings=Settings(steps=128)
    )
    logits = model.logits(torch.stack([image, torch.zeros(shape)]))[:, target]
    assert ig.sum().item() == pytest.approx((logits[0] - logits[1]).item(), rel=0.02, abs=1e-3)


def test_target_defaults_to_the_predicted_class() -> None:
    shape = (3, 16, 16)
    model = _model(SmallResidual(3), shape)
    image = _image(shape)
    predicted = int(model.predict(image[None]).argmax())
    other = (predicted + 1) % 5
    default = deepling.attribute(model, image, "saliency")
    assert torch.equal(default, deepling.attribute(model, image, "saliency", predicted))
    assert not torch.equal(default, deepling.attribute(model, image, "saliency", other))


def test_grad_cam_at_function_nodes_and_module_nodes() -> None:
    shape = (3, 16, 20)
    model = _model(SmallResidual(3), shape)
    graph = model.graph()
    ops = {n.name: n.op for n in graph.nodes}
    add = next(name for name, op in ops.items() if op == "add")
    relus = [name for name, op in ops.items() if op == "relu"]
    assert default_cam_node(graph) == "conv2"
    image = _image(shape)
    maps = {
        node: deepling.attribute(model, image, "grad_cam", node=node)
        for node in (add, *relus, "conv1", "bn")
    }
    for node, cam in maps.items():
        assert cam.shape == (16, 20) and torch.isfinite(cam).all() and (cam >= 0).all(), node
    # Different nodes explain with different feature maps: the maps differ.
    assert not torch.allclose(maps[add], maps["conv1"])
    # The user's model has no trace of the inserted tap.
    assert not any("attribution" in name for name, _ in model.module.named_modules())


def test_grad_cam_on_an_untraceable_model_hooks_the_module() -> None:
    model = _model(Untraceable(), (3, 12, 12))
    assert model.graph().approximate
    cam = deepling.attribute(model, _image((3, 12, 12)), "grad_cam")
    assert cam.shape == (12, 12) and torch.isfinite(cam).all()
    assert default_cam_node(model.graph()) == "conv"
    assert not model.module.conv._forward_hooks


def test_bad_arguments_name_the_parameter() -> None:
    shape = (3, 16, 16)
    model = _model(SmallResidual(3), shape)
    image = _image(shape)
    with pytest.raises(DeeplingError, match="method 'lime'"):
        deepling.attribute(model, image, "lime")
    with pytest.raises(DeeplingError, match="target 5 is out of range"):
        deepling.attribute(model, image, "saliency", 5)
    with pytest.raises(NotFoundError, match="nope"):
        deepling.attribute(model, image, "grad_cam", node="nope")
    with pytest.raises(DeeplingError, match="fc"):
        deepling.attribute(model, image, "grad_cam", node="fc")  # a vector: no map
    with pytest.raises(DeeplingError, match="Expected images of shape"):
        deepling.attribute(model, torch.rand(3, 8, 8), "saliency")
    assert "fc" not in spatial_nodes(model.graph())


@pytest.mark.parametrize("method", list(METHODS))
def test_model_left_as_found_also_after_an_error(method: str) -> None:
    model = _model(Untraceable(), (3, 12, 12))
    module = model.module
    module.train()
    module.fc.weight.requires_grad_(False)  # a user's own frozen layer stays frozen
    flags = [(p, p.requires_grad) for p in module.parameters()]
    weights = {k: v.clone() for k, v in module.state_dict().items()}
    image = _image((3, 12, 12))
    deepling.attribute(model, image, method)
    module.fail = True
    with pytest.raises(RuntimeError, match="boom"):
        deepling.attribute(model, image, method, 0)
    assert all(m.training for m in module.modules())
    assert all(p.requires_grad == flag for p, flag in flags)
    assert all(p.grad is None for p in module.parameters())
    assert all(torch.equal(v, weights[k]) for k, v in module.state_dict().items())
    assert not any(
        m._forward_hooks or m._forward_pre_hooks or m._backward_hooks for m in module.modules()
    )


def test_smoothgrad_is_reproducible_and_leaves_the_random_state() -> None:
    shape = (3, 16, 16)
    model = _model(SmallResidual(3), shape)
    image = _image(shape)
    model.graph()  # tracing draws an example input
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    first = deepling.attribute(model, image, "smoothgrad")
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(first, deepling.attribute(model, image, "smoothgrad"))
    other = deepling.attribute(model, image, "smoothgrad", settings=Settings(seed=1))
    assert not torch.equal(first, other)


def test_occlusion_window_follows_the_image_size() -> None:
    assert occlusion_window(32, 32) == (5, 2)
    assert occlusion_window(28, 28) == (5, 2)
    assert occlusion_window(224, 224) == (37, 18)
    assert occlusion_window(8, 8) == (2, 1)


def test_masking_top_integrated_gradients_pixels_hurts_much_more_than_random(  # type: ignore[no-untyped-def]
    trained_mnist, mnist_split
) -> None:
    """Faithfulness: covering the 10% of pixels IG ranks highest (with the mean colour) lowers
    the predicted class's probability far more than covering 10% random pixels."""
    model = trained_mnist[0]
    data = mnist_split[1]
    generator = torch.Generator().manual_seed(0)
    indices = torch.randperm(len(data), generator=generator)[:32].tolist()
    x = data.batch(indices, model.input_shape)
    fill = torch.tensor(model.mean).view(-1, 1, 1).expand_as(x[0])
    before = model.predict(x)
    targets = before.argmax(dim=1)
    drop_top, drop_random = [], []
    for image, target, p0 in zip(x, targets.tolist(), before, strict=True):
        ig = deepling.attribute(model, image, "integrated_gradients", target).flatten()
        k = ig.numel() // 10
        top = torch.zeros_like(ig, dtype=torch.bool)
        top[ig.topk(k).indices] = True
        random = torch.zeros_like(ig, dtype=torch.bool)
        random[torch.randperm(ig.numel(), generator=generator)[:k]] = True
        masked = torch.stack(
            [torch.where(m.view(image.shape[1:]), fill, image) for m in (top, random)]
        )
        after = model.predict(masked)[:, target]
        drop_top.append(float(p0[target] - after[0]))
        drop_random.append(float(p0[target] - after[1]))
    mean_top = sum(drop_top) / len(drop_top)
    mean_random = sum(drop_random) / len(drop_random)
    assert mean_top > 0.3, (mean_top, mean_random)
    assert mean_top > 5 * max(mean_random, 0.01), (mean_top, mean_random)

"""Hygiene: 1,000 mixed analyses in a row leave the model exactly as found (no hooks, same
weights bit for bit, same training flags and ``requires_grad``) and the process no bigger."""

from __future__ import annotations

import gc
import random
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from deepling.analysis.ablation import ablate, make_ablation
from deepling.analysis.attribution import Settings, attribute
from deepling.analysis.edits import Blur, Brightness, Occlude, Rotate, apply_edits
from deepling.analysis.featurevis import FeatureVisSettings, feature_visualization
from deepling.analysis.occlusion import occlusion_sensitivity
from deepling.analysis.projection import layer_projection
from deepling.analysis.strips import StripSettings, adversarial_strip
from deepling.analysis.top_activations import channel_regions
from deepling.errors import Cancelled
from deepling.models.loading import load_model
from deepling.models.model import Model
from deepling.models.state import eval_mode, frozen_parameters

ROUNDS = 1000
WARM_UP = 17 * 8  # each analysis 8 times: every option list (<= 4 long) twice round
CLASSES = 5
T = TypeVar("T")


class SmallNet(nn.Module):
    """Batch norm, dropout, an in-place ReLU and a residual add: what flags and hooks touch."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(8, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.bn(self.conv1(x)))
        y = F.relu(self.conv2(y)) + y
        return self.fc(self.drop(self.pool(y).flatten(1)))


def _hooks(module: nn.Module) -> list[str]:
    found = []
    for name, sub in module.named_modules():
        for attr in (
            "_forward_hooks",
            "_forward_pre_hooks",
            "_backward_hooks",
            "_backward_pre_hooks",
            "_state_dict_hooks",
            "_load_state_dict_pre_hooks",
        ):
            if getattr(sub, attr, None):
                found.append(f"{name or '<root>'}.{attr}")
    for name, p in module.named_parameters():
        if p._backward_hooks:
            found.append(f"{name}._backward_hooks")
    return found


def _global_hooks() -> int:
    from torch.nn.modules import module as m

    return sum(
        len(getattr(m, name))
        for name in (
            "_global_forward_hooks",
            "_global_forward_pre_hooks",
            "_global_backward_hooks",
            "_global_backward_pre_hooks",
        )
    )


def _snapshot(module: nn.Module) -> tuple[dict[str, torch.Tensor], list[bool], list[bool]]:
    state = {k: v.detach().clone() for k, v in module.state_dict().items()}
    training = [m.training for m in module.modules()]
    return state, training, [p.requires_grad for p in module.parameters()]


class Chooser:
    """Picks parameters from small fixed sets: in turn during the warm-up (so every bounded
    cache, e.g. of node extractors and ablated views, is filled before memory is measured),
    at random afterwards."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.warm, self._turns = rng, True, dict[int, int]()

    def __call__(self, options: list[T]) -> T:
        if not self.warm:
            return self.rng.choice(options)
        turn = self._turns.get(id(options), 0)
        self._turns[id(options)] = turn + 1
        return options[turn % len(options)]


def _analyses(
    model: Model, images: torch.Tensor, choose: Chooser
) -> list[tuple[int, Callable[[], object]]]:
    """(weight, analysis): cheap ones often, as in the app; heavy ones now and then."""
    rng = choose.rng
    names = [n.name for n in model.graph().nodes[1:]]
    spatial = [n.name for n in model.graph().nodes[1:] if len(n.shape) == 3]
    pairs = [[a, b] for a, b in zip(names, names[2:], strict=False)][:4]
    channels = list(range(4))
    sizes = list(range(1, 9))  # batch sizes (torch keeps per-shape state)
    zero_sets = [(node, [0, c]) for node in spatial[:2] for c in (1, 2)]
    view_sets = [[make_ablation(model, node, [c])] for node in spatial[:2] for c in (3, 5)]
    short_strip = StripSettings(frames=2, steps=3)
    all_edits = [
        Occlude(x=2, y=3, w=6, h=6),
        Rotate(degrees=20.0),
        Brightness(delta=0.1),
        Blur(sigma=1.0),
    ]

    def image() -> torch.Tensor:
        return images[rng.randrange(len(images))]

    def cancelled_strip() -> None:
        def stop(done: int, total: int) -> None:
            if done >= 1:
                raise Cancelled()

        with pytest.raises(Cancelled):
            adversarial_strip(
                model,
                image(),
                rng.randrange(CLASSES),
                StripSettings(frames=2, steps=4, until=None),
                progress=stop,
            )

    def whatif() -> object:
        edited = apply_edits(image(), rng.sample(all_edits, 2))
        return model.logits(edited[None]), model.activations(edited[None], [choose(spatial)])

    def ablated() -> object:
        node, zeroed = choose(zero_sets)
        with ablate(model, node, zeroed) as m:
            first = m.logits(images[:4])
        return first, model.with_ablations(choose(view_sets)).predict(images[:4])

    def tapped() -> object:
        # tap runs in the caller's modes: a caller sets them with the library's managers.
        x = images[:2].clone().requires_grad_(True)
        with eval_mode(model.module), frozen_parameters(model.module), torch.enable_grad():
            acts = model.tap(model.normalise(x), [choose(spatial)])
            next(iter(acts.values())).sum().backward()
        return x.grad

    return [
        (6, lambda: model.predict(images[: choose(sizes)])),
        (6, lambda: model.activations(images[:4], choose(pairs))),
        (3, tapped),
        (6, whatif),
        (4, ablated),
        (4, lambda: attribute(model, image(), "saliency")),
        (4, lambda: attribute(model, image(), "grad_cam", node=choose(spatial))),
        (3, lambda: channel_regions(model, images[:3], choose(spatial), choose(channels))),
        (2, lambda: attribute(model, image(), "occlusion", settings=Settings(window=8, stride=8))),
        (2, lambda: occlusion_sensitivity(model, image(), patch=8, stride=8)),
        (1, lambda: attribute(model, image(), "integrated_gradients", settings=Settings(steps=4))),
        (1, lambda: attribute(model, image(), "smoothgrad", settings=Settings(samples=3))),
        (1, lambda: adversarial_strip(model, image(), rng.randrange(CLASSES), short_strip)),
        (
            1,
            lambda: adversarial_strip(
                model, image(), choose(channels), short_strip, node=choose(spatial)
            ),
        ),
        (1, cancelled_strip),
        (
            1,
            lambda: feature_visualization(
                model, choose(spatial), choose(channels), FeatureVisSettings(steps=2)
            ),
        ),
        (1, lambda: layer_projection(model, images[:8], None, pivots=3)),
    ]


def _rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def _census() -> tuple[int, int]:
    """Live Python objects and live tensors, after a full collection."""
    gc.collect()
    objects = gc.get_objects()
    # issubclass(type(o)): isinstance would read __class__ on lazy module proxies (warnings).
    return len(objects), sum(issubclass(type(o), torch.Tensor) for o in objects)


def test_a_thousand_mixed_analyses_leave_the_model_and_memory_as_found() -> None:
    torch.manual_seed(0)
    module = SmallNet()
    module.conv1.weight.requires_grad_(False)  # a partly frozen model: the flags must survive
    module.train()
    module.drop.eval()  # mixed training flags, as a user might leave them
    model = load_model(module, input_shape=(3, 16, 16))
    images = torch.rand(16, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    before_state, before_training, before_grad = _snapshot(module)
    global_hooks = _global_hooks()
    choose = Chooser(random.Random(0))
    analyses = _analyses(model, images, choose)
    # The warm-up runs every analysis in turn until every option list has come round.
    order = [i % len(analyses) for i in range(WARM_UP)]
    weights = [w for w, _ in analyses]
    order += choose.rng.choices(range(len(analyses)), weights, k=ROUNDS - WARM_UP)

    for i, which in enumerate(order):
        if i == WARM_UP:
            choose.warm = False
            objects_before, tensors_before = _census()
            rss_before = _rss_mib()
        analyses[which][1]()
        if i % 100 == 0:  # hooks would pile up one per call: catch them early, say where
            assert not _hooks(module), (i, _hooks(module))

    objects_after, tensors_after = _census()
    rss_after = _rss_mib()
    assert not _hooks(module) and _global_hooks() == global_hooks
    after_state, after_training, after_grad = _snapshot(module)
    assert after_state.keys() == before_state.keys()
    for name, value in before_state.items():  # weights and buffers (batch-norm stats) too
        assert torch.equal(value, after_state[name]), name
    assert after_training == before_training and after_grad == before_grad
    assert all(p.grad is None for p in module.parameters())  # no weight gradients left behind
    # 864 analyses after the warm-up: one leaked object each would far exceed these margins.
    assert tensors_after - tensors_before <= 20, (tensors_before, tensors_after)
    assert objects_after - objects_before <= 200, (objects_before, objects_after)
    assert rss_after - rss_before < 48, (rss_before, rss_after)

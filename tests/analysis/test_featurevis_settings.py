"""Feature visualisation settings: one object checks every tunable (naming a bad one), stays
as given, and tells results apart in cache keys."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest
import torch
from torch import nn

from deepling.analysis.featurevis import (
    FEATUREVIS_VERSION,
    MAX_STEPS,
    FeatureVisSettings,
    channel_objective,
    feature_visualization,
    layer_atlas,
    optimise_images,
)
from deepling.analysis.featurevis_transforms import RandomAffine
from deepling.errors import DeeplingError
from deepling.models.model import Model


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("steps", 0),
        ("steps", MAX_STEPS + 1),
        ("steps", 2.5),
        ("seed", 1.5),
        ("seed", "0"),
        ("seed", 2**64),
        ("decay", float("nan")),
        ("decay", float("inf")),
        ("lr", 0.0),
        ("lr", -0.01),
        ("lr", float("inf")),
        ("shrink", -0.1),
        ("shrink", 1.0),
        ("shrink", float("nan")),
        ("transforms", [RandomAffine(1.0, 0.0, 0.0), "jitter"]),
    ],
)
def test_a_bad_value_is_named(field: str, value: object) -> None:
    with pytest.raises(DeeplingError, match=rf"^{field} must"):
        FeatureVisSettings(**{field: value})  # type: ignore[arg-type]
    with pytest.raises(DeeplingError, match=rf"^{field} must"):
        replace(FeatureVisSettings(), **{field: value})  # a copy is checked too


def test_bounds_are_accepted_and_transforms_kept_as_given() -> None:
    FeatureVisSettings(steps=1, shrink=0.0, decay=0.0)
    FeatureVisSettings(steps=MAX_STEPS, seed=-1)
    moves = [RandomAffine(1.0, 0.1, 3.0)]
    settings = FeatureVisSettings(transforms=moves)
    moves.append(RandomAffine(2.0, 0.0, 0.0))  # the caller's list is theirs to change
    assert settings.transforms == (RandomAffine(1.0, 0.1, 3.0),)
    assert FeatureVisSettings(transforms=[]).transforms == ()


def test_key_parts_tell_every_setting_apart() -> None:
    base = FeatureVisSettings()
    # The order cached results were keyed by before the settings existed: they stay valid.
    assert base.key_parts() == (
        base.steps,
        base.seed,
        FEATUREVIS_VERSION,
        base.decay,
        base.lr,
        base.shrink,
    )
    other = {
        "steps": 12,
        "seed": 3,
        "decay": 1.0,
        "lr": 0.02,
        "shrink": 0.0,
        "transforms": [RandomAffine(1.0, 0.0, 0.0)],
    }
    assert {f.name for f in fields(FeatureVisSettings)} == set(other)  # a new field: key it
    keys = {base.key_parts()} | {replace(base, **{k: v}).key_parts() for k, v in other.items()}
    assert len(keys) == len(other) + 1
    assert replace(base, transforms=[]).key_parts() != base.key_parts()  # none != default
    assert FeatureVisSettings(steps=12).key_parts() == replace(base, steps=12).key_parts()


def _tiny_model() -> Model:
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(6, 2),
    )
    return Model(net, (3, 10, 10), classes=["a", "b"])


def test_atlas_batches_run_with_offset_seeds() -> None:
    """The batch starting at channel index i runs as ``optimise_images`` with seed + i."""
    model = _tiny_model()
    settings = FeatureVisSettings(steps=3, seed=5)
    atlas = layer_atlas(model, "_1", settings, channels=[2, 4, 0], batch_size=2)
    first = optimise_images(model, "_1", channel_objective([2, 4]), 2, settings)
    second = optimise_images(model, "_1", channel_objective([0]), 1, replace(settings, seed=7))
    assert torch.equal(atlas, torch.cat([first, second]))


def test_anything_but_settings_is_refused_with_the_fix() -> None:
    model = _tiny_model()
    for run in (
        lambda: feature_visualization(model, "_1", 0, 16),  # type: ignore[arg-type]
        lambda: layer_atlas(model, "_1", 16),  # type: ignore[arg-type]
        lambda: optimise_images(model, "_1", channel_objective(0), 1, 16),  # type: ignore[arg-type]
    ):
        with pytest.raises(DeeplingError, match="settings must be a FeatureVisSettings, got int"):
            run()

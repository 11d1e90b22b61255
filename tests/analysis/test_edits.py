"""Edits are applied exactly as specified, in order, deterministically, and validated."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from pydantic import ValidationError

from deepling import apply_edits
from deepling.analysis.edits import (
    Blur,
    Brightness,
    Brush,
    Contrast,
    Crop,
    Flip,
    Noise,
    Occlude,
    Rotate,
    Shift,
    gaussian_blur,
    parse_edits,
)


@pytest.fixture()
def image() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.rand(3, 12, 12)


def test_rotation_by_multiples_of_90_equals_rot90(image: torch.Tensor) -> None:
    for degrees, k in ((90, 1), (180, 2), (270, 3), (-90, 3), (360, 0)):
        assert torch.equal(
            apply_edits(image, [Rotate(degrees=degrees)]), torch.rot90(image, k, dims=(1, 2))
        )
    wide = torch.rand(3, 6, 10)  # 180 degrees is exact on any shape
    assert torch.equal(apply_edits(wide, [Rotate(degrees=180)]), torch.rot90(wide, 2, (1, 2)))


def test_resampled_rotation_agrees_with_rot90_and_fills_corners(image: torch.Tensor) -> None:
    # The general path (used for other angles) lands on pixel centres at 90 degrees.
    from deepling.analysis.edits import _resample

    theta = torch.tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0]])
    assert torch.allclose(_resample(image, theta, 0.5), torch.rot90(image, 1, (1, 2)), atol=1e-5)
    rotated = apply_edits(torch.zeros(1, 20, 20), [Rotate(degrees=45, fill=1.0)])
    assert rotated[0, 0, 0] > 0.99 and rotated[0, 10, 10] == 0  # corner filled, centre kept


def test_flips_equal_torch_flip(image: torch.Tensor) -> None:
    assert torch.equal(apply_edits(image, [Flip(axis="horizontal")]), image.flip(2))
    assert torch.equal(apply_edits(image, [Flip(axis="vertical")]), image.flip(1))


@pytest.mark.parametrize("fill", ["grey", "blur", "noise"])
def test_occlusion_covers_exactly_its_box(image: torch.Tensor, fill: str) -> None:
    out = apply_edits(image, [Occlude(x=3, y=2, w=5, h=4, fill=fill)])  # type: ignore[arg-type]
    inside = torch.zeros(12, 12, dtype=torch.bool)
    inside[2:6, 3:8] = True
    assert torch.equal(out[:, ~inside], image[:, ~inside])
    assert (out[:, inside] != image[:, inside]).all()
    if fill == "grey":
        assert (out[:, inside] == 0.5).all()


def test_occlusion_is_clipped_and_seeded(image: torch.Tensor) -> None:
    out = apply_edits(image, [Occlude(x=-4, y=9, w=6, h=10)])
    assert (out[:, 9:, :2] == 0.5).all() and torch.equal(out[:, :9], image[:, :9])
    a = apply_edits(image, [Occlude(x=0, y=0, w=6, h=6, fill="noise", seed=1)])
    b = apply_edits(image, [Occlude(x=0, y=0, w=6, h=6, fill="noise", seed=1)])
    c = apply_edits(image, [Occlude(x=0, y=0, w=6, h=6, fill="noise", seed=2)])
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_brush_paints_within_radius_and_erase_restores(image: torch.Tensor) -> None:
    painted = apply_edits(
        image, [Brush(points=[(2.5, 6.5), (9.5, 6.5)], radius=1.0, colour=[1.0, 0.0, 0.0])]
    )
    # Centres within distance 1 of the segment: rows 5-7 over its length, and one pixel
    # beyond each end on row 6 (distance exactly 1).
    expected = torch.zeros(12, 12, dtype=torch.bool)
    expected[5:8, 2:10] = True
    expected[6, [1, 10]] = True
    changed = (painted != image).any(0)
    assert torch.equal(changed, expected)
    assert torch.equal(painted[:, 6, 5], torch.tensor([1.0, 0.0, 0.0]))
    erased = apply_edits(
        image,
        [
            Brightness(delta=0.3),
            Brush(points=[(0.0, 0.0), (12.0, 12.0)], radius=30, erase=True),
        ],
    )
    assert torch.equal(erased, image)


def test_shift_moves_content_and_fills(image: torch.Tensor) -> None:
    out = apply_edits(image, [Shift(dx=3, dy=-2, fill=0.25)])
    assert torch.equal(out[:, :10, 3:], image[:, 2:, :9])
    assert (out[:, 10:, :] == 0.25).all() and (out[:, :, :3] == 0.25).all()
    assert (apply_edits(image, [Shift(dx=12)]) == 0.5).all()


def test_crop_resizes_the_box_back(image: torch.Tensor) -> None:
    assert torch.equal(apply_edits(image, [Crop(x=0, y=0, w=12, h=12)]), image)
    out = apply_edits(image, [Crop(x=2, y=4, w=6, h=6)])
    expected = F.interpolate(
        image[None, :, 4:10, 2:8], size=(12, 12), mode="bilinear", align_corners=False
    )[0]
    assert torch.allclose(out, expected.clamp(0, 1))


def test_brightness_contrast_noise_blur(image: torch.Tensor) -> None:
    assert torch.equal(apply_edits(image, [Brightness(delta=0.0)]), image)
    assert torch.allclose(apply_edits(image * 0.5, [Brightness(delta=0.25)]), image * 0.5 + 0.25)
    assert torch.allclose(apply_edits(image, [Contrast(factor=1.0)]), image)
    flat = apply_edits(image, [Contrast(factor=0.0)])
    assert torch.allclose(flat, torch.full_like(image, float(image.mean())))
    grey = torch.full((3, 32, 32), 0.5)
    noisy = apply_edits(grey, [Noise(sigma=0.1, seed=3)])
    assert abs(float((noisy - grey).std()) - 0.1) < 0.01
    assert torch.equal(noisy, apply_edits(grey, [Noise(sigma=0.1, seed=3)]))
    assert torch.equal(apply_edits(image, [Blur(sigma=0.0)]), image)
    blurred = apply_edits(image, [Blur(sigma=1.5)])
    assert blurred.std() < image.std() * 0.6
    assert torch.allclose(blurred.mean(), image.mean(), atol=0.02)
    assert torch.allclose(gaussian_blur(grey, 2.0), grey)


def test_edits_apply_in_order_and_leave_the_input_alone(image: torch.Tensor) -> None:
    before = image.clone()
    a = apply_edits(image, [Occlude(x=0, y=0, w=4, h=4), Flip()])
    b = apply_edits(image, [Flip(), Occlude(x=0, y=0, w=4, h=4)])
    assert not torch.equal(a, b)
    assert (a[:, :4, 8:] == 0.5).all() and (b[:, :4, :4] == 0.5).all()
    assert torch.equal(image, before)
    assert torch.equal(apply_edits(image, []), image)


def test_parse_edits_from_json_and_validation() -> None:
    edits = parse_edits(
        [
            {"op": "rotate", "degrees": 90},
            {"op": "occlude", "x": 1, "y": 1, "w": 2, "h": 2, "fill": "noise"},
        ]
    )
    assert isinstance(edits[0], Rotate) and isinstance(edits[1], Occlude)
    for bad in (
        [{"op": "rotate"}],
        [{"op": "explode"}],
        [{"op": "blur", "sigma": -1}],
        [{"op": "occlude", "x": 0, "y": 0, "w": 0, "h": 2}],
        [{"op": "flip", "axis": "diagonal"}],
    ):
        with pytest.raises(ValidationError):
            parse_edits(bad)


def test_edits_given_as_json_dicts_apply_like_the_op_models() -> None:
    image = torch.rand(3, 6, 6, generator=torch.Generator().manual_seed(1))
    as_json: list[dict[str, object]] = [
        {"op": "rotate", "degrees": 90},
        {"op": "flip", "axis": "horizontal"},
    ]
    edited = apply_edits(image, as_json)
    models = apply_edits(image, parse_edits(as_json))
    assert torch.equal(edited, models)
    assert torch.equal(edited, torch.rot90(image, 1, (1, 2)).flip(2))

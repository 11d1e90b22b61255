"""The model-randomisation check: maps that explain the model change as its weights go random;
the model-free edge detector does not; the model comes back bit-identical."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from deepling.analysis.trust_randomization import randomizable_layers, randomization_check
from deepling.data.base import ArrayDataset
from deepling.errors import DeeplingError
from deepling.models.loading import load_model
from deepling.models.model import Model


def _state(model: Model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.plain_module.state_dict().items()}


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _digits(split: tuple[ArrayDataset, ArrayDataset], model: Model, n: int) -> torch.Tensor:
    return split[1].batch(list(range(n)), model.input_shape)


def test_layers_run_in_forward_order_and_steps_go_from_the_logits_down(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    layers = randomizable_layers(model)
    assert layers == ["conv1", "conv2", "conv3", "fc1", "fc2"]
    check = randomization_check(model, _digits(mnist_split, model, 1)[0], "saliency")
    assert check.layers == layers[::-1]
    assert len(check.maps) == len(layers) + 1 and len(check.spearman) == len(layers)
    assert torch.equal(check.maps[0], check.maps[0].abs())  # saliency is >= 0


@pytest.mark.parametrize("method", ["saliency", "grad_cam"])
def test_gradient_maps_decorrelate_while_the_edge_detector_does_not(
    trained_mnist: tuple[Model, Path],
    mnist_split: tuple[ArrayDataset, ArrayDataset],
    method: str,
) -> None:
    model, _ = trained_mnist
    digits = _digits(mnist_split, model, 4)
    finals, edges = [], []
    for image in digits:
        check = randomization_check(model, image, method)
        finals.append(check.final_similarity)
        edges.append(randomization_check(model, image, "edges").spearman)
    assert sum(finals) / len(finals) < 0.5, finals
    for curve in edges:
        assert curve == pytest.approx([1.0] * len(curve))


def test_smoothgrad_changes_less_but_far_more_than_the_edge_detector(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    # SmoothGrad's noise average keeps the digit's outline (about 0.6 on these digits): the
    # check's verdict on it is "fails", and the number says how far from the control it is.
    model, _ = trained_mnist
    image = _digits(mnist_split, model, 1)[0]
    check = randomization_check(model, image, "smoothgrad")
    assert check.final_similarity < 0.8 and not check.passed


def test_the_model_is_bit_identical_afterwards_on_a_copy_and_in_place(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    image = _digits(mnist_split, model, 1)[0]
    before = _state(model)
    on_copy = randomization_check(model, image, "saliency", on_copy=True)
    assert on_copy.on_copy and _same(before, _state(model))
    in_place = randomization_check(model, image, "saliency", on_copy=False)
    assert not in_place.on_copy and _same(before, _state(model))
    # The same randomisation either way: the same maps.
    for a, b in zip(on_copy.maps, in_place.maps, strict=True):
        torch.testing.assert_close(a, b)
    # The original map is the model's own, before and after.
    torch.testing.assert_close(
        on_copy.maps[0], randomization_check(model, image, "saliency", layers=["fc2"]).maps[0]
    )


def test_in_place_restores_the_weights_when_the_method_fails(
    trained_mnist: tuple[Model, Path],
    mnist_split: tuple[ArrayDataset, ArrayDataset],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, _ = trained_mnist
    image = _digits(mnist_split, model, 1)[0]
    before = _state(model)
    import deepling.analysis.trust_randomization as randomization

    calls = {"n": 0}
    real = randomization.explain

    def failing(*args: object, **kwargs: object) -> torch.Tensor:
        calls["n"] += 1
        if calls["n"] == 3:  # after two layers are randomised
            raise RuntimeError("out of memory")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(randomization, "explain", failing)
    with pytest.raises(RuntimeError):
        randomization_check(model, image, "saliency", on_copy=False)
    assert _same(before, _state(model))


def test_independent_randomises_one_layer_at_a_time(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    image = _digits(mnist_split, model, 1)[0]
    cascading = randomization_check(model, image, "saliency", layers=["fc2", "conv1"])
    independent = randomization_check(
        model, image, "saliency", layers=["fc2", "conv1"], order="independent"
    )
    conv1_alone = randomization_check(model, image, "saliency", layers=["conv1"])
    torch.testing.assert_close(cascading.maps[1], independent.maps[1])  # the same first step
    # Step 2 of independent is conv1 alone (with its own seed: step 1's).
    assert not torch.allclose(independent.maps[2], cascading.maps[2])
    assert conv1_alone.layers == ["conv1"]


def test_bad_requests_say_what_to_use(
    trained_mnist: tuple[Model, Path], mnist_split: tuple[ArrayDataset, ArrayDataset]
) -> None:
    model, _ = trained_mnist
    image = _digits(mnist_split, model, 1)[0]
    with pytest.raises(DeeplingError, match="conv1"):
        randomization_check(model, image, "saliency", layers=["nope"])
    with pytest.raises(DeeplingError, match="edges"):
        randomization_check(model, image, "lime")
    with pytest.raises(DeeplingError, match="order"):
        randomization_check(model, image, "saliency", order="bottom_up")  # type: ignore[arg-type]


def test_reference_model_integrated_gradients_decorrelate(
    reference_alexnet: Path, cifar_test: ArrayDataset
) -> None:
    model = load_model("alexnet-cifar", reference_alexnet)
    images = cifar_test.batch(list(range(4)), model.input_shape)
    finals = [
        randomization_check(model, image, "integrated_gradients").final_similarity
        for image in images
    ]
    assert sum(finals) / len(finals) < 0.5, finals
    edges = randomization_check(model, images[0], "edges")
    assert edges.spearman == pytest.approx([1.0] * len(edges.layers))


class _WithScratch(torch.nn.Module):
    """A conv whose reset also redraws a non-persistent buffer (left out of state_dict)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3, padding=1)
        self.head = torch.nn.Linear(2 * 8 * 8, 3)
        self.register_buffer("scratch", torch.zeros(4), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.conv(x)).flatten(1)) + self.scratch[:3]


def test_in_place_restores_non_persistent_buffers_and_a_constant_map_does_not_pass() -> None:
    module = _WithScratch()
    original_reset = module.head.reset_parameters

    def reset_and_scribble() -> None:
        original_reset()
        module.scratch.normal_()

    module.head.reset_parameters = reset_and_scribble  # type: ignore[method-assign]
    model = Model(module, (1, 8, 8), classes=["a", "b", "c"])
    before = [t.clone() for t in (*module.parameters(), *module.buffers())]
    check = randomization_check(model, torch.rand(1, 8, 8), "saliency", on_copy=False)
    after = list((*module.parameters(), *module.buffers()))
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))
    assert check.defined
    blank = randomization_check(model, torch.zeros(1, 8, 8), "edges")
    assert not blank.defined and not blank.passed  # an all-zero map decorrelates from nothing

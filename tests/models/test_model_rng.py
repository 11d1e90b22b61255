"""Running a model leaves the global random state as found: training evaluates its model
between steps, and a draw there (say, tracing the graph with a random example) would change
every dropout mask and augmentation that follows."""

from __future__ import annotations

import torch
from torch import nn

from deepling.models.model import Model


def test_logits_and_predict_draw_no_random_numbers() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    model = Model(net, (1, 8, 8), classes=["a", "b", "c"], mean=[0.5], std=[0.25])
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    state = torch.get_rng_state()
    first = model.logits(x)
    probs = model.predict(x)
    assert torch.equal(torch.get_rng_state(), state)
    model.graph()  # tracing may draw; running the model again must not
    state = torch.get_rng_state()
    assert torch.equal(model.logits(x), first) and torch.equal(model.predict(x), probs)
    assert torch.equal(torch.get_rng_state(), state)

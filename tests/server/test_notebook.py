"""deepling.show: the server runs in the background and renders as an inline iframe."""

from __future__ import annotations

import httpx

import deepling


def test_show_serves_in_the_background_and_stops(trained_mnist, mnist_split) -> None:  # type: ignore[no-untyped-def]
    model = trained_mnist[0]
    model.module.train()
    handle = deepling.show(model, mnist_split[1], height=600)
    try:
        assert handle.running and handle.url.startswith("http://127.0.0.1:")
        frame = handle._repr_html_()
        assert f'src="{handle.url}"' in frame and 'height="600"' in frame
        info = httpx.get(handle.url + "api/model", timeout=10).json()
        assert info["name"] == "mnist-cnn"
        assert not model.module.training  # served in eval mode
    finally:
        handle.stop()
    assert not handle.running
    assert model.module.training  # handed back as found
    model.module.eval()

"""Ray itself: imported only when a pass asks for it (an optional extra), and connected to once
per process."""

from __future__ import annotations

import socket
import threading
from types import ModuleType
from typing import Any

from deepling.errors import DeeplingError

_CONNECTING = threading.Lock()


def require_ray() -> ModuleType:
    """The ``ray`` module with Ray Data, or a DeeplingError naming the extra that brings it."""
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data is what the passes use
    except ImportError as exc:
        raise DeeplingError(
            f"engine='ray' needs Ray Data, which is not installed ({exc}).",
            "pip install 'deepling[ray]'",
        ) from exc
    module: ModuleType = ray
    return module


def _check_reachable(address: str) -> None:
    """A ``host:port`` address (``ray://`` or not) that takes no TCP connection is an error at
    once: Ray itself keeps retrying for minutes."""
    where = address.removeprefix("ray://")
    host, colon, port = where.rpartition(":")
    if not colon or not port.isdigit() or not host:
        return  # "auto", "local": Ray finds the cluster itself
    host = host.removeprefix("[").removesuffix("]")  # an IPv6 literal, [::1]:6379
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise DeeplingError(
            f"Cannot reach the Ray cluster at {address!r}: {exc}",
            "Start it with `ray start --head` and give its address (--ray-address host:6379).",
        ) from exc


def connect(address: str | None) -> ModuleType:
    """Ray, connected: to ``address`` (``"auto"``, ``"ray://host:10001"``), or, with None, to the
    cluster this process already uses, else a local one started here."""
    if address is not None:
        _check_reachable(address)
    ray = require_ray()
    with _CONNECTING:
        if not ray.is_initialized():
            try:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
            except ConnectionError as exc:
                raise DeeplingError(
                    f"Cannot reach the Ray cluster at {address!r}: {exc}",
                    "Start it with `ray start --head` (or check --ray-address).",
                ) from exc
            except ValueError as exc:  # e.g. a ray:// address without Ray Client installed
                raise DeeplingError(
                    f"Cannot connect to the Ray cluster at {address!r}: {exc}",
                    "For a ray:// address: pip install 'ray[client]'.",
                ) from exc
    return ray


def cluster_resources() -> dict[str, Any]:
    ray = require_ray()
    resources: dict[str, Any] = ray.cluster_resources()
    return resources

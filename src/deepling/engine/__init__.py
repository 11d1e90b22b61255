"""Where a dataset pass runs: in this process (``engine="local"``, the streamed pass of
``deepling.data.stream``) or on a Ray cluster (``engine="ray"``, Ray Data's ``map_batches``
with model replicas held by actors). Either gives the same result and the same cache entry."""

from deepling.engine.choice import Engine, RaySettings, check_engine

__all__ = ["Engine", "RaySettings", "check_engine"]

"""The projections read most recently, held in memory: the view fetches a projection one layer
at a time (a million points are 8 MB a layer, 150 MB for 19), and each of those requests must
not read the whole ``(L, N, 2)`` entry from disk again.

Held per cache (an entry's content is a function of its cache and key), two at most: the one
being shown and the one shown before it, which a user flips back to. A key's entry never
changes (keys hash everything that made it), so a held copy is never stale.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

from deepling.analysis.projection import Projection
from deepling.cache import ArrayCache
from deepling.server.projection.job import load_projection
from deepling.server.session import Session

HELD = 2


class RecentProjections:
    """Up to ``size`` projections by key, the least recently used dropped first."""

    def __init__(self, size: int = HELD) -> None:
        self.size = size
        self._held: OrderedDict[str, Projection] = OrderedDict()
        # One read at a time: the first layer requests of a new projection arrive together,
        # and all but the first then find it held instead of reading it again.
        self._lock = threading.Lock()

    def get(self, session: Session, key: str) -> Projection:
        """The projection ``key`` (read from the cache unless held); 404 for an unknown key."""
        with self._lock:
            held = self._held.get(key)
            if held is None:
                held = load_projection(session, key)
                self._held[key] = held
                while len(self._held) > self.size:
                    self._held.popitem(last=False)
            self._held.move_to_end(key)
            return held

    def keys(self) -> list[str]:
        """The keys held, least recently used first."""
        with self._lock:
            return list(self._held)


# By the session's cache object: freed with it (a Session compares by value, so it is no key).
_RECENT: weakref.WeakKeyDictionary[ArrayCache, RecentProjections] = weakref.WeakKeyDictionary()
_RECENT_LOCK = threading.Lock()


def recent_projections(session: Session) -> RecentProjections:
    with _RECENT_LOCK:
        recent = _RECENT.get(session.cache)
        if recent is None:
            recent = _RECENT[session.cache] = RecentProjections()
        return recent


def held_projection(session: Session, key: str) -> Projection:
    """Projection ``key``, read from disk only when it is not among the recent ones."""
    return recent_projections(session).get(session, key)

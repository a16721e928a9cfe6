"""A small in-process cache of dashboard results, keyed by what they depend on, including the
data version (:func:`chitieu.dashboard.data_version`): any change to the data gives new keys,
so nothing stale is ever served, and old entries simply age out (least recently used)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from chitieu.metrics import record_cache

T = TypeVar("T")
DEFAULT_SIZE = 512


class ResultCache:
    """Least-recently-used results, safe to share between request threads. A result being built
    is built once: other threads asking for the same key wait for it (the dashboard's sections
    arrive together, and two of them need the same costly target evaluations)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _lookup(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                record_cache("pages", hit=True)
                return True, self._items[key]
        record_cache("pages", hit=False)
        return False, None

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        """The cached result for ``key``, or ``build()`` stored under it (built by one thread
        at a time; if the build raises, nothing is stored and the next caller tries again)."""
        found, value = self._lookup(key)
        if found:
            return value
        with self._lock:
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            found, value = self._lookup(key)  # built while this thread waited
            if found:
                return value
            with self._lock:
                self.misses += 1
            try:
                value = build()
                with self._lock:
                    self._items[key] = value
                    self._items.move_to_end(key)
                    while len(self._items) > self._size:
                        self._items.popitem(last=False)
            finally:
                with self._lock:
                    self._building.pop(key, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

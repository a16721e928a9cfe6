"""Answers of expensive read endpoints and the dashboard's sections, kept in memory until the
data change (:class:`LruCache`, one class for both).

The key holds the route, the query string, the caller's role and unit (everything an answer
may depend on for the same request) and the data version — the latest audit entry and import
batch ids: every change chitieu makes is audited and every import is a batch, so a new
version means "something changed" and old answers are simply never asked for again (they age
out, least recently used first). Authorisation runs before the cache is consulted, and
callers with another role or unit never share an entry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chitieu.api.responses import json_bytes
from chitieu.auth.users import Principal
from chitieu.metrics import record_cache
from chitieu.store.audit import data_version

T = TypeVar("T")

#: Entries kept, and their total size: a few dozen dashboards' worth.
MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024
_MISSING = object()


class LruCache(Generic[T]):
    """Least-recently-used values, bounded in count (and, for bytes, in total size), shared by
    request threads: the API's JSON bodies and the dashboard's section results alike.

    A value being built is built once: other threads asking for the same key wait for it
    (sections arrive together, and two of them may need the same costly evaluation). If the
    build raises, nothing is stored and the next caller tries again. ``name`` labels the
    cache's hits and misses in the metrics."""

    def __init__(
        self, max_entries: int = MAX_ENTRIES, max_bytes: int | None = None, *, name: str = "api"
    ) -> None:
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._bytes = 0
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._name = name
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def _lookup(self, key: Hashable) -> Any:
        with self._lock:
            value = self._items.get(key, _MISSING)
            if value is not _MISSING:
                self._items.move_to_end(key)
                self.hits += 1
        record_cache(self._name, hit=value is not _MISSING)
        return value

    def get(self, key: Hashable) -> T | None:
        """The value under ``key``, or None (a miss, counted)."""
        value = self._lookup(key)
        if value is _MISSING:
            with self._lock:
                self.misses += 1
            return None
        return value

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value stored under ``key``, or ``build()`` stored there."""
        value = self._lookup(key)
        if value is not _MISSING:
            return value
        with self._lock:
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            value = self._lookup(key)  # built while this thread waited
            if value is not _MISSING:
                return value
            with self._lock:
                self.misses += 1
            try:
                built = build()
                self.put(key, built)
            finally:
                with self._lock:
                    self._building.pop(key, None)
        return built

    def _size(self, value: T) -> int:
        return len(value) if isinstance(value, bytes | bytearray) else 0

    def put(self, key: Hashable, value: T) -> None:
        size = self._size(value)
        if self._max_bytes is not None and size > self._max_bytes // 8:
            return  # one huge answer must not flush everything else
        with self._lock:
            old = self._items.pop(key, _MISSING)
            self._bytes += size - (self._size(old) if old is not _MISSING else 0)  # type: ignore[arg-type]
            self._items[key] = value
            while len(self._items) > self._max_entries or (
                self._max_bytes is not None and self._bytes > self._max_bytes
            ):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= self._size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def cached_json(
    request: Request, db: Session, user: Principal, build: Callable[[], Any]
) -> Response:
    """The JSON response of ``build()``, from the app's cache when the same request was
    answered for the same role and unit since the data last changed."""
    cache: LruCache[bytes] = request.app.state.api_cache
    key = (
        request.url.path,
        tuple(sorted(request.query_params.multi_items())),
        user.role,
        user.unit_path,
        data_version(db),
    )
    body = cache.get_or_build(key, lambda: json_bytes(build()))
    return Response(body, media_type="application/json")

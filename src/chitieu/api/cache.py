"""Answers of expensive read endpoints and the dashboard's sections, kept in memory until the
data they depend on change (:class:`LruCache`, one class for both).

The key holds the route, the query string, the caller's role and unit (everything an answer
may depend on for the same request) and the answer's stamp
(:func:`chitieu.store.generations.stamp`): the change counters of the unit whose subtree the
answer reads, for the years it reads, kept in the database so that every worker sees them.
A value saved in one commune changes the counters of that commune and the units above it for
its year only, so another province's answers, and other years' answers, stay warm; answers
with an old stamp are never asked for again and age out, least recently used first.
Authorisation runs before the cache is consulted, and callers with another role or unit never
share an entry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chitieu.api.responses import json_bytes
from chitieu.auth.users import Principal
from chitieu.metrics import record_cache
from chitieu.store.generations import stamp

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


def scope_of(path: str) -> str:
    """The unit whose subtree an answer about the unit at ``path`` may read: the unit itself
    for the country and a province, the province for a commune (a commune's estimate pools
    its province's communes)."""
    parts = path.split("/")
    return parts[min(1, len(parts) - 1)]


def cached_json(
    request: Request,
    db: Session,
    user: Principal,
    build: Callable[[], Any],
    *,
    unit_path: str | None = None,
    years: Iterable[int] | None = None,
    extra: Hashable = None,
) -> Response:
    """The JSON response of ``build()``, from the app's cache when the same request was
    answered for the same role and unit since the data it depends on last changed: those of
    the unit at ``unit_path`` (:func:`scope_of`; default: the whole country) for ``years``
    (default: any year). ``extra`` is anything else the answer depends on (today's date)."""
    cache: LruCache[bytes] = request.app.state.api_cache
    scope = scope_of(unit_path) if unit_path else user.unit_path.split("/", 1)[0]
    key = (
        request.url.path,
        tuple(sorted(request.query_params.multi_items())),
        user.role,
        user.unit_path,
        extra,
        stamp(db, scope, years),
    )
    body = cache.get_or_build(key, lambda: json_bytes(build()))
    return Response(body, media_type="application/json")

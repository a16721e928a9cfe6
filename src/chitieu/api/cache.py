"""Answers of expensive read endpoints and the dashboard's sections, kept in memory until the
data they depend on change (:class:`LruCache`, one class for both).

The key holds the route, the query string, the caller's role and unit (everything an answer
may depend on for the same request); beside it the answer's version, its stamp
(:func:`chitieu.store.generations.stamp`): the change counters of the unit whose subtree the
answer reads, for the years it reads, kept in the database so that every worker sees them.
A value saved in one commune changes the counters of that commune and the units above it for
its year only, so another province's answers, and other years' answers, stay current.
Authorisation runs before the cache is consulted, and callers with another role or unit never
share an entry. One entry is kept per key, the latest version built.

**Which answers may be served stale.** Answers about the whole country (the national
sections, ``/api/targets/status`` and the ranking for the country, the country's indicator
series), whoever reads them, and the answers about provinces and communes that national users
(whose unit is the country) read (:func:`may_be_stale`; the callers then pass a ``refresh``).
Every other answer is always current: a user of a commune or a province who saves a value
sees it on the next read of their commune's and their province's answers, in every worker.
When such an answer's stamp has moved on (the entry is stale) and no current one is there:

* the first change after a quiet spell is seen at once: if the answer has not been rebuilt,
  nor served stale, in the last :data:`REFRESH_INTERVAL` seconds, the request waits for the
  current answer (other requests meanwhile get the previous one);
* while changes keep coming, the previous answer is served at once and rebuilt in the
  background, at most once every :data:`REFRESH_INTERVAL` seconds per answer and process,
  never two rebuilds of one answer at once, at most :data:`BACKGROUND_REBUILDS` background
  rebuilds at once in a process (so one write a second cannot keep the CPUs busy rebuilding);
* an answer computed more than :data:`MAX_STALE_AGE` seconds ago is never served stale: the
  request waits for the current one.

A stale answer says so: ``X-Chitieu-Stale: 1``, and every cached answer carries when it was
computed (``X-Chitieu-Computed-At``, UTC) and its ``Age`` in seconds. A background rebuild
that fails is logged and keeps the previous answer; the next attempt comes an interval later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chitieu.api.responses import json_bytes
from chitieu.auth.users import Principal
from chitieu.metrics import record_cache
from chitieu.store.generations import stamp

log = logging.getLogger(__name__)

T = TypeVar("T")
#: What rebuilds a stale value in the background (None: a stale value is never served).
Refresh = Callable[[], T] | None

#: Entries kept, and their total size: a few dozen dashboards' worth.
MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024
#: Seconds between two rebuilds of one stale answer while changes keep coming (0: answers are
#: never served stale); the app takes it from ``CHITIEU_STALE_REFRESH_INTERVAL``.
REFRESH_INTERVAL = 30.0
#: Seconds after its computation beyond which an answer is never served stale
#: (``CHITIEU_STALE_MAX_AGE``).
MAX_STALE_AGE = 120.0
#: Background rebuilds running at once in a process.
BACKGROUND_REBUILDS = 1


@dataclass(slots=True)
class Served(Generic[T]):
    """A value as served: when it was computed (UNIX time) and whether it is stale."""

    value: T
    computed_at: float
    stale: bool = False


@dataclass(slots=True)
class _Entry(Generic[T]):
    value: T
    version: Hashable
    computed_at: float
    size: int
    #: When the last rebuild of a stale answer under this key started (None: never).
    refreshed_at: float | None = None
    #: When an answer under this key was last served stale (None: never).
    stale_at: float | None = None


def current(have: Hashable, want: Hashable) -> bool:
    """True if an entry of version ``have`` answers a request of version ``want``: the same
    version, or a later stamp (counters only grow; a request that read its stamp just before a
    write may find the answer already built after it)."""
    if have == want:
        return True
    if isinstance(have, tuple) and isinstance(want, tuple) and len(have) == len(want):
        return all(
            isinstance(a, int) and isinstance(b, int) and a >= b
            for a, b in zip(have, want, strict=True)
        )
    return False


_pool_lock = threading.Lock()
_pool: Executor | None = None


def background_pool() -> Executor:
    """The process's pool of background rebuilds (:data:`BACKGROUND_REBUILDS` threads)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(BACKGROUND_REBUILDS, thread_name_prefix="cache-rebuild")
        return _pool


class LruCache(Generic[T]):
    """Least-recently-used values, bounded in count (and, for bytes, in total size), shared by
    request threads: the API's JSON bodies and the dashboard's section results alike.

    A value being built is built once: other threads asking for the same key wait for it
    (sections arrive together, and two of them may need the same costly evaluation), or get
    the previous value if it may be served stale (:meth:`serve`). If the build raises, nothing
    is stored and the next caller tries again. ``name`` labels the cache's hits and misses in
    the metrics; ``clock`` and ``executor`` are the time and the background pool (tests)."""

    def __init__(
        self,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int | None = None,
        *,
        name: str = "api",
        refresh_interval: float = REFRESH_INTERVAL,
        max_stale_age: float = MAX_STALE_AGE,
        clock: Callable[[], float] = time.time,
        executor: Executor | None = None,
    ) -> None:
        self._items: OrderedDict[Hashable, _Entry[T]] = OrderedDict()
        self._bytes = 0
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._name = name
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}
        self._refreshing: set[Hashable] = set()
        self._interval = refresh_interval
        self._max_age = max_stale_age
        self._clock = clock
        self._executor = executor
        self.hits = 0
        self.misses = 0
        self.stale = 0

    def get(self, key: Hashable, version: Hashable = None) -> T | None:
        """The current value under ``key``, or None (a miss, counted)."""
        with self._lock:
            entry = self._current(key, version)
            if entry is None:
                self.misses += 1
        record_cache(self._name, hit=entry is not None)
        return entry.value if entry is not None else None

    def _current(self, key: Hashable, version: Hashable) -> _Entry[T] | None:
        """With the lock held: the entry under ``key`` if it answers ``version`` (a hit,
        counted; the caller records it in the metrics), else None."""
        entry = self._items.get(key)
        if entry is None or not current(entry.version, version):
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return entry

    def get_or_build(self, key: Hashable, build: Callable[[], T], version: Hashable = None) -> T:
        """The value stored under ``key`` for ``version``, or ``build()`` stored there."""
        return self.serve(key, build, version=version).value

    def serve(
        self,
        key: Hashable,
        build: Callable[[], T],
        *,
        version: Hashable = None,
        refresh: Callable[[], T] | None = None,
    ) -> Served[T]:
        """The value under ``key`` current for ``version``; if only an earlier version is
        there and ``refresh`` is given (it builds the value on a database session of its own,
        in another thread), maybe that one, stale, by the rules in the module's docstring;
        otherwise ``build()``, stored."""
        ready = self._ready(key, version, refresh, build=True)
        return ready if ready is not None else self._build(key, build, version)

    def ready(self, key: Hashable, *, version: Hashable, refresh: Refresh[T]) -> Served[T] | None:
        """What :meth:`serve` would answer without building (the current value, or a stale
        one and its background rebuild), or None, changing nothing, where it would build."""
        return self._ready(key, version, refresh, build=False)

    def _ready(
        self, key: Hashable, version: Hashable, refresh: Refresh[T], *, build: bool
    ) -> Served[T] | None:
        now = self._clock()
        with self._lock:
            found = self._current(key, version)
            if found is not None:
                record_cache(self._name, hit=True)
                return Served(found.value, found.computed_at)
            entry = self._items.get(key)
            if (
                entry is not None
                and refresh is not None
                and self._interval > 0
                and now - entry.computed_at <= self._max_age
                and (build or not self._waits(key, entry, now))
            ):
                wait = self._refresh_now(key, entry, now, version, refresh)
                if not wait:
                    self.stale += 1
                    record_cache(self._name, hit=True, stale=True)
                    return Served(entry.value, entry.computed_at, stale=True)
        return None

    def _waits(self, key: Hashable, entry: _Entry[T], now: float) -> bool:
        """With the lock held: True if :meth:`_refresh_now` would have the request wait."""
        return key not in self._refreshing and self._due(entry, now) and self._quiet(entry, now)

    def _due(self, entry: _Entry[T], now: float) -> bool:  # no rebuild in the last interval
        return entry.refreshed_at is None or now - entry.refreshed_at >= self._interval

    def _quiet(self, entry: _Entry[T], now: float) -> bool:  # not served stale in it either
        return entry.stale_at is None or now - entry.stale_at >= self._interval

    def _refresh_now(
        self,
        key: Hashable,
        entry: _Entry[T],
        now: float,
        version: Hashable,
        refresh: Callable[[], T],
    ) -> bool:
        """With the lock held, for a stale entry that may be served: True if this request
        rebuilds it and waits (the first change after a quiet spell: no rebuild of the key and
        no stale answer served in the last interval); False if the stale entry is served (a
        rebuild running, or started now in the background, or due an interval after the last
        one)."""
        if key not in self._refreshing and self._due(entry, now):
            entry.refreshed_at = now
            self._refreshing.add(key)
            if self._quiet(entry, now):
                return True
            pool = self._executor or background_pool()
            pool.submit(self._rebuild_in_background, key, version, refresh)
        entry.stale_at = now
        return False

    def _build(self, key: Hashable, build: Callable[[], T], version: Hashable) -> Served[T]:
        with self._lock:
            gate = self._building.setdefault(key, threading.Lock())
        try:
            with gate:
                with self._lock:  # built while this thread waited
                    found = self._current(key, version)
                    if found is not None:
                        record_cache(self._name, hit=True)
                        return Served(found.value, found.computed_at)
                    self.misses += 1
                record_cache(self._name, hit=False)
                try:
                    started = self._clock()
                    built = build()
                    self._store(key, built, version, started)
                finally:
                    with self._lock:
                        self._building.pop(key, None)
        finally:
            with self._lock:
                self._refreshing.discard(key)
        return Served(built, started)

    def _rebuild_in_background(
        self, key: Hashable, version: Hashable, refresh: Callable[[], T]
    ) -> None:
        try:
            self._build(key, refresh, version)
        except Exception:
            log.exception("background rebuild failed", extra={"cache": self._name})

    def _size(self, value: T) -> int:
        return len(value) if isinstance(value, bytes | bytearray) else 0

    def put(self, key: Hashable, value: T, version: Hashable = None) -> None:
        self._store(key, value, version, self._clock())

    def _store(self, key: Hashable, value: T, version: Hashable, computed_at: float) -> None:
        size = self._size(value)
        if self._max_bytes is not None and size > self._max_bytes // 8:
            return  # one huge answer must not flush everything else
        with self._lock:
            old = self._items.get(key)
            if old is not None and old.version != version and current(old.version, version):
                return  # a later answer is there already
            self._items.pop(key, None)
            self._bytes += size - (old.size if old is not None else 0)
            self._items[key] = _Entry(value, version, computed_at, size)
            if old is not None:  # when the key was last rebuilt, and last served stale
                self._items[key].refreshed_at = old.refreshed_at
                self._items[key].stale_at = old.stale_at
            while len(self._items) > self._max_entries or (
                self._max_bytes is not None and self._bytes > self._max_bytes
            ):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.size

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


def is_country(path: str) -> bool:
    """True for the path of the country."""
    return "/" not in path


def may_be_stale(answer_path: str, reader_path: str) -> bool:
    """True if an answer about the unit at ``answer_path`` may be served stale to a reader
    whose unit is at ``reader_path``: an answer about the country, or a national reader."""
    return is_country(answer_path) or is_country(reader_path)


def freshness_headers(served: Served[Any]) -> dict[str, str]:
    """When a cached answer was computed (UTC), its age in seconds, and whether it is stale."""
    at = datetime.fromtimestamp(served.computed_at, UTC).replace(microsecond=0)
    headers = {
        "X-Chitieu-Computed-At": at.isoformat().replace("+00:00", "Z"),
        "Age": str(max(0, int(time.time() - served.computed_at))),
    }
    if served.stale:
        headers["X-Chitieu-Stale"] = "1"
    return headers


def cached_json(
    request: Request,
    db: Session,
    user: Principal,
    build: Callable[[Session], Any],
    *,
    unit_path: str | None = None,
    years: Iterable[int] | None = None,
    extra: Hashable = None,
) -> Response:
    """The JSON response of ``build(db)``, from the app's cache when the same request was
    answered for the same role and unit since the data it depends on last changed: those of
    the unit at ``unit_path`` (:func:`scope_of`; default: the whole country) for ``years``
    (default: any year). ``extra`` is anything else the answer depends on (today's date). An
    answer about a unit given by ``unit_path`` may be served stale by :func:`may_be_stale`,
    and is then rebuilt on a session of its own (the module's docstring)."""
    cache: LruCache[bytes] = request.app.state.api_cache
    scope = scope_of(unit_path) if unit_path else user.unit_path.split("/", 1)[0]
    key = (
        request.url.path,
        tuple(sorted(request.query_params.multi_items())),
        user.role,
        user.unit_path,
        extra,
    )
    refresh = None
    if unit_path is not None and may_be_stale(unit_path, user.unit_path):
        refresh = _on_own_session(request, lambda own: json_bytes(build(own)))
    served = cache.serve(
        key, lambda: json_bytes(build(db)), version=stamp(db, scope, years), refresh=refresh
    )
    return Response(served.value, media_type="application/json", headers=freshness_headers(served))


def _on_own_session(request: Request, build: Callable[[Session], T]) -> Callable[[], T]:
    """``build`` run on a session of its own (a background rebuild outlives the request)."""
    sessions = request.app.state.sessions

    def run() -> T:
        with sessions() as own:
            return build(own)

    return run

"""Answers of expensive read endpoints kept in memory until the data change.

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
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chitieu.api.responses import json_bytes
from chitieu.auth.users import Principal
from chitieu.metrics import record_cache
from chitieu.store.audit import data_version

#: Entries kept, and their total size: a few dozen dashboards' worth.
MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024
#: Builds of answers are serialised per stripe of keys, so that many clients asking the same
#: uncached question at once wait for one computation instead of each starting their own.
STRIPES = 64


class ResponseCache:
    """Least-recently-used JSON bodies, bounded in count and bytes, shared by threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._building = [threading.Lock() for _ in range(STRIPES)]
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        """The body stored under ``key``, or ``build()`` stored there; concurrent callers
        with the same key wait for the first one's build rather than repeat it."""
        body = self.get(key)
        if body is not None:
            return body
        with self._building[hash(key) % STRIPES]:
            with self._lock:
                body = self._items.get(key)  # built while this caller waited
            if body is None:
                body = build()
                self.put(key, body)
        return body

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is None:
                self.misses += 1
                record_cache("api", hit=False)
                return None
            self._items.move_to_end(key)
            self.hits += 1
            record_cache("api", hit=True)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self._max_bytes // 8:
            return  # one huge answer must not flush everything else
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes += len(body) - (len(old) if old is not None else 0)
            self._items[key] = body
            while len(self._items) > self._max_entries or self._bytes > self._max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)


def cached_json(
    request: Request, db: Session, user: Principal, build: Callable[[], Any]
) -> Response:
    """The JSON response of ``build()``, from the app's cache when the same request was
    answered for the same role and unit since the data last changed."""
    cache: ResponseCache = request.app.state.api_cache
    key = (
        request.url.path,
        tuple(sorted(request.query_params.multi_items())),
        user.role,
        user.unit_path,
        data_version(db),
    )
    body = cache.get_or_build(key, lambda: json_bytes(build()))
    return Response(body, media_type="application/json")

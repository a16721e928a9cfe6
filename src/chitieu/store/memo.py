"""Answers kept per unit between requests, while the unit's change counters are unchanged.

A national figure is the sum of its provinces'; after a write in one ward only that province's
part has changed (:mod:`chitieu.store.generations`). :class:`ScopedMemo` keeps one part per
(database, what, unit, years) with the stamp of the counters it was read under, and reads the
stamps of many units in one statement, so that the parts whose counters moved are read again
and the others are taken as kept. Only where every write bumps the counters (the rollups are
built) is a kept part current; callers read directly otherwise.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.store.db import Db
from chitieu.store.generations import ALL_YEARS, ANY_YEAR, OTHER
from chitieu.store.models import ChangeCounter

T = TypeVar("T")


def stamps(
    db: Db, scopes: Sequence[str], years: Sequence[int]
) -> dict[tuple[str, int], tuple[int, int]]:
    """:func:`chitieu.store.generations.stamp` of each of ``scopes`` for each one of
    ``years``, in one read."""
    cc = ChangeCounter
    wanted = sorted({ALL_YEARS, *map(int, years)})
    counters: dict[tuple[str, int], int] = {}
    query = select(cc.scope, cc.year, cc.version).where(
        cc.scope.in_(list(scopes)), cc.year.in_(wanted)
    )
    for scope, year, version in db.execute(query):
        counters[(scope, int(year))] = int(version)
    other = db.execute(
        select(cc.version).where(cc.scope == OTHER, cc.year == ANY_YEAR)
    ).scalar_one_or_none()
    out: dict[tuple[str, int], tuple[int, int]] = {}
    changed = int(other or 0)
    for s in scopes:
        any_year = counters.get((s, ALL_YEARS), 0)
        for y in years:
            out[(s, y)] = (counters.get((s, y), 0) + any_year, changed)
    return out


class ScopedMemo(Generic[T]):
    """At most ``size`` parts, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[Any, ...], T] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)

    def parts(
        self,
        db: Db,
        what: Hashable,
        scopes: Sequence[str],
        years: Sequence[int],
        read: Callable[[str, tuple[int, ...]], dict[int, T]],
        empty: T,
        read_all: Callable[[tuple[int, ...]], dict[str, dict[int, T]]] | None = None,
    ) -> list[T]:
        """The part of each of ``scopes`` (unit codes) for each of ``years``, scope by scope
        and year by year: the kept one where the unit's stamp for the year is unchanged, else
        read, for the years missing of a unit at once, by ``read(scope, years)`` (a year it
        leaves out is ``empty``), then kept. Where most scopes miss some, ``read_all(years)``
        (when given) reads every scope at once instead, by scope and year."""
        engine = db.get_bind().engine if isinstance(db, Session) else db.engine
        base = (engine.url.render_as_string(), what)
        current = stamps(db, scopes, years)
        keys = {s: {y: (*base, s, y, current[(s, y)]) for y in years} for s in scopes}
        found: dict[str, dict[int, T]] = {s: {} for s in scopes}
        with self._lock:
            for scope in scopes:
                for y, key in keys[scope].items():
                    if key in self._kept:
                        self._kept.move_to_end(key)
                        found[scope][y] = self._kept[key]
        missing = {s: tuple(y for y in years if y not in found[s]) for s in scopes}
        missing = {s: ys for s, ys in missing.items() if ys}
        everything: dict[str, dict[int, T]] | None = None
        if read_all is not None and len(missing) > len(scopes) // 2:
            everything = read_all(tuple(sorted({y for ys in missing.values() for y in ys})))
        for scope, ys in missing.items():
            fresh = everything.get(scope, {}) if everything is not None else read(scope, ys)
            with self._lock:
                for y in ys:
                    found[scope][y] = self._kept[keys[scope][y]] = fresh.get(y, empty)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return [found[s][y] for s in scopes for y in years]

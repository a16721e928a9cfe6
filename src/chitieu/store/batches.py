"""Rows selected and locked by lists of keys: the lists cut to a size every database takes,
the paths of listed units, and advisory locks per unit on PostgreSQL."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import select, text

from chitieu.store.db import Db, dialect_name
from chitieu.store.models import Unit

#: Keys per ``IN (...)`` list: well under SQLite's and PostgreSQL's limits.
KEYS_PER_STATEMENT = 500
#: Unit buckets per advisory-lock namespace.
LOCK_BUCKETS = 64

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = KEYS_PER_STATEMENT) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def unit_paths(db: Db, units: Iterable[str]) -> dict[str, list[str]]:
    """Each listed unit's code with the codes on its path, the country first."""
    out: dict[str, list[str]] = {}
    for chunk in chunks(sorted(set(units))):
        for code, path in db.execute(select(Unit.code, Unit.path).where(Unit.code.in_(chunk))):
            out[code] = path.split("/")
    return out


def lock_units(db: Db, space: int, units: Iterable[str]) -> None:
    """Take, until the transaction ends, the advisory locks of ``space`` that the units fall
    in (a fixed number of buckets, in one order, so two writers cannot deadlock): writers
    recounting the same unit take turns. Nothing on SQLite, which lets one writer in at a time."""
    if dialect_name(db) != "postgresql":
        return
    for bucket in sorted({zlib.crc32(u.encode()) % LOCK_BUCKETS for u in units}):
        db.execute(
            text("SELECT pg_advisory_xact_lock(:space, :bucket)"),
            {"space": space, "bucket": bucket},
        )

"""Rows selected by a list of composite keys, the way each database searches fastest.

A batch of values names thousands of (unit, period) or (element, unit, period,
disaggregation) keys. PostgreSQL reads ``(a, b) IN ((…), (…), …)`` as one OR branch per key,
tested against every candidate row: its time grows with keys × rows. It joins a set of keys
instead when they come as arrays (``(a, b) IN (SELECT * FROM unnest(:as, :bs))``, a hashed
semi-join), in one statement whatever their number. SQLite searches an index for IN lists on
single columns but scans for a list of row values alone, so each chunk of keys is also
narrowed by the IN list of each column (implied by the keys, never changing the rows).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select, true, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

from chitieu.store.db import Db, dialect_name

#: Keys per row-value IN list on SQLite (well under its limit of bound parameters).
CHUNK = 500


def key_conditions(
    db: Db,
    columns: Sequence[Any],
    keys: Sequence[tuple[Any, ...]],
    *,
    narrow: Sequence[int] | None = None,
) -> Iterator[tuple[ColumnElement[bool], ...]]:
    """WHERE conditions that keep the rows whose ``columns`` equal one of ``keys``: one set
    of conditions per statement to run (one on PostgreSQL, one per chunk on SQLite); none
    when there are no keys. ``narrow``: the positions of the columns given an IN list of
    their own on SQLite (default all), those that lead an index worth searching."""
    if not keys:
        return
    if dialect_name(db) == "postgresql":
        arrays = [
            bindparam(None, [k[i] for k in keys], type_=ARRAY(c.type))
            for i, c in enumerate(columns)
        ]
        names = [f"k{i}" for i in range(len(columns))]
        unnested = func.unnest(*arrays).table_valued(*names).render_derived()
        yield (tuple_(*columns).in_(select(*(unnested.c[n] for n in names))),)
        return
    positions = range(len(columns)) if narrow is None else narrow
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        lists = [columns[i].in_(sorted({k[i] for k in chunk})) for i in positions]
        yield (*lists, tuple_(*columns).in_(chunk))


def for_each(db: Db, query: Select[Any], column: Any, values: Sequence[str]) -> list[Select[Any]]:
    """Statements reading ``query`` for the rows whose ``column`` equals one of ``values``
    (all rows when there are none), with ``column`` leading an index worth searching value by
    value. On PostgreSQL one statement, ``query`` as a subquery per value: each value is one
    index range whatever the planner believes of the table, whose statistics lag far behind
    inside a large import (a list of values beside other conditions was read as a scan of
    the whole table, or of every value's range, filtered). On SQLite one per chunk of values,
    searched value by value through an IN list."""
    if not values:
        return [query]
    if dialect_name(db) != "postgresql":
        return [
            query.where(column.in_(values[i : i + CHUNK])) for i in range(0, len(values), CHUNK)
        ]
    listed = bindparam(None, list(values), type_=ARRAY(column.type))
    each = func.unnest(listed).table_valued("value").render_derived()
    per_value = query.where(column == each.c.value).lateral()
    return [select(*per_value.c).select_from(each).join(per_value, true())]

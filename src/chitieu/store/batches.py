"""Rows selected and locked by lists of keys: the lists cut to a size every database takes,
the paths of listed units, advisory locks per unit on PostgreSQL, and rows written by key
(counts added to a row already there, or its columns set in place)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from chitieu.store.db import Db, core, dialect_name, upsert
from chitieu.store.models import Unit

#: Keys per ``IN (...)`` list: well under SQLite's and PostgreSQL's limits.
KEYS_PER_STATEMENT = 500
#: Rows per statement of :func:`add_to` and :func:`put_at` on PostgreSQL, where each column
#: is one array.
ADDED_PER_STATEMENT = 20_000
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


def add_to(
    db: Db, model: Any, key: Sequence[str], added: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (the values of the ``key`` columns, then of the ``added`` ones) into
    ``model``'s table, or where its key is there already, add them to that row's ``added``
    columns. Keys are distinct. In the caller's transaction."""
    _write_by_key(db, model, key, added, rows, adding=True)


def put_at(
    db: Db, model: Any, key: Sequence[str], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (the values of the ``key`` columns, then of ``columns``) into
    ``model``'s table, or where its key is there already, set that row's ``columns`` to them:
    an update in place, not a delete and an insert. Keys are distinct. In the caller's
    transaction."""
    _write_by_key(db, model, key, columns, rows, adding=False)


def _write_by_key(
    db: Db,
    model: Any,
    key: Sequence[str],
    values: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    adding: bool,
) -> None:
    """On PostgreSQL the rows travel as one array per column (the parameters of row after
    row cost more than the server's work); on SQLite they go through the driver's
    ``executemany`` (the statement built once, no per-row work in SQLAlchemy)."""
    if not rows:
        return
    table = model.__table__
    columns = [*key, *values]
    if dialect_name(db) == "postgresql":
        for part in chunks(rows, ADDED_PER_STATEMENT):
            arrays = [
                bindparam(None, [row[i] for row in part], type_=ARRAY(table.c[name].type))
                for i, name in enumerate(columns)
            ]
            source = func.unnest(*arrays).table_valued(*columns).render_derived()
            stmt = pg_insert(table).from_select(columns, select(*source.c))
            db.execute(_on_conflict(stmt, table, key, values, adding))
        return
    given = upsert(db, table).values({name: bindparam(name) for name in columns})
    conn = core(db)
    compiled = _on_conflict(given, table, key, values, adding).compile(dialect=conn.dialect)
    names = compiled.positiontup  # the parameters in the table's order (qmark style)
    assert names is not None
    order = [columns.index(name) for name in names]
    if order != list(range(len(columns))):
        rows = [tuple(row[i] for i in order) for row in rows]
    conn.exec_driver_sql(str(compiled), list(rows))


def _on_conflict(
    stmt: Any, table: Any, key: Sequence[str], values: Sequence[str], adding: bool
) -> Any:
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in key],
        set_={
            name: (table.c[name] + stmt.excluded[name]) if adding else stmt.excluded[name]
            for name in values
        },
    )

"""Bulk writes of the data-value path without SQLAlchemy's per-row work: ``COPY`` on
PostgreSQL, the driver's own ``executemany`` on SQLite, inside the caller's transaction.

Rows are tuples in the order of the columns given; JSON columns take their text already
serialised (:func:`json_text`, the same spelling SQLAlchemy's JSON type writes)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def json_text(value: Any) -> str | None:
    """``value`` as SQLAlchemy's JSON type stores it (None stays SQL NULL)."""
    return None if value is None else json.dumps(value)


def append_rows(
    db: Session, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Append ``rows`` to ``table`` (a table name of the models, never user input).

    A unique or foreign key violation raises SQLAlchemy's ``IntegrityError``, as a Core
    insert would, and leaves the transaction to be rolled back."""
    if not rows:
        return
    conn = db.connection()
    raw = conn.connection.driver_connection
    assert raw is not None  # None only for a closed connection
    names = ", ".join(columns)
    try:
        if conn.dialect.name == "postgresql":
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cur = raw.cursor()
            try:
                cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            finally:
                cur.close()
    except conn.dialect.dbapi.IntegrityError as exc:  # type: ignore[union-attr]
        raise IntegrityError(f"append to {table}", None, exc) from exc

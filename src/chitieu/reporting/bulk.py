"""Bulk writes of the data-value path without SQLAlchemy's per-row work: ``COPY`` on
PostgreSQL, the driver's own ``executemany`` on SQLite, inside the caller's transaction. On
SQLite, rows whose values JSON carries exactly go in as one statement over a JSON array
(:func:`append_rows`' ``exact_json``).

Rows are tuples in the order of the columns given; JSON columns take their text already
serialised (:func:`json_text`, the same spelling SQLAlchemy's JSON type writes)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def json_text(value: Any) -> str | None:
    """``value`` as SQLAlchemy's JSON type stores it (None stays SQL NULL)."""
    return None if value is None else json.dumps(value)


#: SQLite reads a JSON array's items with ``->>`` from 3.38 on.
SQLITE_JSON = sqlite3.sqlite_version_info >= (3, 38)
#: Integers JSON carries exactly through SQLite (and floats hold exactly).
JSON_EXACT_INTEGERS = 2**53


def rows_json(rows: Sequence[tuple[Any, ...]]) -> str:
    """Rows as one JSON array, as :func:`append_rows` sends them to SQLite."""
    return json.dumps(rows, ensure_ascii=False, check_circular=False)


def append_rows(
    db: Session,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    exact_json: bool = False,
    same: Mapping[str, Any] | None = None,
    json_array: str | None = None,
) -> None:
    """Append ``rows`` to ``table`` (a table name of the models, never user input).

    ``exact_json``: the rows hold only text, booleans, None and integers below
    :data:`JSON_EXACT_INTEGERS` (no floats: SQLite reads a JSON number with a fraction to 15
    digits only). On SQLite they then go in as one ``INSERT … SELECT`` over the rows as a
    JSON array: SQLite's own work from end to end, done without the interpreter's lock (so a
    second thread runs meanwhile), instead of one step per row. ``same``: columns whose value
    is the same in every row, given once (bound once in that statement). ``json_array``: the
    rows' JSON text (:func:`rows_json`) when it was made ahead.

    A unique or foreign key violation raises SQLAlchemy's ``IntegrityError``, as a Core
    insert would, and leaves the transaction to be rolled back."""
    if not rows:
        return
    same = same or {}
    conn = db.connection()
    raw = conn.connection.driver_connection
    assert raw is not None  # None only for a closed connection
    names = ", ".join([*columns, *same])
    try:
        if conn.dialect.name == "sqlite" and exact_json and SQLITE_JSON:
            items = ", ".join([*(f"value ->> {i}" for i in range(len(columns))), *"?" * len(same)])
            array = json_array if json_array is not None else rows_json(rows)
            raw.execute(
                f"INSERT INTO {table} ({names}) SELECT {items} FROM json_each(?)",
                (*same.values(), array),
            )
            return
        if same:
            rows = [(*row, *same.values()) for row in rows]
        if conn.dialect.name == "postgresql":
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * (len(columns) + len(same)))
            cur = raw.cursor()
            try:
                cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            finally:
                cur.close()
    except conn.dialect.dbapi.IntegrityError as exc:  # type: ignore[union-attr]
        raise IntegrityError(f"append to {table}", None, exc) from exc

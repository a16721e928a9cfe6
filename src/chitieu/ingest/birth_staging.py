"""Temporary staging tables for one birth import, filled the fastest way each database allows.

Checked rows are streamed into ``birth_import_stage`` and their counts by aggregate key into
``birth_import_counts`` (TEMPORARY tables, private to the connection); set-based SQL then
compares the rows with the stored records and moves the new ones, and their counts, into place
in the import's transaction.
PostgreSQL is fed with ``COPY … FROM STDIN`` (CSV written by Arrow); SQLite with ``executemany``
on the raw connection, which keeps the per-row cost in C.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import BigInteger, Column, Connection, Date, Integer, MetaData, String, Table

#: Rows converted to Python objects per ``executemany`` call on SQLite.
SQLITE_ROWS_PER_CALL = 20_000

_metadata = MetaData()

#: Checked rows of the file (``CHECKED_SCHEMA``); ``row_no`` is the file's data row number.
STAGE = Table(
    "birth_import_stage",
    _metadata,
    Column("row_no", BigInteger, nullable=False),
    Column("birth_id", String(64), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("unit_code", String(16), nullable=False),
    Column("sex", String(1), nullable=False),
    Column("birth_order", Integer, nullable=False),
    Column("prev_boys", Integer, nullable=False),
    Column("prev_girls", Integer, nullable=False),
    Column("mother_birth_year", Integer, nullable=False),
    Column("facility_code", String(32)),
    prefixes=["TEMPORARY"],
)

#: Births to add to ``birth_aggregates``, one row per aggregate key.
COUNTS = Table(
    "birth_import_counts",
    _metadata,
    Column("unit_code", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("month", Integer, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("birth_order", Integer, nullable=False),
    Column("prev_boys", Integer, nullable=False),
    Column("prev_girls", Integer, nullable=False),
    Column("births", BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
)


#: Ids of the rows refused by the per-row checks (not in STAGE), for the repeated-id check.
REFUSED_IDS = Table(
    "birth_import_refused_ids",
    _metadata,
    Column("row_no", BigInteger, nullable=False),
    Column("birth_id", String, nullable=False),  # refused rows' ids may be too long
    prefixes=["TEMPORARY"],
)

#: Ids that may repeat (:mod:`chitieu.ingest.repeats`), looked up in one join.
SUSPECTS = Table(
    "birth_import_suspects",
    _metadata,
    Column("birth_id", String, primary_key=True),
    prefixes=["TEMPORARY"],
)

_TABLES = (STAGE, COUNTS, REFUSED_IDS, SUSPECTS)


def create_stage(conn: Connection) -> None:
    """Create the empty staging tables on ``conn`` (dropping any left by an earlier failure)."""
    drop_stage(conn)
    for table in _TABLES:
        table.create(conn)


def drop_stage(conn: Connection) -> None:
    for table in reversed(_TABLES):
        table.drop(conn, checkfirst=True)


def _driver(conn: Connection) -> Any:
    """The driver's own connection under ``conn`` (psycopg's or sqlite3's), for COPY and
    executemany without SQLAlchemy in between."""
    raw = conn.connection.driver_connection
    assert raw is not None  # None only for a closed connection
    return raw


def _copy_postgres(conn: Connection, table: Table, batch: pa.RecordBatch | pa.Table) -> None:
    buf = io.BytesIO()
    # Null facility codes come out as empty unquoted fields, which COPY's CSV format reads as
    # NULL; every text value is quoted only where needed.
    pa_csv.write_csv(batch, buf, pa_csv.WriteOptions(include_header=False))
    cols = ", ".join(batch.schema.names)
    raw = _driver(conn)
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {table.name} ({cols}) FROM STDIN (FORMAT csv)") as copy,
    ):
        copy.write(buf.getbuffer())


def _insert_sqlite(conn: Connection, table: Table, batch: pa.RecordBatch | pa.Table) -> None:
    names = ", ".join(batch.schema.names)
    marks = ", ".join("?" * batch.num_columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
    cur = _driver(conn).cursor()
    try:
        # Python objects cost ~50 bytes a value: converting a slice at a time keeps the
        # process's memory flat however large the batch.
        for start in range(0, batch.num_rows, SQLITE_ROWS_PER_CALL):
            part = batch.slice(start, SQLITE_ROWS_PER_CALL)
            # SQLAlchemy stores dates in SQLite as ISO text: the staged dates are written so.
            columns = [
                col.cast(pa.string()).to_pylist() if pa.types.is_date(col.type) else col.to_pylist()
                for col in part.columns
            ]
            cur.executemany(sql, zip(*columns, strict=True))
    finally:
        cur.close()


def append_rows(conn: Connection, table: Table, batch: pa.RecordBatch | pa.Table) -> None:
    """Append ``batch`` to ``table``, matching columns by name, the fastest way the database
    allows (``COPY`` on PostgreSQL, C-level ``executemany`` on SQLite)."""
    if batch.num_rows == 0:
        return
    if conn.dialect.name == "postgresql":
        _copy_postgres(conn, table, batch)
    else:
        _insert_sqlite(conn, table, batch)


#: Staging a batch is appending it to a staging table.
stage = append_rows

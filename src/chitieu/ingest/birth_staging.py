"""Temporary staging tables for one birth import, filled the fastest way each database allows.

Checked rows are streamed into ``birth_import_stage`` and their counts by aggregate key into
``birth_import_counts`` (TEMPORARY tables, private to the connection); set-based SQL then
compares the rows with the stored records and moves the new ones, and their counts, into place
in the import's transaction.
PostgreSQL is fed with ``COPY … FROM STDIN`` (CSV written by Arrow); SQLite with ``executemany``
on the raw connection, which keeps the per-row cost in C. There most of that cost is binding
each value, so the checked rows go into ``birth_import_stage_rows`` with three of their small
integers and the sex folded into two (:data:`SQLITE_STAGE_VIEW` unfolds them: ``prev_girls``
is ``birth_order - 1 - prev_boys`` on every checked row), and ``birth_import_stage`` is a view
of it with the columns of :data:`STAGE`.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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

#: On SQLite, what :data:`STAGE`'s rows are written to: ``sex_order`` is ``2 * birth_order``
#: plus 1 for a boy, ``boys_mother`` is ``mother_birth_year * 2**32 + prev_boys`` (both exact
#: for any 32-bit values: ``prev_boys`` is never negative).
SQLITE_STAGE_ROWS = (
    "CREATE TEMPORARY TABLE birth_import_stage_rows (row_no BIGINT NOT NULL, "
    "birth_id VARCHAR(64) NOT NULL, birth_date DATE NOT NULL, unit_code VARCHAR(16) NOT NULL, "
    "sex_order BIGINT NOT NULL, boys_mother BIGINT NOT NULL, facility_code VARCHAR(32))"
)
SQLITE_STAGE_VIEW = (
    "CREATE TEMPORARY VIEW birth_import_stage AS SELECT row_no, birth_id, birth_date, "
    "unit_code, CASE sex_order % 2 WHEN 1 THEN 'M' ELSE 'F' END AS sex, "
    "sex_order / 2 AS birth_order, boys_mother & 4294967295 AS prev_boys, "
    "sex_order / 2 - 1 - (boys_mother & 4294967295) AS prev_girls, "
    "boys_mother >> 32 AS mother_birth_year, facility_code FROM birth_import_stage_rows"
)
_SQLITE_STAGE_COLUMNS = (
    "row_no",
    "birth_id",
    "birth_date",
    "unit_code",
    "sex_order",
    "boys_mother",
    "facility_code",
)


def create_stage(conn: Connection) -> None:
    """Create the empty staging tables on ``conn`` (dropping any left by an earlier failure)."""
    drop_stage(conn)
    for table in _TABLES:
        if table is STAGE and conn.dialect.name == "sqlite":
            conn.exec_driver_sql(SQLITE_STAGE_ROWS)
            conn.exec_driver_sql(SQLITE_STAGE_VIEW)
        else:
            table.create(conn)


def drop_stage(conn: Connection) -> None:
    for table in reversed(_TABLES):
        if table is STAGE and conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP VIEW IF EXISTS temp.birth_import_stage")
            conn.exec_driver_sql("DROP TABLE IF EXISTS temp.birth_import_stage_rows")
        else:
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


def _folded(batch: pa.RecordBatch | pa.Table) -> pa.Table:
    """``batch`` (:data:`STAGE`'s columns) in the columns of ``birth_import_stage_rows``."""

    def ints(name: str) -> np.ndarray:
        return batch.column(name).to_numpy(zero_copy_only=False).astype(np.int64)

    male = pc.equal(batch.column("sex"), "M").to_numpy(zero_copy_only=False)
    columns = {name: batch.column(name) for name in ("row_no", "birth_id", "birth_date")}
    return pa.table(
        {
            **columns,
            "unit_code": batch.column("unit_code"),
            "sex_order": ints("birth_order") * 2 + male,
            "boys_mother": (ints("mother_birth_year") << 32) + ints("prev_boys"),
            "facility_code": batch.column("facility_code"),
        }
    )


def _insert_sqlite(conn: Connection, table: Table, batch: pa.RecordBatch | pa.Table) -> None:
    name = table.name
    if table is STAGE:
        batch, name = _folded(batch), "birth_import_stage_rows"
        assert batch.schema.names == list(_SQLITE_STAGE_COLUMNS)
    names = ", ".join(batch.schema.names)
    marks = ", ".join("?" * batch.num_columns)
    sql = f"INSERT INTO {name} ({names}) VALUES ({marks})"
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

"""The machinery behind fast birth imports: the prefetching thread, and PostgreSQL's bulk path
that drops and re-creates foreign keys (the keys must come back exactly, and validated)."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text

from chitieu.ingest import birth_rows, birth_store
from chitieu.ingest.births import import_births
from chitieu.ingest.errors import ImportRefused
from chitieu.ingest.prefetch import prefetch
from chitieu.units.load import load_units

from .test_births_import import TODAY, recount, stored_aggregates, synthetic_rows, write_csv
from .test_births_rollup import recounted, stored_rollup


def test_prefetch_keeps_order_and_raises_where_the_producer_failed():
    def produce():
        yield from range(5)
        raise ValueError("bad batch 5")

    got = []
    with pytest.raises(ValueError, match="bad batch 5"):
        for item in prefetch(produce(), depth=2):
            got.append(item)
    assert got == [0, 1, 2, 3, 4]


def test_prefetch_stops_its_worker_when_the_consumer_stops():
    produced = []

    def produce():
        for i in range(1000):
            produced.append(i)
            yield i

    items = prefetch(produce(), depth=2)
    assert next(items) == 0
    items.close()
    time.sleep(0.3)
    assert len(produced) <= 4  # one handed over, two buffered, at most one in hand
    assert not any(t.name == "chitieu-prefetch" for t in threading.enumerate())


def test_duplicates_are_compared_as_text_not_by_hash(sqlite_engine, tmp_path, monkeypatch):
    """Every id hashes alike here: a file of distinct ids passes, and only real repeats are
    reported."""
    monkeypatch.setattr(birth_rows, "hash", lambda _text: 42, raising=False)
    with sqlite_engine.begin() as conn:
        load_units(conn)
    rows = synthetic_rows(300)
    distinct = write_csv(tmp_path / "distinct.csv", rows)
    assert import_births(sqlite_engine, distinct, dry_run=True, today=TODAY).rows_added == 300

    rows[250]["birth_id"] = rows[10]["birth_id"]
    rows[299]["birth_id"] = rows[10]["birth_id"]
    with pytest.raises(ImportRefused) as info:
        import_births(sqlite_engine, write_csv(tmp_path / "b.csv", rows), today=TODAY)
    assert [(e.row, e.column) for e in info.value.errors] == [(251, "birth_id"), (300, "birth_id")]
    assert all("first on row 11" in e.reason for e in info.value.errors)


FOREIGN_KEYS = text(
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
    "FROM pg_constraint WHERE contype = 'f' "
    "AND conrelid IN ('birth_records'::regclass, 'birth_aggregates'::regclass) ORDER BY 2"
)


def test_postgres_bulk_path_restores_foreign_keys(engine: Engine, tmp_path, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite checks foreign keys without per-row triggers")
    with engine.begin() as conn:
        load_units(conn)
        before = conn.execute(FOREIGN_KEYS).all()
    assert len(before) == 3 and all(fk[3] for fk in before)
    monkeypatch.setattr(birth_store, "BULK_FK_MIN_ROWS", 1)
    rows = synthetic_rows(500)

    import_births(engine, write_csv(tmp_path / "b.csv", rows), today=TODAY)

    with engine.connect() as conn:
        assert conn.execute(FOREIGN_KEYS).all() == before
        # a large load leaves fresh planner statistics, not work for autovacuum under users
        analysed = conn.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                "AND relname IN ('birth_records', 'birth_aggregates') ORDER BY relname"
            )
        ).scalars()
        assert list(analysed) == ["birth_aggregates", "birth_records"]
    assert stored_aggregates(engine) == recount(rows)


INDEXES = text(
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename IN "
    "('birth_records', 'birth_aggregates', 'birth_year_aggregates') ORDER BY 1, 2"
)
PRIMARY_KEYS = text(
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE contype = 'p' AND conrelid IN ('birth_records'::regclass, "
    "'birth_aggregates'::regclass, 'birth_year_aggregates'::regclass) ORDER BY 1"
)


def test_postgres_bulk_path_builds_the_indexes_again(engine: Engine, tmp_path, monkeypatch):
    # Into empty tables the bulk path drops every primary key and index of the birth tables
    # and builds them at the end; a second, smaller load into the filled tables keeps the
    # records' ones. Both times they must come back exactly, and hold.
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: the exclusive bulk path")
    with engine.begin() as conn:
        load_units(conn)
        before = (conn.execute(INDEXES).all(), conn.execute(PRIMARY_KEYS).all())
    # Three primary keys, each its own index (the records' unit code has none).
    assert len(before[0]) == 3 and len(before[1]) == 3
    monkeypatch.setattr(birth_store, "BULK_FK_MIN_ROWS", 1)
    dropped: list[frozenset[str]] = []
    bulk_load = birth_store.bulk_load

    def watched(conn, adding):
        with bulk_load(conn, adding) as bulk:
            dropped.append(bulk.unindexed)
            yield bulk

    monkeypatch.setattr(birth_store, "bulk_load", contextmanager(watched))
    first, second = synthetic_rows(600, seed=5), synthetic_rows(100, seed=6, prefix="C")
    import_births(engine, write_csv(tmp_path / "a.csv", first), today=TODAY)
    with engine.connect() as conn:
        # An analysed table's row estimate is what the next load compares with.
        conn.execute(text("ANALYZE birth_records"))
        conn.commit()
    import_births(engine, write_csv(tmp_path / "b.csv", second), today=TODAY)
    assert dropped == [
        {"birth_records", "birth_aggregates", "birth_year_aggregates"},
        frozenset(),
    ]
    with engine.connect() as conn:
        assert (conn.execute(INDEXES).all(), conn.execute(PRIMARY_KEYS).all()) == before
        twice = conn.execute(
            text("SELECT count(*) FROM birth_records GROUP BY birth_id HAVING count(*) > 1")
        ).all()
    assert twice == []
    assert stored_aggregates(engine) == recount(first + second)
    assert stored_rollup(engine) == recounted(engine)


def test_postgres_bulk_loads_into_empty_and_filled_tables_add_up(
    engine: Engine, tmp_path, monkeypatch
):
    # The bulk path holds the birth tables exclusively: into empty ones it inserts without a
    # conflict check, into filled ones it adds to the stored counts; both must add up.
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: the exclusive bulk path")
    with engine.begin() as conn:
        load_units(conn)
    monkeypatch.setattr(birth_store, "BULK_FK_MIN_ROWS", 1)
    first, second = synthetic_rows(400, seed=3), synthetic_rows(400, seed=4, prefix="C")
    import_births(engine, write_csv(tmp_path / "a.csv", first), today=TODAY)
    assert stored_aggregates(engine) == recount(first)
    import_births(engine, write_csv(tmp_path / "b.csv", second), today=TODAY)
    assert stored_aggregates(engine) == recount(first + second)
    assert stored_rollup(engine) == recounted(engine)

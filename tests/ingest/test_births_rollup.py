"""The yearly rollup ``birth_year_aggregates`` stays equal to ``birth_aggregates`` summed over
the months through every kind of import (new, partly overlapping, re-import, refused), and the
migration that adds it fills it from the stored counts, on SQLite and PostgreSQL.

Expected counts are recounted in plain Python from the rows written to the files, and the table
is compared with a recount in SQL from ``birth_aggregates`` as well."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, text
from tests.ingest.test_births_import import TODAY, synthetic_rows, write_csv

from chitieu.ingest import birth_reader
from chitieu.ingest.birth_store import recount_year_aggregates
from chitieu.ingest.births import import_births
from chitieu.ingest.errors import ImportRefused
from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade
from chitieu.store.models import BirthYearAggregate
from chitieu.units.load import load_units

BEFORE = "0007_user_email"


@pytest.fixture
def db(engine: Engine) -> Engine:
    with engine.begin() as conn:
        load_units(conn)
    return engine


def yearly_by_hand(rows: list[dict]) -> Counter:
    """(unit, year, sex, order≤4, boys≤2, girls≤2) -> births, from the file's rows."""
    return Counter(
        (
            r["unit_code"],
            int(r["birth_date"][:4]),
            r["sex"],
            min(int(r["birth_order"]), 4),
            min(int(r["prev_boys"]), 2),
            min(int(r["prev_girls"]), 2),
        )
        for r in rows
    )


def stored_rollup(engine: Engine) -> Counter:
    with engine.connect() as conn:
        rows = conn.execute(select(BirthYearAggregate.__table__)).all()
    return Counter({tuple(r[:6]): r.births for r in rows})


def recounted(engine: Engine) -> Counter:
    with engine.connect() as conn:
        return Counter({tuple(r[:6]): r[6] for r in conn.execute(recount_year_aggregates())})


def test_rollup_follows_new_overlapping_and_repeated_imports(db, tmp_path, monkeypatch):
    # Small CSV blocks: the counts are staged in several chunks and summed by key.
    monkeypatch.setattr(birth_reader, "CSV_BLOCK_BYTES", 4096)
    rows = synthetic_rows(1200)
    first = write_csv(tmp_path / "first.csv", rows[:700])
    import_births(db, first, today=TODAY)
    assert stored_rollup(db) == yearly_by_hand(rows[:700]) == recounted(db)

    # Partly overlapping: 300 stored already, 500 new (the counts of new rows only are added).
    result = import_births(db, write_csv(tmp_path / "second.csv", rows[400:]), today=TODAY)
    assert (result.rows_added, result.rows_skipped) == (500, 300)
    assert stored_rollup(db) == yearly_by_hand(rows) == recounted(db)

    # The same file again adds nothing.
    again = import_births(db, first, today=TODAY)
    assert again.rows_added == 0
    assert stored_rollup(db) == yearly_by_hand(rows) == recounted(db)

    # A further file with more births in years already counted adds to the same keys.
    more = synthetic_rows(200, seed=11, prefix="C")
    import_births(db, write_csv(tmp_path / "third.csv", more), today=TODAY)
    assert stored_rollup(db) == yearly_by_hand(rows + more) == recounted(db)
    assert sum(stored_rollup(db).values()) == 1400


def test_refused_import_leaves_rollup_unchanged(db, tmp_path):
    rows = synthetic_rows(100)
    import_births(db, write_csv(tmp_path / "good.csv", rows), today=TODAY)
    before = stored_rollup(db)
    bad = synthetic_rows(50, seed=3, prefix="D")
    bad[10]["sex"] = "X"
    with pytest.raises(ImportRefused):
        import_births(db, write_csv(tmp_path / "bad.csv", bad), today=TODAY)
    assert stored_rollup(db) == before == yearly_by_hand(rows)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A database at the revision before the rollup, with monthly birth counts stored."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        engine = make_engine(request.getfixturevalue("pg_url"))
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    upgrade(engine, BEFORE)
    with engine.begin() as conn:
        for code, parent, level, path in (
            ("VN", None, "country", "VN"),
            ("01", "VN", "province", "VN/01"),
            ("00070", "01", "commune", "VN/01/00070"),
            ("00073", "01", "commune", "VN/01/00073"),
        ):
            conn.execute(
                text(
                    "INSERT INTO units (code, parent_code, level, name, name_ascii, "
                    "division_type, codename, path) VALUES (:c, :p, :l, :c, :c, 'x', 'x', :path)"
                ),
                {"c": code, "p": parent, "l": level, "path": path},
            )
        conn.execute(
            text(
                "INSERT INTO birth_aggregates (unit_code, year, month, sex, birth_order, "
                "prev_boys, prev_girls, births) VALUES (:u, :y, :m, :s, :o, :b, :g, :n)"
            ),
            [
                {"u": "00070", "y": 2024, "m": 1, "s": "M", "o": 1, "b": 0, "g": 0, "n": 10},
                {"u": "00070", "y": 2024, "m": 2, "s": "M", "o": 1, "b": 0, "g": 0, "n": 7},
                {"u": "00070", "y": 2024, "m": 2, "s": "F", "o": 3, "b": 0, "g": 2, "n": 2},
                {"u": "00070", "y": 2025, "m": 1, "s": "M", "o": 1, "b": 0, "g": 0, "n": 4},
                {"u": "00073", "y": 2024, "m": 12, "s": "M", "o": 1, "b": 0, "g": 0, "n": 5},
            ],
        )
    yield engine
    engine.dispose()


def test_migration_fills_rollup_from_stored_counts(old_engine: Engine) -> None:
    upgrade(old_engine)
    assert stored_rollup(old_engine) == Counter(
        {
            ("00070", 2024, "M", 1, 0, 0): 10 + 7,
            ("00070", 2024, "F", 3, 0, 2): 2,
            ("00070", 2025, "M", 1, 0, 0): 4,
            ("00073", 2024, "M", 1, 0, 0): 5,
        }
    )

"""An import's foreign keys: on SQLite checked once for the whole import instead of row by row
(``chitieu.ingest.key_checks``), with the same guarantee: a record of a unit that is not in the
unit list is never stored, and the connections used afterwards check keys row by row again."""

from __future__ import annotations

import dataclasses

import pyarrow as pa
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from chitieu.ingest import birth_store
from chitieu.ingest.births import import_births
from chitieu.ingest.errors import ImportRefused
from chitieu.units.load import load_units

from .test_births_import import TODAY, synthetic_rows, table_counts, write_csv

GONE = "99999"  # a commune code the unit list does not hold


@pytest.fixture
def db(engine: Engine) -> Engine:
    with engine.begin() as conn:
        load_units(conn)
    return engine


def test_a_unit_missing_when_the_rows_are_written_refuses_the_import(db, tmp_path, monkeypatch):
    """The rows are checked against the unit list read at the start; a unit that is not in
    ``units`` when they are written (as if removed meanwhile) still refuses the whole import."""
    load = birth_store.load_references

    def with_a_gone_unit(conn, today):
        refs = load(conn, today)
        communes = sorted([*refs.communes.to_pylist(), GONE])
        return dataclasses.replace(refs, communes=pa.array(communes, pa.string()))

    monkeypatch.setattr(birth_store, "load_references", with_a_gone_unit)
    rows = synthetic_rows(400)
    for row in rows[::7]:
        row["unit_code"] = GONE
    before = table_counts(db)

    with pytest.raises((ImportRefused, IntegrityError)) as info:
        import_births(db, write_csv(tmp_path / "b.csv", rows), today=TODAY)

    if isinstance(info.value, ImportRefused):
        assert [(e.column, e.value) for e in info.value.errors] == [("unit_code", GONE)]
        assert GONE in info.value.errors[0].reason
    assert table_counts(db) == before  # nothing written: no record, batch, count or audit


def test_keys_are_checked_row_by_row_again_after_an_import(db, tmp_path):
    result = import_births(db, write_csv(tmp_path / "b.csv", synthetic_rows(300)), today=TODAY)
    assert result.rows_added == 300
    with db.connect() as conn:
        if db.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        with pytest.raises(IntegrityError):
            conn.execute(
                text(
                    "INSERT INTO birth_records (birth_id, birth_date, unit_code, sex, "
                    "birth_order, prev_boys, prev_girls, mother_birth_year) "
                    "VALUES ('X1', '2020-01-01', :gone, 'M', 1, 0, 0, 1990)"
                ),
                {"gone": GONE},
            )

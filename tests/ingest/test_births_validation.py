"""Every validation rule of the birth-record import: the row, the column and the reason are
reported, and nothing is written (row counts of the four tables an import touches are equal
before and after), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, func, select

from chitieu.ingest import birth_reader
from chitieu.ingest.births import import_births
from chitieu.ingest.errors import ImportRefused
from chitieu.store.models import AuditEntry, BirthAggregate, BirthRecord, Facility, ImportBatch
from chitieu.units.load import load_units

TODAY = date(2025, 6, 30)
FIELDS = list(birth_reader.COLUMNS)


def good(i: int, **changes: str) -> dict[str, str]:
    """A valid first birth of a boy in Phường Hoàn Kiếm, changed as asked."""
    row = {
        "birth_id": f"V{i}",
        "birth_date": "2024-03-15",
        "unit_code": "00070",
        "sex": "M",
        "birth_order": "1",
        "prev_boys": "0",
        "prev_girls": "0",
        "mother_birth_year": "1995",
        "facility_code": "",
    }
    row.update(changes)
    return row


def write_csv(path: Path, rows: list[dict], fields: list[str] = FIELDS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            m.__tablename__: conn.scalar(select(func.count()).select_from(m))
            for m in (BirthRecord, BirthAggregate, ImportBatch, AuditEntry)
        }


@pytest.fixture
def db(engine: Engine) -> Engine:
    with engine.begin() as conn:
        load_units(conn)
        conn.execute(
            Facility.__table__.insert().values(
                code="TYT-HK",
                unit_code="00070",
                name="Trạm y tế Hoàn Kiếm",
                kind="health_station",
                ownership="public",
            )
        )
    return engine


def refused(engine: Engine, path: Path) -> ImportRefused:
    before = counts(engine)
    with pytest.raises(ImportRefused) as info:
        import_births(engine, path, today=TODAY)
    assert counts(engine) == before, "a refused import wrote something"
    return info.value


def where(exc: ImportRefused) -> set[tuple[int | None, str | None]]:
    return {(e.row, e.column) for e in exc.errors}


# (case, a good row changed to, expected column, words of the reason)
ROW_RULES = [
    ("order-not-number", {"birth_order": "two"}, "birth_order", "not a whole number"),
    ("prev-decimal", {"prev_boys": "0.5"}, "prev_boys", "not a whole number"),
    ("mother-empty", {"mother_birth_year": ""}, "mother_birth_year", "not a whole number"),
    ("date-format", {"birth_date": "15/03/2024"}, "birth_date", "not a date"),
    ("date-impossible", {"birth_date": "2024-02-30"}, "birth_date", "not a date"),
    ("date-future", {"birth_date": "2025-07-01"}, "birth_date", "in the future"),
    ("unit-unknown", {"unit_code": "99999"}, "unit_code", "unknown unit"),
    ("unit-zeros-lost", {"unit_code": "70"}, "unit_code", "zeros lost? (00070 is a commune"),
    ("unit-missing", {"unit_code": ""}, "unit_code", "missing"),
    ("unit-province", {"unit_code": "01"}, "unit_code", "not a commune"),
    ("sex-other", {"sex": "X"}, "sex", "M or F"),
    ("sex-lower", {"sex": "m"}, "sex", "M or F"),
    ("order-zero", {"birth_order": "0"}, "birth_order", "at least 1"),
    ("prev-sum", {"birth_order": "2"}, "prev_girls", "birth_order - 1 = 1"),
    ("prev-sum-high", {"prev_boys": "1", "prev_girls": "1"}, "prev_girls", "= 0"),
    (
        "prev-negative",
        {"birth_order": "1", "prev_boys": "-1", "prev_girls": "1"},
        "prev_boys",
        "negative",
    ),
    ("mother-11", {"mother_birth_year": "2013"}, "mother_birth_year", "younger than 12"),
    ("mother-61", {"mother_birth_year": "1963"}, "mother_birth_year", "older than 60"),
    ("facility-unknown", {"facility_code": "BV-X"}, "facility_code", "unknown facility"),
    ("id-missing", {"birth_id": ""}, "birth_id", "missing"),
    ("id-too-long", {"birth_id": "x" * 65}, "birth_id", "longer than 64"),
]


def test_each_row_rule_reported_with_row_column_reason(db, tmp_path):
    """One file, a good row before each bad one: every rule fires on its own row only."""
    rows = []
    for i, (_, change, _, _) in enumerate(ROW_RULES):
        rows += [good(2 * i), good(2 * i + 1, **change)]
    exc = refused(db, write_csv(tmp_path / "b.csv", rows))

    expected = {
        2 * i + 2: (case, column, reason) for i, (case, _, column, reason) in enumerate(ROW_RULES)
    }
    assert exc.total == len(ROW_RULES)
    assert where(exc) == {(row, column) for row, (_, column, _) in expected.items()}
    summary, summary_vi = exc.summary(), exc.summary(lang="vi")
    assert summary_vi.startswith(f"từ chối nhập: {exc.total} lỗi; không ghi gì")
    for e in exc.errors:
        case, column, reason = expected[e.row]
        assert reason in e.reason, f"{case}: {e.reason!r}"
        assert f"row {e.row}, column {column}: {e.reason}" in summary, case
        # every rule also says it in Vietnamese, for the communes that read it
        assert e.reason_vi and e.reason_vi != e.reason, case
        assert f"dòng {e.row}, cột {column}: {e.reason_vi}" in summary_vi, case
    sex = next(e for e in exc.errors if e.column == "sex")
    assert sex.text("vi") == f"dòng {sex.row}, cột sex: phải là M (nam) hoặc F (nữ) (giá trị 'X')"


def test_boundaries_accepted(db, tmp_path):
    """Mother aged exactly 12 and 60, a birth today, fourth birth after three girls."""
    rows = [
        good(1, mother_birth_year="2012"),
        good(2, mother_birth_year="1964"),
        good(3, birth_date=TODAY.isoformat()),
        good(4, birth_order="4", prev_boys="0", prev_girls="3", facility_code="TYT-HK"),
    ]
    assert import_births(db, write_csv(tmp_path / "b.csv", rows), today=TODAY).rows_added == 4


def test_duplicate_id_within_file_even_across_batches(db, tmp_path, monkeypatch):
    monkeypatch.setattr(birth_reader, "CSV_BLOCK_BYTES", 1024)
    rows = [good(i) for i in range(1, 201)]
    rows[149] = good(7, birth_date="2024-04-01")  # row 150 repeats the id of row 7
    exc = refused(db, write_csv(tmp_path / "b.csv", rows))
    assert where(exc) == {(150, "birth_id")}
    assert "first on row 7" in exc.errors[0].reason and exc.errors[0].value == "V7"


def test_id_stored_with_other_content_is_a_conflict(db, tmp_path):
    import_births(db, write_csv(tmp_path / "first.csv", [good(1), good(2)]), today=TODAY)
    changed = [good(1), good(2, sex="F"), good(3)]
    exc = refused(db, write_csv(tmp_path / "second.csv", changed))
    assert where(exc) == {(2, "sex")}
    assert "already stored" in exc.errors[0].reason and "stored M, file F" in exc.errors[0].reason


def test_header_missing_and_unknown_columns(db, tmp_path):
    fields = [f for f in FIELDS if f != "prev_girls"] + ["note"]
    exc = refused(db, write_csv(tmp_path / "b.csv", [good(1, note="x")], fields))
    assert where(exc) == {(0, "prev_girls"), (0, "note")}
    reasons = {e.column: e.reason for e in exc.errors}
    assert "missing" in reasons["prev_girls"] and "unknown column" in reasons["note"]


def test_facility_column_is_optional(db, tmp_path):
    fields = [f for f in FIELDS if f != "facility_code"]
    path = write_csv(tmp_path / "b.csv", [good(1), good(2)], fields)
    assert import_births(db, path, today=TODAY).rows_added == 2


def test_first_fifty_problems_in_row_order_and_the_total(db, tmp_path):
    rows = [good(i) for i in range(1, 101)]
    for i in range(0, 100, 2):  # 50 rows with a bad sex, 10 of them with a bad order too
        rows[i]["sex"] = "?"
    for i in range(60, 80, 2):
        rows[i]["birth_order"] = "x"
    rows.append(good(1))  # row 101: duplicate of row 1, found after the per-row pass
    exc = refused(db, write_csv(tmp_path / "b.csv", rows))
    assert exc.total == 50 + 10 + 1
    shown = [(e.row, e.column) for e in exc.errors]
    assert len(shown) == 50 and shown == sorted(shown, key=lambda rc: (rc[0], FIELDS.index(rc[1])))
    assert shown[:2] == [(1, "sex"), (3, "sex")]
    assert (61, "birth_order") in shown
    assert "… and 11 more" in exc.summary()


def test_parquet_unit_code_stored_as_number_is_refused(db, tmp_path):
    path = tmp_path / "b.parquet"
    table = pa.Table.from_pylist([good(1)]).set_column(2, "unit_code", pa.array([70]))
    pq.write_table(table, path)
    exc = refused(db, path)
    assert where(exc) == {(0, "unit_code")} and "zero-padded" in exc.errors[0].reason


def test_unreadable_and_empty_files(db, tmp_path):
    assert "no such file" in refused(db, tmp_path / "absent.csv").errors[0].reason
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(",".join(FIELDS) + "\nV1,2024-03-15,00070\n")
    assert "CSV" in refused(db, ragged).errors[0].reason
    empty = write_csv(tmp_path / "empty.csv", [])
    assert "no records" in refused(db, empty).errors[0].reason


def test_default_today_refuses_a_far_future_date(db, tmp_path):
    path = write_csv(
        tmp_path / "b.csv", [good(1, birth_date="2999-01-01", mother_birth_year="2970")]
    )
    with pytest.raises(ImportRefused) as info:
        import_births(db, path)
    assert where(info.value) == {(1, "birth_date")}

"""Birth-record import: what it stores, and that it is idempotent, on SQLite and PostgreSQL.

Expected aggregates are recounted here in plain Python from the rows written to the file,
independently of the importer's Arrow/SQL path.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, func, select

from chitieu.ingest import birth_reader
from chitieu.ingest.births import import_births
from chitieu.store.models import AuditEntry, BirthAggregate, BirthRecord, ImportBatch
from chitieu.units.load import load_units

TODAY = date(2025, 6, 30)
FIELDS = [
    "birth_id",
    "birth_date",
    "unit_code",
    "sex",
    "birth_order",
    "prev_boys",
    "prev_girls",
    "mother_birth_year",
    "facility_code",
]
#: Phường Hoàn Kiếm, Phường Cửa Nam (Hanoi), Phường Thuỷ Nguyên (Hai Phong): zero-padded codes.
COMMUNES = ["00070", "00073", "11560"]


@pytest.fixture
def db(engine: Engine) -> Engine:
    with engine.begin() as conn:
        load_units(conn)
    return engine


def write_csv(path: Path, rows: list[dict], *, fields=FIELDS, bom=False, crlf=False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\r\n" if crlf else "\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def synthetic_rows(n: int, seed: int = 7, prefix: str = "B") -> list[dict]:
    """Valid records of every shape the aggregates cap (orders up to 6, up to 5 earlier boys)."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        order = rnd.choice([1, 1, 2, 2, 3, 4, 6])
        boys = rnd.randint(0, order - 1)
        year = rnd.randint(2015, 2024)
        rows.append(
            {
                "birth_id": f"{prefix}{i:06d}",
                "birth_date": f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                "unit_code": rnd.choice(COMMUNES),
                "sex": rnd.choice("MF"),
                "birth_order": str(order),
                "prev_boys": str(boys),
                "prev_girls": str(order - 1 - boys),
                "mother_birth_year": str(year - rnd.randint(12, 60)),
                "facility_code": "",
            }
        )
    return rows


def recount(rows: list[dict]) -> Counter:
    """Aggregates by hand: (unit, year, month, sex, order≤4, boys≤2, girls≤2) -> births."""
    return Counter(
        (
            r["unit_code"],
            int(r["birth_date"][:4]),
            int(r["birth_date"][5:7]),
            r["sex"],
            min(int(r["birth_order"]), 4),
            min(int(r["prev_boys"]), 2),
            min(int(r["prev_girls"]), 2),
        )
        for r in rows
    )


def stored_aggregates(engine: Engine) -> Counter:
    with engine.connect() as conn:
        rows = conn.execute(select(BirthAggregate.__table__)).all()
    return Counter({tuple(r[:7]): r.births for r in rows})


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            m.__tablename__: conn.scalar(select(func.count()).select_from(m))
            for m in (BirthRecord, BirthAggregate, ImportBatch, AuditEntry)
        }


def test_import_csv_stores_records_batch_audit_and_exact_aggregates(db, tmp_path, monkeypatch):
    # Small CSV blocks force many batches, so counts merged across batches are checked too.
    monkeypatch.setattr(birth_reader, "CSV_BLOCK_BYTES", 4096)
    rows = synthetic_rows(1500)
    path = write_csv(tmp_path / "births.csv", rows)

    result = import_births(db, path, actor="tester", today=TODAY)

    assert (result.rows_read, result.rows_added, result.rows_skipped) == (1500, 1500, 0)
    assert stored_aggregates(db) == recount(rows)
    with db.connect() as conn:
        stored = {r.birth_id: r for r in conn.execute(select(BirthRecord.__table__))}
        batch = conn.execute(select(ImportBatch.__table__)).one()
        audit = conn.execute(select(AuditEntry.__table__)).one()
    first = rows[0]
    rec = stored[first["birth_id"]]
    assert (rec.birth_date.isoformat(), rec.unit_code, rec.sex, rec.birth_order) == (
        first["birth_date"],
        first["unit_code"],
        first["sex"],
        int(first["birth_order"]),
    )
    assert rec.facility_code is None and rec.batch_id == result.batch_id == batch.id
    assert len(stored) == 1500
    assert (batch.kind, batch.rows_read, batch.rows_added, batch.imported_by) == (
        "births",
        1500,
        1500,
        "tester",
    )
    assert batch.sha256 == result.sha256 and len(result.sha256) == 64
    assert (audit.actor, audit.action, audit.table_name) == ("tester", "import", "birth_records")
    assert audit.after["rows_added"] == 1500 and audit.after["sha256"] == result.sha256


def test_second_import_of_same_file_changes_nothing(db, tmp_path):
    path = write_csv(tmp_path / "births.csv", synthetic_rows(300))
    import_births(db, path, today=TODAY)
    before, aggregates = table_counts(db), stored_aggregates(db)

    again = import_births(db, path, today=TODAY)

    assert (again.rows_read, again.rows_added, again.rows_skipped) == (300, 0, 300)
    assert again.batch_id is None
    assert table_counts(db) == before
    assert stored_aggregates(db) == aggregates


def test_overlapping_file_adds_only_new_records_to_aggregates(db, tmp_path):
    rows = synthetic_rows(400)
    import_births(db, write_csv(tmp_path / "first.csv", rows[:250]), today=TODAY)

    result = import_births(db, write_csv(tmp_path / "second.csv", rows[100:]), today=TODAY)

    assert (result.rows_read, result.rows_added, result.rows_skipped) == (300, 150, 150)
    assert stored_aggregates(db) == recount(rows)
    assert table_counts(db)["birth_records"] == 400


def test_dry_run_validates_and_writes_nothing(db, tmp_path):
    path = write_csv(tmp_path / "births.csv", synthetic_rows(50))
    before = table_counts(db)
    result = import_births(db, path, dry_run=True, today=TODAY)
    assert (result.rows_added, result.batch_id, result.dry_run) == (50, None, True)
    assert table_counts(db) == before


def test_leading_zeros_kept_in_unquoted_csv(db, tmp_path):
    path = tmp_path / "births.csv"
    path.write_text(
        ",".join(FIELDS) + "\n"
        "00123,2024-03-15,00070,F,1,0,0,1995,\n"
        "00124,2024-03-16,00073,M,2,0,1,1990,\n"
    )
    import_births(db, path, today=TODAY)
    with db.connect() as conn:
        rows = conn.execute(select(BirthRecord.birth_id, BirthRecord.unit_code)).all()
    assert sorted(rows) == [("00123", "00070"), ("00124", "00073")]


def test_bom_and_windows_line_endings(db, tmp_path):
    rows = synthetic_rows(20)
    path = write_csv(tmp_path / "excel.csv", rows, bom=True, crlf=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfbirth_id,") and b"\r\n" in path.read_bytes()
    result = import_births(db, path, today=TODAY)
    assert result.rows_added == 20
    assert stored_aggregates(db) == recount(rows)
    with db.connect() as conn:
        ids = set(conn.scalars(select(BirthRecord.birth_id)))
        facilities = set(conn.scalars(select(BirthRecord.facility_code)))
    assert ids == {r["birth_id"] for r in rows}
    assert facilities == {None}  # the last column did not keep a "\r"


def test_parquet_with_typed_columns(db, tmp_path):
    rows = synthetic_rows(200)
    table = pa.table(
        {
            "birth_id": [r["birth_id"] for r in rows],
            "birth_date": pa.array([date.fromisoformat(r["birth_date"]) for r in rows]),
            "unit_code": [r["unit_code"] for r in rows],
            "sex": [r["sex"] for r in rows],
            "birth_order": pa.array([int(r["birth_order"]) for r in rows], pa.int16()),
            "prev_boys": [int(r["prev_boys"]) for r in rows],
            "prev_girls": [int(r["prev_girls"]) for r in rows],
            "mother_birth_year": [int(r["mother_birth_year"]) for r in rows],
        }
    )
    path = tmp_path / "births.parquet"
    pq.write_table(table, path, row_group_size=64)  # several row groups

    result = import_births(db, path, today=TODAY)

    assert result.rows_added == 200
    assert stored_aggregates(db) == recount(rows)
    with db.connect() as conn:
        units = set(conn.scalars(select(BirthRecord.unit_code)))
    assert units == set(COMMUNES) & {r["unit_code"] for r in rows}


def test_parquet_of_text_columns_same_as_csv(db, tmp_path):
    rows = synthetic_rows(60)
    path = tmp_path / "text.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    assert import_births(db, path, today=TODAY).rows_added == 60
    assert stored_aggregates(db) == recount(rows)


def test_facility_code_given_is_stored(db, tmp_path):
    with db.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO facilities (code, unit_code, name, kind, ownership, offers_ultrasound,"
            " offers_obstetrics, synthetic) VALUES ('BV-HK', '00070', 'Bệnh viện', 'hospital',"
            " 'public', false, true, false)"
        )
    rows = synthetic_rows(3)
    rows[1]["facility_code"] = "BV-HK"
    import_births(db, write_csv(tmp_path / "b.csv", rows), today=TODAY)
    with db.connect() as conn:
        got = dict(conn.execute(select(BirthRecord.birth_id, BirthRecord.facility_code)).all())
    assert got == {
        rows[0]["birth_id"]: None,
        rows[1]["birth_id"]: "BV-HK",
        rows[2]["birth_id"]: None,
    }

"""A birth import holds a bounded amount in memory, whatever the file's length: repeated ids are
found through a Bloom filter and one join, counts are staged in chunks; the same file imported
again is recognised by its SHA-256 and skipped at once. Results are the same as before."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, func, select

from chitieu.ingest import birth_tally as tally_module
from chitieu.ingest import repeats as repeats_module
from chitieu.ingest.births import import_births
from chitieu.ingest.errors import ImportRefused
from chitieu.ingest.repeats import filter_bits
from chitieu.store.models import BirthAggregate, BirthRecord, ImportBatch
from chitieu.units.load import load_units

from .test_births_rollup import recounted, stored_rollup
from .test_births_validation import TODAY, good

COMMUNES = ("00070", "00004", "00008", "00025")


@pytest.fixture
def db(engine: Engine) -> Engine:
    with engine.begin() as conn:
        load_units(conn)
    return engine


def _rows(n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        order = rng.choice((1, 1, 2, 3))
        boys = rng.randint(0, order - 1)
        rows.append(
            good(
                i,
                birth_id=f"B{seed}-{i}",
                birth_date=date(
                    rng.randint(2010, 2024), rng.randint(1, 12), rng.randint(1, 28)
                ).isoformat(),
                unit_code=rng.choice(COMMUNES),
                sex=rng.choice("MF"),
                birth_order=str(order),
                prev_boys=str(boys),
                prev_girls=str(order - 1 - boys),
            )
        )
    return rows


def _parquet(path: Path, rows: list[dict[str, object]]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=1_000)
    return path


def _recount(engine: Engine) -> Counter:
    """birth_aggregates recomputed from the stored records, independently of the import."""
    with engine.connect() as conn:
        records = conn.execute(
            select(
                BirthRecord.unit_code,
                BirthRecord.birth_date,
                BirthRecord.sex,
                BirthRecord.birth_order,
                BirthRecord.prev_boys,
                BirthRecord.prev_girls,
            )
        ).all()
    tally: Counter = Counter()
    for unit, born, sex, order, boys, girls in records:
        tally[(unit, born.year, born.month, sex, min(order, 4), min(boys, 3), min(girls, 3))] += 1
    return tally


def _stored_aggregates(engine: Engine) -> Counter:
    with engine.connect() as conn:
        rows = conn.execute(select(BirthAggregate)).all()
    return Counter(
        {
            (
                r.unit_code,
                r.year,
                r.month,
                r.sex,
                r.birth_order,
                r.prev_boys,
                r.prev_girls,
            ): r.births
            for r in rows
            if r.births
        }
    )


def test_repeats_found_exactly_with_a_filter_far_too_small(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 64 bits for 6,000 ids: nearly every row is a suspect, so the join must sort them out.
    monkeypatch.setattr(repeats_module, "MAX_FILTER_BYTES", 8)
    monkeypatch.setattr(repeats_module, "MIN_FILTER_BITS", 64)
    rows = _rows(6_000, seed=3)
    plant = random.Random(9)
    for later in plant.sample(range(1, 6_000), 40):  # within and across the 1,000-row groups
        rows[later]["birth_id"] = rows[plant.randrange(later)]["birth_id"]
    rows[10]["sex"] = "?"  # a refused row's id still counts as a first occurrence
    rows[5_999]["birth_id"] = rows[10]["birth_id"]
    with pytest.raises(ImportRefused) as info:
        import_births(db, _parquet(tmp_path / "b.parquet", rows), today=TODAY)
    first_row: dict[str, int] = {}
    expected = []
    for row_no, row in enumerate(rows, start=1):
        bid = str(row["birth_id"])
        if bid in first_row:
            expected.append((row_no, f"duplicate birth_id (first on row {first_row[bid]})"))
        else:
            first_row[bid] = row_no
    found = [(e.row, e.reason) for e in info.value.errors if e.column == "birth_id"]
    assert info.value.total == len(expected) + 1  # + the bad sex
    assert found == expected[: len(found)] and len(found) >= 40
    with db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(BirthRecord)) == 0


def _months_of(rows: list[dict[str, object]]) -> tuple[tuple[str, int, int], ...]:
    return tuple(
        sorted(
            {
                (str(r["unit_code"]), int(str(r["birth_date"])[:4]), int(str(r["birth_date"])[5:7]))
                for r in rows
            }
        )
    )


def test_counts_written_out_in_parts_add_up(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A few hundred keys in memory at most: the tally is written out many times, each key
    # several times over, and the parts are summed when the counts are stored.
    monkeypatch.setattr(tally_module, "KEYS_IN_MEMORY", 600)
    rows = _rows(8_000, seed=5)
    result = import_births(db, _parquet(tmp_path / "b.parquet", rows), today=TODAY)
    assert result.rows_added == 8_000
    assert _stored_aggregates(db) == _recount(db)
    assert sum(_stored_aggregates(db).values()) == 8_000
    assert stored_rollup(db) == recounted(db)
    assert result.months == _months_of(rows)


def test_counts_are_made_in_sql_when_a_year_does_not_fit_a_packed_key(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Years after 2015 "do not fit": from the first batch holding one, the staged rows are
    # counted in SQL instead, with the same result.
    monkeypatch.setattr(tally_module, "_MAX_YEAR", 2015)
    rows = _rows(5_000, seed=6)
    result = import_births(db, _parquet(tmp_path / "b.parquet", rows), today=TODAY)
    assert result.rows_added == 5_000
    assert _stored_aggregates(db) == _recount(db)
    assert stored_rollup(db) == recounted(db)
    assert result.months == _months_of(rows)


def test_the_same_file_again_is_skipped_by_its_digest(db: Engine, tmp_path: Path) -> None:
    path = _parquet(tmp_path / "b.parquet", _rows(3_000, seed=7))
    first = import_births(db, path, today=TODAY)
    assert first.rows_added == 3_000 and first.same_file_as is None
    again = import_births(db, path, today=TODAY)
    assert again.same_file_as == first.batch_id
    assert (again.rows_added, again.rows_skipped, again.batch_id) == (0, 3_000, None)
    with db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ImportBatch)) == 1
    # A different file with the same records is compared record by record, as before.
    other = _parquet(tmp_path / "c.parquet", _rows(3_000, seed=7)[::-1])
    third = import_births(db, other, today=TODAY)
    assert third.same_file_as is None and (third.rows_added, third.rows_skipped) == (0, 3_000)


def test_the_same_file_is_imported_again_when_its_records_are_gone(
    db: Engine, tmp_path: Path
) -> None:
    path = _parquet(tmp_path / "b.parquet", _rows(500, seed=11))
    first = import_births(db, path, today=TODAY)
    with db.begin() as conn:
        # As after restoring an older backup into the records table alone.
        gone = BirthRecord.__table__.delete().where(BirthRecord.birth_id == "B11-0")
        conn.execute(gone)
    again = import_births(db, path, today=TODAY)
    assert again.same_file_as is None and again.rows_added == 1
    assert first.batch_id != again.batch_id


def test_filter_size_follows_the_file_within_bounds() -> None:
    assert filter_bits(0) == repeats_module.MIN_FILTER_BITS
    assert filter_bits(10**9) == repeats_module.MAX_FILTER_BYTES * 8
    for n in (1, 1_000, 123_457, 10_000_000):
        bits = filter_bits(n)
        assert bits & (bits - 1) == 0
        assert bits >= min(repeats_module.BITS_PER_ID * n, repeats_module.MAX_FILTER_BYTES * 8)

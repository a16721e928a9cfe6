"""The running tally of births by aggregate key: keys packed and unpacked exactly, parts that
add up however often the tally is written out, and an import process that stays free of
pandas (about 60 MB of memory pyarrow would otherwise load)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlalchemy import Engine

from chitieu.ingest import birth_tally
from chitieu.ingest.birth_rows import CHECKED_SCHEMA
from chitieu.units.load import load_units

from .test_births_import import TODAY, synthetic_rows, write_csv

COMMUNES = pa.array(["00004", "00008", "00025", "00070", "26734"])


def _checked(rows: list[tuple[str, date, str, int, int, int]]) -> pa.RecordBatch:
    n = len(rows)
    unit, born, sex, order, boys, girls = (list(c) for c in zip(*rows, strict=True))
    return pa.RecordBatch.from_arrays(
        [
            pa.array(range(1, n + 1), pa.int64()),
            pa.array([f"B{i}" for i in range(n)]),
            pa.array(born, pa.date32()),
            pa.array(unit),
            pa.array(sex),
            pa.array(order, pa.int32()),
            pa.array(boys, pa.int32()),
            pa.array(girls, pa.int32()),
            pa.array([1990] * n, pa.int32()),
            pa.nulls(n, pa.string()),
        ],
        schema=CHECKED_SCHEMA,
    )


def test_keys_unpack_to_the_capped_aggregate_key_and_sort_as_it() -> None:
    rows = [
        ("26734", date(2024, 12, 31), "M", 7, 5, 1),  # capped: order 4, boys 2
        ("00004", date(1, 1, 1), "F", 1, 0, 0),
        ("00070", date(2019, 2, 28), "F", 3, 0, 2),
        ("00004", date(2019, 2, 28), "M", 2, 1, 0),
        ("00004", date(2019, 2, 28), "M", 2, 1, 0),
        ("00025", date(9999, 6, 1), "M", 4, 0, 3),
    ]
    keys = birth_tally.pack_keys(_checked(rows), COMMUNES)
    assert keys is not None
    distinct, births = np.unique(keys, return_counts=True)
    got = birth_tally.unpack_keys(distinct, births, COMMUNES).to_pylist()
    expected = Counter(
        (u, d.year, d.month, s, min(o, 4), min(b, 2), min(g, 2)) for u, d, s, o, b, g in rows
    )
    assert [tuple(r.values()) for r in got] == [(*k, n) for k, n in sorted(expected.items())]


def test_a_year_a_key_cannot_hold_gives_no_keys() -> None:
    batch = _checked([("00004", date(2019, 1, 1), "M", 1, 0, 0)])
    assert birth_tally.pack_keys(batch, COMMUNES) is not None
    # A Parquet date column may hold any day: about the years 20000 and -220.
    for days in (6_600_000, -800_000):
        odd = pa.array([days], pa.int32()).cast(pa.date32())
        assert birth_tally.pack_keys(batch.set_column(2, "birth_date", odd), COMMUNES) is None


def test_an_import_does_not_load_pandas(sqlite_engine: Engine, tmp_path: Path) -> None:
    with sqlite_engine.begin() as conn:
        load_units(conn)
    path = write_csv(tmp_path / "b.csv", synthetic_rows(300))
    code = (
        "import sys, datetime\n"
        "from chitieu.store.db import make_engine\n"
        "from chitieu.ingest.births import import_births\n"
        f"r = import_births(make_engine({str(sqlite_engine.url)!r}), {str(path)!r}, "
        f"today=datetime.date.fromisoformat({TODAY.isoformat()!r}))\n"
        "print(r.rows_added, 'pandas' in sys.modules, 'pyarrow.parquet' in sys.modules)\n"
        # pandas still imports, and pyarrow still converts to and from it
        "import pandas, pyarrow as pa\n"
        "print(pa.Table.from_pandas(pandas.DataFrame({'a': [1, 2]})).to_pandas().shape)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["300 False False", "(2, 1)"]


def test_small_csv_blocks_are_read_as_batches_of_several(tmp_path: Path, monkeypatch) -> None:
    # Arrow's parser holds many times a block's size, so blocks are small and batches are
    # made of several: every row comes once, in order, numbered from 1.
    import pyarrow.csv as pa_csv

    from chitieu.ingest import birth_reader

    monkeypatch.setattr(birth_reader, "CSV_BLOCK_BYTES", 2048)
    rows = synthetic_rows(700)
    path = write_csv(tmp_path / "b.csv", rows)
    blocks = sum(1 for _ in pa_csv.open_csv(path, read_options=pa_csv.ReadOptions(block_size=2048)))
    batches = list(birth_reader.iter_raw_batches(path))
    per_batch = birth_reader.CSV_BLOCKS_PER_BATCH
    assert blocks > 2 * per_batch and len(batches) == -(-blocks // per_batch)
    assert [b.first_row for b in batches] == [
        1 + sum(b.batch.num_rows for b in batches[:i]) for i in range(len(batches))
    ]
    ids = [i for b in batches for i in b.batch.column("birth_id").to_pylist()]
    assert ids == [r["birth_id"] for r in rows]

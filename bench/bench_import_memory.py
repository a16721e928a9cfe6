"""Peak memory of a birth-record import against the file's length, beside the naive way of
reading the whole file into memory first (pyarrow's ``read_table``), in the same process kind.

Each import runs in a child process (fresh SQLite file, official units loaded); its peak is the
child's ``VmHWM``. A bounded import stays near flat as the file grows; the naive read grows
with it.

    .venv/bin/python bench/bench_import_memory.py [--records 500000 2000000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import generate_births

CHILD = """
import datetime, re, sys
def hwm():
    return int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024
mode, path, db = sys.argv[1:4]
if mode == 'naive':
    import pyarrow.parquet as pq
    before = hwm(); table = pq.read_table(path); rows = table.num_rows
else:
    from chitieu.ingest.births import import_births
    from chitieu.store.db import make_engine
    from chitieu.store.migrate import upgrade
    from chitieu.units.load import load_units
    engine = make_engine(f'sqlite:///{db}'); upgrade(engine)
    with engine.begin() as conn:
        load_units(conn)
    before = hwm()
    rows = import_births(engine, path, today=datetime.date(2026, 1, 1)).rows_added
print(rows, before, hwm())
"""


def peak(mode: str, path: Path, db: Path) -> tuple[int, int, int]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path), str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    rows, before, after = map(int, done.stdout.split())
    return rows, before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, nargs="+", default=[500_000, 2_000_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chitieu-bench-") as tmp:
        for n in args.records:
            path = Path(tmp) / f"births-{n}.parquet"
            pq.write_table(generate_births(n), path)
            rows, before, after = peak("import", path, Path(tmp) / f"import-{n}.db")
            _, naive_before, naive_after = peak("naive", path, Path(tmp) / "unused.db")
            print(
                f"{rows:>10,} records: import peak {after} MB ({after - before} MB above start); "
                f"naive read_table {naive_after} MB ({naive_after - naive_before} MB above start)"
            )


if __name__ == "__main__":
    main()

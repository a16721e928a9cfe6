"""Streaming DHIS2 import and export at scale: throughput and peak memory, beside the
physical reference of loading the same rows with no checks at all.

Payload: the commune monthly report (10 values: live births by sex and order, four
activities) for every 2025 commune over consecutive months, as a DHIS2 data value set in JSON
(UIDs), CSV and ADX (codes), written to files. Each import runs in a child process on a fresh
database (SQLite file, or a PostgreSQL database created for the run on 127.0.0.1), so that its
peak memory (``VmHWM``) is its own; then the export of everything, streamed to a file.
Reference, same rows, same database: PostgreSQL ``COPY`` into ``data_values`` (SQLite:
``executemany`` of plain INSERTs), no validation, no audit. The ratio printed is chitieu's
time over the reference's.

    .venv/bin/python bench/bench_dhis2_stream.py [--values 1000000] [--db sqlite|postgres|both]
        [--format json|csv|adx|json,csv,adx] [--rollups] [--month]
        [--read-ahead auto|on|off|process|thread]

``--month``: the monthly case of a served database instead. The eleven months January to
November 2025 of every commune go into a database with the rollups built (not timed), then
December's 33,210 values are imported and timed; the reference loads December's rows alone
into a bare database.

``--read-ahead`` chooses how the import reads its payload ahead: in a forked process, in a
second thread, or not at all (``auto``: the import's default, the forked process for a large
payload in a single-threaded process such as this one). Each line also gives the values per
CPU second of the importing process and its reader (``ru_utime`` + ``ru_stime``), a figure a
busy machine inflates less than the wall time; on PostgreSQL the server's own work is not in
it. Peak memory is the importing process's own (``VmHWM``) and, beside it, the highest sum of
the proportional set sizes (PSS) of the importing process and its reader, sampled every
50 ms: pages the fork shares are counted once.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

PG_ADMIN_DSN = os.environ.get("CHITIEU_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")
CELLS = [("LIVE_BIRTHS", d) for d in ("M_O1", "M_O2", "M_O3P", "F_O1", "F_O2", "F_O3P")] + [
    (e, "default")
    for e in (
        "ACT_COMM_SESSIONS",
        "ACT_PEOPLE_REACHED",
        "ACT_FACILITY_COMMITMENTS",
        "ACT_INSPECTIONS",
    )
]


def fresh(url: str, rollups: bool = False):  # type: ignore[no-untyped-def]
    """A migrated database with the units and catalogue; ``rollups``: with the data-value
    rollups built, as ``chitieu db upgrade`` leaves a database, so that every write keeps
    them (what a served database does)."""
    from chitieu.catalog import load_catalog
    from chitieu.reporting.rollups import ensure_rollups
    from chitieu.store.db import make_engine, session_on
    from chitieu.store.migrate import upgrade
    from chitieu.units.load import load_units

    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        if rollups:
            ensure_rollups(session_on(conn))
    return engine


def communes(url: str) -> list[str]:
    """The codes of every commune (the database at ``url`` made first)."""
    from chitieu.store.models import Unit

    engine = fresh(url)
    with engine.connect() as conn:
        codes = list(conn.scalars(select(Unit.code).where(Unit.level == "commune")))
    engine.dispose()
    return codes


def rows(url: str, n: int) -> list[tuple[str, str, str, str, int]]:
    """(element, unit, period, disaggregation, value): n values, months counted back from
    December 2025 so that no period lies in the future."""
    units = communes(url)
    out = []
    month = 0
    while len(out) < n:
        y, m = 2025 - month // 12, 12 - month % 12
        period = f"{y}{m:02d}"
        for unit in units:
            for el, d in CELLS:
                out.append((el, unit, period, d, (len(out) * 7) % 97 if d == "default" else 9))
                if len(out) == n:
                    return out
        month += 1
    return out


def write_payloads(data: list, folder: Path) -> dict[str, Path]:
    from chitieu.exchange.mapping import IdScheme, read_mapping

    m = read_mapping()
    files = {"json": folder / "set.json", "csv": folder / "set.csv", "adx": folder / "set.adx"}
    with files["json"].open("w", encoding="utf-8") as f:
        f.write('{"dataValues": [\n')
        for i, (el, unit, period, d, v) in enumerate(data):
            item = {
                "dataElement": m.element_id(el, IdScheme.UID),
                "period": period,
                "orgUnit": unit,
                "categoryOptionCombo": m.coc_id(d, IdScheme.UID),
                "value": str(v),
            }
            f.write(("," if i else "") + json.dumps(item) + "\n")
        f.write("]}\n")
    with files["csv"].open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "dataelement",
                "period",
                "orgunit",
                "categoryoptioncombo",
                "attributeoptioncombo",
                "value",
            ]
        )
        for el, unit, period, d, v in data:
            w.writerow([el, period, unit, d, "", v])
    with files["adx"].open("w", encoding="utf-8") as f:
        f.write('<adx xmlns="urn:ihe:qrph:adx:2015">\n')
        key = None
        for el, unit, period, d, v in data:
            if (unit, period) != key:
                if key:
                    f.write("</group>\n")
                key = (unit, period)
                start = f"{period[:4]}-{period[4:]}-01/P1M"
                f.write(f'<group orgUnit="{unit}" period="{start}" dataSet="COMMUNE_MONTHLY">\n')
            f.write(f'<dataValue dataElement="{el}" categoryOptionCombo="{d}" value="{v}"/>\n')
        f.write("</group>\n</adx>\n")
    return files


def child(args: list[str]) -> None:
    """Run one measured step in this process: import FMT URL FILE [READ_AHEAD] | export URL
    FILE."""
    from chitieu.exchange.dhis2 import import_datavalueset
    from chitieu.exchange.export import iter_export
    from chitieu.store.db import make_engine

    engine = make_engine(args[2] if args[0] == "import" else args[1])
    server = _server_cpu(engine)
    t = time.perf_counter()
    if args[0] == "import":
        fmt, path = args[1], Path(args[3])
        with path.open("rb") as stream:
            s = import_datavalueset(
                engine,
                stream,
                None,
                actor="bench",
                fmt=fmt,
                old_units="none",
                id_scheme="code" if fmt != "json" else None,
                atomic=True,
                read_ahead=_read_ahead(args[4] if len(args) > 4 else "auto"),
            )
        done = s.count.imported
        assert s.status == "SUCCESS", [str(c) for c in s.conflicts[:5]]
    else:
        n = 0
        with Session(engine) as db, open(args[2], "wb") as out:
            for chunk in iter_export(db, fmt="json", id_scheme="uid"):
                out.write(chunk)
                n += len(chunk)
        done = n
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "done": done, "hwm_kib": _hwm(), "server": server()}))


def _server_cpu(engine):  # type: ignore[no-untyped-def]
    """On PostgreSQL on this machine, a function giving the CPU seconds (user + system, from
    ``/proc/<pid>/stat``) the server backends of ``engine``'s connections spent since they
    were opened; None where that cannot be read (SQLite, another machine)."""
    from sqlalchemy import event

    if engine.dialect.name != "postgresql":
        return lambda: None
    start: dict[int, float] = {}
    ticks = _ticks

    @event.listens_for(engine, "connect")
    def _opened(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        first = ticks(pid)
        if first is not None:
            start[pid] = first

    def spent() -> float | None:
        now = {pid: ticks(pid) for pid in start}
        if not start or any(v is None for v in now.values()):
            return None  # a backend closed before the end: its time is lost
        return sum(now[pid] - start[pid] for pid in start)  # type: ignore[operator]

    return spent


def _read_ahead(option: str) -> bool | str | None:
    return {"on": True, "off": False, "auto": None}.get(option, option)


def _tree_pss_kib(pid: int) -> int:
    """The summed PSS (KiB) of ``pid`` and its descendants; 0 for any that has gone."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _hwm() -> int:
    """This process's peak resident memory since its exec (``VmHWM``, KiB). ``ru_maxrss``
    seen by the parent is not it: Linux folds in the resident size of the forked parent
    before the exec, which here holds the whole payload's rows."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(args: list[str]) -> dict:
    """Run a step in a child process; its own peak resident memory from wait4."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=out)
        peak_pss = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak_pss[0] = max(peak_pss[0], _tree_pss_kib(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"step {args[:2]} failed ({proc.returncode})")
        out.seek(0)
        result = json.loads(out.read().strip().splitlines()[-1])
    result["peak_mib"] = (result.get("hwm_kib") or usage.ru_maxrss) / 1024
    result["pss_mib"] = peak_pss[0] / 1024
    result["cpu"] = usage.ru_utime + usage.ru_stime
    return result


def reference(url: str, data: list) -> tuple[float, float | None]:
    """Seconds to load the same rows with no checks: COPY (PostgreSQL) or executemany; and on
    PostgreSQL the CPU seconds its server backend spent on it (the COPY and its commit)."""
    engine = fresh(url)
    server = None
    t = time.perf_counter()
    if url.startswith("postgresql"):
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            pid = cur.execute("SELECT pg_backend_pid()").fetchone()[0]
            before = _ticks(pid)
            cols = "element_code, unit_code, period, disaggregation, value, status, synthetic"
            with cur.copy(f"COPY data_values ({cols}) FROM STDIN") as copy:
                for el, unit, period, d, v in data:
                    copy.write_row((el, unit, period, d, float(v), "submitted", False))
            raw.commit()
            after = _ticks(pid)
            if before is not None and after is not None:
                server = after - before
        finally:
            raw.close()
    else:
        raw = engine.raw_connection()
        try:
            raw.cursor().executemany(
                "INSERT INTO data_values (element_code, unit_code, period, disaggregation, value,"
                " status, synthetic, followup, created, last_updated) VALUES "
                "(?, ?, ?, ?, ?, 'submitted', 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                [(el, unit, period, d, float(v)) for el, unit, period, d, v in data],
            )
            raw.commit()
        finally:
            raw.close()
    seconds = time.perf_counter() - t
    engine.dispose()
    return seconds, server


def _ticks(pid: int) -> float | None:
    """CPU seconds (user + system) process ``pid`` of this machine has spent, or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pg_database() -> tuple[str, object]:
    import psycopg

    admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    name = f"chitieu_bench_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')  # generated name, never user input
    return f"postgresql+psycopg://{admin.info.user}@127.0.0.1:5432/{name}", (admin, name)


def drop(handle: object) -> None:
    admin, name = handle  # type: ignore[misc]
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def month_into_year(a: argparse.Namespace) -> None:
    """The monthly case of a served database: the eleven months before imported first (not
    timed), then December's values of every commune, timed; the reference loads December's
    rows alone into a bare database."""
    print(f"load average before: {_load()}; a month into a year already reported")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed = f"sqlite:///{folder / 'seed.db'}"
        data = rows(seed, 12 * len(CELLS) * len(communes(seed)))
        month = [r for r in data if r[2] == "202512"]
        (folder / "before").mkdir()
        (folder / "month").mkdir()
        before = write_payloads([r for r in data if r[2] != "202512"], folder / "before")
        files = write_payloads(month, folder / "month")
        print(f"{len(data) - len(month)} values before, {len(month)} in the month")
        for kind in ["sqlite", "postgres"] if a.db == "both" else [a.db]:
            for fmt in a.formats.split(","):
                handle = ref_handle = None
                if kind == "sqlite":
                    url, ref_url = (f"sqlite:///{folder / f'{n}-{fmt}.db'}" for n in "mr")
                else:
                    (url, handle), (ref_url, ref_handle) = pg_database(), pg_database()
                fresh(url, rollups=True).dispose()
                measure(["import", fmt, url, str(before[fmt]), a.read_ahead])
                r = measure(["import", fmt, url, str(files[fmt]), a.read_ahead])
                ref, _ = reference(ref_url, month)
                print(
                    f"{kind:8} month {fmt:4}: {r['done']} values in {r['seconds']:.2f} s "
                    f"= {r['done'] / r['seconds']:,.0f} values/s, peak {r['peak_mib']:.0f} MiB; "
                    f"reference ({'COPY' if kind == 'postgres' else 'executemany'} into a bare "
                    f"database) {ref:.2f} s, ratio {r['seconds'] / ref:.1f}x; load {_load()}"
                )
                for h in (handle, ref_handle):
                    if h is not None:
                        drop(h)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--formats", "--format", default="json,csv,adx")
    parser.add_argument(
        "--read-ahead", choices=("auto", "on", "off", "process", "thread"), default="auto"
    )
    parser.add_argument(
        "--rollups",
        action="store_true",
        help="import into databases with the rollups built (kept on every write)",
    )
    parser.add_argument(
        "--month",
        action="store_true",
        help="time one month of every commune (December 2025) imported into a database with "
        "the rollups built that holds the eleven months before it (--values is ignored)",
    )
    a = parser.parse_args()
    if a.month:
        month_into_year(a)
        return
    print(
        f"load average before: {_load()}; rollups {'built' if a.rollups else 'not built'}; "
        f"read ahead {a.read_ahead}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = rows(f"sqlite:///{folder / 'seed.db'}", a.values)
        files = write_payloads(data, folder)
        sizes = {k: p.stat().st_size / 2**20 for k, p in files.items()}
        print(
            f"{len(data)} values; payload MiB: "
            + ", ".join(f"{k} {v:.0f}" for k, v in sizes.items())
        )
        kinds = ["sqlite", "postgres"] if a.db == "both" else [a.db]
        for kind in kinds:
            for fmt in a.formats.split(","):
                handle = None
                if kind == "sqlite":
                    url = f"sqlite:///{folder / f'{fmt}.db'}"
                else:
                    url, handle = pg_database()
                fresh(url, a.rollups).dispose()
                r = measure(["import", fmt, url, str(files[fmt]), a.read_ahead])
                rate = r["done"] / r["seconds"]
                ref_url = f"sqlite:///{folder / f'ref-{fmt}.db'}" if kind == "sqlite" else None
                ref_handle = None
                if kind == "postgres":
                    ref_url, ref_handle = pg_database()
                ref, ref_server = reference(ref_url, data)
                server = "" if r.get("server") is None else f", server {r['server']:.1f} CPU s"
                if ref_server is not None:
                    server += f"; reference COPY's server {ref_server:.1f} CPU s"
                print(
                    f"{kind:8} import {fmt:4}: {r['done']} values in {r['seconds']:.1f} s "
                    f"= {rate:,.0f} values/s ({r['done'] / r['cpu']:,.0f} per CPU second of "
                    f"the importing process and its reader; client {r['cpu']:.1f} CPU s{server}), "
                    f"peak {r['peak_mib']:.0f} MiB (with its reader, PSS: {r['pss_mib']:.0f} MiB); "
                    "reference "
                    f"({'COPY' if kind == 'postgres' else 'executemany'}) {ref:.1f} s, "
                    f"ratio {r['seconds'] / ref:.1f}x; load {_load()}"
                )
                if fmt == a.formats.split(",")[0]:
                    e = measure(["export", url, str(folder / f"out-{kind}.json")])
                    mib, secs = e["done"] / 2**20, e["seconds"]
                    print(
                        f"{kind:8} export json: {mib:.0f} MiB in {secs:.1f} s = "
                        f"{len(data) / secs:,.0f} values/s, peak {e['peak_mib']:.0f} MiB; "
                        f"load {_load()}"
                    )
                if handle is not None:
                    drop(handle)
                if ref_handle is not None:
                    drop(ref_handle)


if __name__ == "__main__":
    main()

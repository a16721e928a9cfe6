"""Every national dashboard section, the country's target status and the country's SRB of
2026, each timed in this process right after a write (cold: the write changed the data they
read), beside the same reads of another source tree (``--against``) as a ratio.

A round writes one value through the write path (a Ho Chi Minh City ward's boys, first births,
October 2026: it changes the country's data of 2026, which every read here depends on), commits,
then times one read; the reads take turns. With ``--against DIR`` every round is also run by
``DIR/src`` (a checkout of the code before a change) in a child process, on the same database,
taking turns with this process's rounds (each goes first every other round), so both see the
same load.

    PYTHONPATH=src .venv/bin/python bench/bench_cold_sections.py \\
        --url postgresql+psycopg://postgres@127.0.0.1:5432/NAME [--rounds 5] [--against DIR]
    PYTHONPATH=src .venv/bin/python bench/bench_cold_sections.py --url ... --profile signatures

``--profile READ`` prints the cProfile of one cold read instead (cumulative time, top 40).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

YEAR = 2025
#: The value each round writes (20 or 21 boys: a plausible month).
WRITE = {"element": "LIVE_BIRTHS", "unit": "25747", "period": "202610", "disaggregation": "M_O1"}
SECTIONS = ("scorecard", "trend", "signatures", "communes", "capacity", "reporting")
READS = (*SECTIONS, "targets/status", "SRB VN 2026")


def _read(name: str) -> Callable[[Session], Any]:
    """The in-process work behind one national read."""
    from chitieu.dashboard import View, build_section
    from chitieu.units.queries import get_unit

    if name in SECTIONS:
        return lambda db: build_section(db, View(get_unit(db, "VN"), YEAR), name)
    if name == "targets/status":
        from chitieu.api.routes.targets import _evaluations
        from chitieu.auth.users import Principal

        admin = Principal("admin", "admin", "VN", "VN")
        return lambda db: _evaluations(
            db, admin, plan=None, unit=None, indicator=None, year=None, with_series=False
        )

    def srb_2026(db: Session) -> Any:  # what /api/indicators/SRB?unit=VN&start=2026 computes
        from chitieu.indicators import indicator_series
        from chitieu.indicators.completeness import births_completeness

        return indicator_series(db, "SRB", "VN", [2026]), births_completeness(db, "VN", 2026)

    return srb_2026


def _write(engine: Any, value: int) -> None:
    """A changed value under :data:`WRITE`'s key (20 or 21, whichever is not stored)."""
    from sqlalchemy import select

    from chitieu.auth.users import Principal
    from chitieu.reporting.values import ValueKey, save_value
    from chitieu.store.db import transaction
    from chitieu.store.models import DataValue as Dv

    admin = Principal("admin", "admin", "VN", "VN")
    with transaction(engine) as db:
        stored = db.scalar(
            select(Dv.value).where(
                Dv.element_code == WRITE["element"],
                Dv.unit_code == WRITE["unit"],
                Dv.period == WRITE["period"],
                Dv.disaggregation == WRITE["disaggregation"],
            )
        )
        new = 21 if stored == 20 else 20
        _, what = save_value(db, admin, ValueKey(**WRITE), new, confirmed=True)
        assert what != "unchanged"


def time_round(url: str, names: list[str], start: int) -> dict[str, float]:
    """One cold read of each of ``names`` (ms), each right after its own write."""
    from chitieu.store.db import make_engine, transaction

    engine = make_engine(url)
    out = {}
    for i, name in enumerate(names):
        _write(engine, start + i)
        read = _read(name)
        t = time.perf_counter()
        with transaction(engine) as db:
            read(db)
        out[name] = (time.perf_counter() - t) * 1000
    engine.dispose()
    return out


def profile(url: str, name: str) -> None:
    from chitieu.store.db import make_engine, transaction

    engine = make_engine(url)
    with transaction(engine) as db:
        _read(name)(db)  # imports and the process's own warm-up
    _write(engine, int(time.time()))
    prof = cProfile.Profile()
    read = _read(name)
    with transaction(engine) as db:
        prof.enable()
        read(db)
        prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(40)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", help="a checkout whose src/ is the baseline")
    parser.add_argument("--profile", choices=READS)
    parser.add_argument("--only", nargs="*", choices=READS, help="these reads only")
    parser.add_argument("--round-json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = list(args.only or READS)
    if args.profile:
        profile(args.url, args.profile)
        return
    if args.round_json:  # a fresh process: a first round warms it up like ours
        time_round(args.url, names, args.start)
        print(json.dumps(time_round(args.url, names, args.start + len(names))))
        return
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average before: {loadavg()}")
    time_round(args.url, names, 0)  # warm-up: imports, catalogue, connections
    ours: dict[str, list[float]] = {n: [] for n in names}
    theirs: dict[str, list[float]] = {n: [] for n in names}
    written = int(time.time())

    def child_round(start: int) -> dict[str, float]:
        assert args.against
        env = {**os.environ, "PYTHONPATH": str(Path(args.against) / "src")}
        child = [sys.executable, __file__, "--url", args.url, "--round-json"]
        child += ["--start", str(start), "--only", *names]
        done = subprocess.run(child, env=env, check=True, capture_output=True, text=True)
        return json.loads(done.stdout)

    for r in range(args.rounds):
        # each takes the first turn every other round
        turns = ["ours", "theirs"] if r % 2 == 0 else ["theirs", "ours"]
        for turn in turns:
            if turn == "ours":
                for name, ms in time_round(args.url, names, written).items():
                    ours[name].append(ms)
                written += len(names)
            elif args.against:
                for name, ms in child_round(written).items():
                    theirs[name].append(ms)
                written += 2 * len(names)
    print(f"load average after: {loadavg()}\n")
    print(f"Cold right after a write, median of {args.rounds} rounds (ms):\n")
    if args.against:
        print("| read | before | after | before ÷ after |")
        print("| --- | --- | --- | --- |")
        for name in names:
            a, b = statistics.median(ours[name]), statistics.median(theirs[name])
            print(f"| {name} | {b:.0f} | {a:.0f} | {b / a:.1f}× |")
    else:
        print("| read | ms | min | max |")
        print("| --- | --- | --- | --- |")
        for name in names:
            xs = ours[name]
            print(f"| {name} | {statistics.median(xs):.0f} | {min(xs):.0f} | {max(xs):.0f} |")


if __name__ == "__main__":
    main()

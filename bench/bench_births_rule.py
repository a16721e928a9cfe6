"""Cost of the births source rule on an indicator read: the SRB of Hanoi (126 wards with birth
records 2012–2025 and monthly reports for 2025, the web tests' world) and of its wards, read
with the rule (each commune-month's report compared with its records) beside the same read
with the comparison switched off, in one process, alternating, on SQLite.

    PYTHONPATH=src .venv/bin/python bench/bench_births_rule.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "web"))

from webworld import PASSWORD, build_world  # noqa: E402

import chitieu.indicators.service as service  # noqa: E402
from chitieu.auth.passwords import hash_password  # noqa: E402
from chitieu.indicators import indicator_by_children, indicator_value  # noqa: E402
from chitieu.store.db import make_engine, session_factory  # noqa: E402
from chitieu.store.migrate import upgrade  # noqa: E402

YEARS = list(range(2012, 2026))


def _read(sessions) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with sessions() as db:
        indicator_value(db, "SRB", "01", YEARS)
        indicator_by_children(db, "SRB", "01", YEARS)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/w.db")
        upgrade(engine)
        build_world(engine, hash_password(PASSWORD))
        sessions = session_factory(engine)
        rule = service._months_reported
        with_rule, without = [], []
        _read(sessions)  # warm the caches once
        for _ in range(args.repeat):
            service._months_reported = rule
            with_rule.append(_read(sessions))
            service._months_reported = lambda *a, **k: None  # the comparison switched off
            without.append(_read(sessions))
        service._months_reported = rule
        a, b = statistics.median(with_rule), statistics.median(without)
        print(f"with the rule {a * 1000:.1f} ms, without {b * 1000:.1f} ms, ratio {a / b:.2f}")
        engine.dispose()


if __name__ == "__main__":
    main()

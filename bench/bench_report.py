"""Report generation time: the periodic report in PDF, XLSX and DOCX, beside a naive baseline.

chitieu builds the report's content once (``build_plan_report``: target evaluation, reporting,
enforcement, the excess ranking) and renders each format from it, so the three files carry the
same numbers. The naive baseline rebuilds the content for every format, as three independent
report generators would. Also timed: ``evaluate_targets`` for every loaded plan (the API's
``/api/targets/status``) and the excess ranking of Hanoi's communes.

    .venv/bin/python bench/bench_report.py [--db sqlite:////path/demo.db] [--scale 0.2]

Without ``--db`` a demo database is built in a temporary directory at ``--scale``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from chitieu.demo import build_demo
from chitieu.enforcement.ranking import excess_beside_inspections
from chitieu.reports import build_plan_report, render_report
from chitieu.store.db import make_engine, transaction
from chitieu.targets.service import evaluate_targets

PLAN, YEAR, FORMATS = "HN-SRB-2026-2030", 2026, ("pdf", "xlsx", "docx")


def _timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="SQLAlchemy URL of a demo database")
    parser.add_argument("--scale", type=float, default=0.2)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite:///{Path(tmp.name) / 'demo.db'}"
    engine = make_engine(url)
    if not args.db:
        build_demo(engine, scale=args.scale, progress=lambda _: None)
    as_of = date(2026, 11, 23)
    with transaction(engine) as db:
        # warm-up: imports, catalogue cache, font registration
        render_report(build_plan_report(db, PLAN, YEAR, as_of=as_of), "pdf")
        evals, t_eval = _timed(lambda: evaluate_targets(db, until_year=YEAR))
        _, t_rank = _timed(
            lambda: excess_beside_inspections(db, "01", until_year=2025, as_of=as_of)
        )
        content, t_build = _timed(lambda: build_plan_report(db, PLAN, YEAR, as_of=as_of))
        render_times = {}
        for fmt in FORMATS:
            _, render_times[fmt] = _timed(lambda f=fmt: render_report(content, f, "vi"))
        t_once = t_build + sum(render_times.values())
        start = time.perf_counter()
        for fmt in FORMATS:  # naive: every format computes its own figures
            render_report(build_plan_report(db, PLAN, YEAR, as_of=as_of), fmt, "vi")
        t_naive = time.perf_counter() - start
    engine.dispose()
    print(f"database: {url}")
    print(f"evaluate_targets, all plans ({len(evals)} targets): {t_eval:.2f} s")
    print(f"excess ranking beside inspections, Hanoi's communes: {t_rank:.2f} s")
    print(f"report content (build_plan_report): {t_build:.2f} s")
    for fmt, seconds in render_times.items():
        print(f"render {fmt}: {seconds:.2f} s")
    print(f"all three formats, content built once: {t_once:.2f} s")
    print(f"naive baseline, content rebuilt per format: {t_naive:.2f} s")
    print(f"ratio naive / chitieu: {t_naive / t_once:.2f}x")
    tmp.cleanup()


if __name__ == "__main__":
    main()

"""Demo build time and peak memory, beside a naive pure-Python birth generator.

Builds the whole demo (``chitieu.demo.build_demo``: bootstrap, 2.4 million Hanoi birth
records generated with NumPy and loaded through the birth importer, Hai Phong capacity, the
other provinces' communes' aggregate birth reports, national figures, inspections, activity
reports) into a fresh temporary SQLite file or PostgreSQL database (``--db``), in a child
process so that its peak resident memory (``VmHWM``, interpreter and libraries included) is the
build's alone. ``--records national`` builds birth records for the whole country instead
(``chitieu demo --records national``: about 11.5 million records at scale 1). Then, in this
process, times the vectorised generator alone against a naive per-birth Python loop
(``random``, one record at a time) that draws the same kind of record, and prints the ratio
of their rates.

    PYTHONPATH=src .venv/bin/python bench/bench_demo.py [--scale 1.0] [--baseline 100000]
        [--db sqlite|postgresql] [--records hanoi|national]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import PgDatabase, _cpu_seconds, peak_rss_mb


def _child(url: str, scale: float, records: str) -> None:
    from chitieu.demo import build_demo
    from chitieu.store.db import make_engine

    marks: list[tuple[float, str]] = []
    started = time.perf_counter()
    engine = make_engine(url)
    result = build_demo(
        engine,
        scale=scale,
        records=records,
        progress=lambda m: marks.append((time.perf_counter() - started, m)),
    )
    engine.dispose()
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "births": result.births,
                "data_values": result.data_values,
                "facilities": result.facilities,
                "inspections": result.inspections,
                "steps": marks,
                "peak_rss_mb": peak_rss_mb(),
                "cpu_seconds": _cpu_seconds(),
            }
        )
    )


def naive_births(n: int, seed: int = 1) -> list[tuple]:
    """``n`` birth records drawn one at a time in plain Python: commune, order, earlier boys,
    sex from a logistic son-preference rule, date, mother's year — the baseline."""
    from chitieu.demo.hanoi import hanoi_profile
    from chitieu.demo.mechanism import BETA, LOGIT_NATURAL

    rnd = random.Random(seed)
    profile = hanoi_profile(seed)
    codes = list(profile.communes.codes)
    weights = list(profile.birth_weights(2016))
    strength = list(profile.strength)
    cum = [sum(weights[: i + 1]) for i in range(len(weights))]
    out = []
    for k in range(n):
        c = rnd.choices(range(len(codes)), cum_weights=cum)[0]
        u = rnd.random()
        order = 1 if u < 0.50 else 2 if u < 0.925 else 3
        boys = 0 if order == 1 else rnd.randint(0, order - 1)
        stratum = 0 if order == 1 else (1 if boys else 2) if order == 2 else (3 if boys else 4)
        logit = LOGIT_NATURAL + 0.8 * strength[c] * BETA[stratum]
        sex = "M" if rnd.random() < 1 / (1 + math.exp(-logit)) else "F"
        day = dt.date(2016, 1, 1) + dt.timedelta(days=rnd.randrange(366))
        mother = 2016 - max(17, min(47, round(rnd.gauss(27 + 3 * order, 4.3))))
        out.append(
            (
                f"SYN-{codes[c]}-2016-{k:06d}",
                day,
                codes[c],
                sex,
                order,
                boys,
                order - 1 - boys,
                mother,
                None,
            )
        )
    return out


def vectorised_rate(scale: float) -> tuple[int, float]:
    from chitieu.demo import DEMO_SEED
    from chitieu.demo.births import iter_births
    from chitieu.demo.hanoi import hanoi_profile

    profile = hanoi_profile(DEMO_SEED)
    started = time.perf_counter()
    n = sum(t.num_rows for t in iter_births(profile, seed=DEMO_SEED, scale=scale))
    return n, time.perf_counter() - started


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB RAM, {cpu}; {dt.date.today().isoformat()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--baseline", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--records", choices=["hanoi", "national"], default="hanoi")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.scale, args.records)
        return

    print(f"machine: {machine()}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="chitieu-bench-demo-") as tmp:
        with PgDatabase() if args.db == "postgresql" else nullcontext(None) as pg_url:
            url = pg_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    url,
                    "--scale",
                    str(args.scale),
                    "--records",
                    args.records,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
        build = json.loads(out.stdout.strip().splitlines()[-1])
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20
    size = f"; database {size_mb:.0f} MB" if args.db == "sqlite" else ""
    print(
        f"demo build ({args.db}, records {args.records}): {build['seconds']:.1f} s "
        f"(CPU {build['cpu_seconds']:.1f} s), peak RSS {build['peak_rss_mb']:.0f} MB, "
        f"{build['births']:,} births, {build['data_values']:,} data values, "
        f"{build['facilities']} facilities, {build['inspections']} inspections{size}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    steps = build["steps"] + [[build["seconds"], "end"]]
    for (t0, label), (t1, _) in itertools.pairwise(steps):
        print(f"  {t1 - t0:6.1f} s  {label}")

    n_vec, t_vec = vectorised_rate(args.scale)
    started = time.perf_counter()
    naive_births(args.baseline)
    t_naive = time.perf_counter() - started
    rate_vec, rate_naive = n_vec / t_vec, args.baseline / t_naive
    print(
        f"generation: vectorised {n_vec:,} records in {t_vec:.1f} s ({rate_vec:,.0f}/s); "
        f"naive loop {args.baseline:,} in {t_naive:.1f} s ({rate_naive:,.0f}/s); "
        f"ratio {rate_vec / rate_naive:.0f}x"
    )
    print(
        f"naive loop at the demo's size would take {n_vec / rate_naive:.0f} s to generate alone; "
        f"the whole vectorised build took {build['seconds']:.0f} s"
    )


if __name__ == "__main__":
    main()

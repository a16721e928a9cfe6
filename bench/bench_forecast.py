"""Benchmark of the national SRB fit (issue 10): smoothing, excess and projection together.

Each pipeline runs in its own child process (wall time and peak resident memory from
``getrusage(RUSAGE_CHILDREN)``), on the same simulated country (3,321 communes × 15 years in
34 provinces):

- ``new``: :func:`smooth_srb` (hierarchical smoother, robust refit, change model for
  ``p_excess``) then :func:`project_srb` (damped trend on the province levels, transition
  scenario) to 6 years past the data;
- ``old``: the previous pipeline in the same code — the smoother and robust refit (the excess
  z) with the dense T×T algebra (``dense=True``) and without the change model, and each province
  level projected by a straight line with noise (:func:`chitieu.stats.trend.fit_linear_trend`)
  — the baseline for the ratio.

With ``--estimate-years 15 60`` it also times ``chitieu srb estimate`` on files of those lengths.
With ``--calibration 0 1 2 3 4`` it scores the default projection on the transition simulator
(:func:`chitieu.stats.simulate.simulate_transition`, 12 provinces × 40 communes, origin 2024,
truth to 2030) for those seeds: 95 % coverage at horizons 1–6, mean bias at 6 years, Brier of
P(≤ 109 in 2030), per stage, pooled over the seeds and per seed.

Usage: ``.venv/bin/python bench/bench_forecast.py [--units 3321] [--years 15]
[--estimate-years 15 60] [--calibration 0 1 2 3 4]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
from chitieu.stats import simulate_srb
units, years, which = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sim = simulate_srb(units, years, 34, births=(20, 20_000), seed=1)
c = sim.long()
began = time.perf_counter()
if which == "new":
    from chitieu.stats import project_srb, smooth_srb
    res = smooth_srb(c["unit"], c["year"], c["male"], c["female"], c["parent"])
    project_srb(res.fit, int(sim.years[-1]) + 6, 109.0)
else:
    from chitieu.stats.excess import excess_z
    from chitieu.stats.smoothing import build_grid
    from chitieu.stats.srb_model import Panel, fit_model
    from chitieu.stats.trend import fit_linear_trend
    _, yrs, region, gm, gf, _ = build_grid(
        c["unit"], c["year"], c["male"], c["female"], c["parent"]
    )
    names, region_of = np.unique(region.astype(str), return_inverse=True)
    panel = Panel(gm, gf, region_of, len(names))
    with threadpool_limits(limits=1, user_api="blas"):
        model = fit_model(panel, dense=True)
        excess_z(panel, model, dense=True)
    future = np.arange(yrs[-1] + 1, yrs[-1] + 7)
    for r in range(len(names)):
        fit_linear_trend(yrs, model.level[r], model.level_cov[r]).mean(future)
print(json.dumps({"seconds": time.perf_counter() - began}))
"""


def run_child(args: list[str]) -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    began = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    out = json.loads(done.stdout.strip().splitlines()[-1]) if "{" in done.stdout else {}
    # ru_maxrss of children is the largest child so far: run the smaller job first.
    return {"wall_s": wall, "cpu_s": cpu, "peak_mib": max(usage.ru_maxrss, before) / 1024, **out}


def estimate_cli(units: int, years: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "srb.csv"
        subprocess.run(
            [sys.executable, "-c", WRITE_CSV, str(units), str(years), str(path)], check=True
        )
        chitieu = Path(sys.executable).with_name("chitieu")
        return run_child([str(chitieu), "srb", "estimate", str(path), "--format", "csv"])


WRITE_CSV = r"""
import sys
from chitieu.stats import simulate_srb
units, years, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = simulate_srb(units, years, 34, births=(20, 20_000), seed=1).long()
with open(path, "w", encoding="utf-8") as out:
    out.write("unit,year,male,female,parent\n")
    for row in zip(*(c[k] for k in ("unit", "year", "male", "female", "parent")), strict=True):
        out.write(",".join(str(v) for v in row) + "\n")
"""


def calibration(seeds: list[int]) -> None:
    import numpy as np

    from chitieu.stats import project_srb, smooth_srb
    from chitieu.stats.simulate import simulate_transition

    for stage in ("rising", "turning", "declined", "mixed"):
        covers, biases, briers = [], [], []
        for seed in seeds:
            sim = simulate_transition(stage, seed=seed)  # type: ignore[arg-type]
            c = sim.long(2024)
            res = smooth_srb(c["unit"], c["year"], c["male"], c["female"], c["parent"])
            pr = project_srb(res.fit, 2030, 109.0)
            truth = sim.srb[:, -6:]
            lo, hi = np.array([p.lower for p in pr]), np.array([p.upper for p in pr])
            covers.append(((lo <= truth) & (truth <= hi)).mean(axis=0))
            biases.append((np.array([p.est for p in pr]) - truth)[:, -1].mean())
            prob = np.array([p.prob_target_met for p in pr])
            briers.append(((prob - (truth[:, -1] <= 109)) ** 2).mean())
        cover = np.array(covers)
        print(
            f"{stage:9s} coverage h1-6 {' '.join(f'{x:.2f}' for x in cover.mean(axis=0))} "
            f"(per seed {cover.min():.2f}-{cover.max():.2f}); bias at 6 y {np.mean(biases):+.2f} "
            f"(per seed {' '.join(f'{b:+.2f}' for b in biases)}); Brier {np.mean(briers):.3f} "
            f"(per seed {' '.join(f'{b:.3f}' for b in briers)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--years", type=int, default=15)
    parser.add_argument("--estimate-years", type=int, nargs="*", default=[])
    parser.add_argument("--calibration", type=int, nargs="*", default=None)
    args = parser.parse_args()
    print(f"nproc {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    if args.calibration is not None:
        calibration(args.calibration or [0, 1, 2, 3, 4])
        return
    py = sys.executable
    old = run_child([py, "-c", CHILD, str(args.units), str(args.years), "old"])
    new = run_child([py, "-c", CHILD, str(args.units), str(args.years), "new"])
    print(
        f"{args.units} units × {args.years} years, smoothing + excess + projection: "
        f"new {new['seconds']:.2f} s (child wall {new['wall_s']:.2f} s, CPU {new['cpu_s']:.2f} s, "
        f"peak ≤ {new['peak_mib']:.0f} MiB); old {old['seconds']:.2f} s (wall "
        f"{old['wall_s']:.2f} s, CPU {old['cpu_s']:.2f} s, peak {old['peak_mib']:.0f} MiB); "
        f"new/old {new['seconds'] / old['seconds']:.2f}"
    )
    for years in sorted(args.estimate_years):
        est = estimate_cli(args.units, years)
        print(
            f"chitieu srb estimate {args.units} units × {years} years: {est['wall_s']:.2f} s "
            f"wall, peak ≤ {est['peak_mib']:.0f} MiB"
        )


if __name__ == "__main__":
    main()

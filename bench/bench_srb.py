"""Benchmark of the SRB engine (issue 3).

1. ``chitieu srb estimate`` on a simulated CSV of 3,321 units × 15 years (34 regions), run as a
   child process: wall time and peak resident memory (``getrusage(RUSAGE_CHILDREN)``).
2. On a subset, the fast fit beside the full-MCMC reference (NumPyro NUTS, hyperparameters
   sampled too) in this process: times as a ratio, and how far apart the posterior means are for
   unit-years with 1,000+ births. Also an MCMC with the hyperparameters fixed at the fast fit's
   estimates (what the fast fit approximates given them).

Usage: ``.venv/bin/python bench/bench_srb.py [--units 3321] [--years 15] [--mcmc-units 40]``
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from chitieu.stats import simulate_srb, smooth_srb
from chitieu.stats.mcmc_reference import fit_mcmc


def write_csv(path: Path, n_units: int, n_years: int, seed: int) -> int:
    sim = simulate_srb(n_units, n_years, 34, births=(20, 20_000), seed=seed)
    cols = sim.long()
    with path.open("w", encoding="utf-8") as out:
        out.write("unit,year,male,female,parent\n")
        for row in zip(
            *(cols[k] for k in ("unit", "year", "male", "female", "parent")), strict=True
        ):
            out.write(",".join(str(v) for v in row) + "\n")
    return len(cols["unit"])


def bench_cli(n_units: int, n_years: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "srb.csv"
        rows = write_csv(csv_path, n_units, n_years, seed=1)
        chitieu = Path(sys.executable).with_name("chitieu")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(
            [str(chitieu), "srb", "estimate", str(csv_path), "--format", "json"],
            capture_output=True,
            check=True,
        )
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        peak_kib = after.ru_maxrss
        began = time.perf_counter()
        subprocess.run([str(chitieu), "--help"], capture_output=True, check=True)
        startup = time.perf_counter() - began
    return {
        "rows": rows,
        "wall_s": wall,
        "cpu_s": cpu,
        "startup_s": startup,
        "peak_rss_mib": peak_kib / 1024,
        "output_mib": len(done.stdout) / 2**20,
    }


def bench_mcmc(n_units: int, n_years: int) -> dict[str, float]:
    sim = simulate_srb(n_units, n_years, 2, births=(200, 5000), seed=4)
    cols = sim.long()
    began = time.perf_counter()
    fit = smooth_srb(**cols).fit
    fast = time.perf_counter() - began
    out: dict[str, float] = {"unit_years": n_units * n_years, "fast_s": fast}
    est = 100 * np.exp(fit.model.theta)
    sd = np.sqrt(fit.model.theta_var)
    width = 100 * (np.exp(fit.model.theta + 1.96 * sd) - np.exp(fit.model.theta - 1.96 * sd))
    big = (fit.male + fit.female) >= 1000
    for name, eta in (("full", None), ("fixed", fit.model.eta)):
        mc = fit_mcmc(fit.male, fit.female, fit.region_of, warmup=500, samples=1000, eta=eta)
        lo, hi = mc.srb_interval()
        diff = np.abs(est - mc.srb_mean)
        out[f"mcmc_{name}_s"] = mc.seconds
        out[f"mcmc_{name}_max_diff_1000plus"] = float(diff[big].max())
        out[f"mcmc_{name}_share_within_1pt_1000plus"] = float(np.mean(diff[big] <= 1.0))
        out[f"mcmc_{name}_mean_abs_diff"] = float(diff.mean())
        out[f"mcmc_{name}_width_ratio_median"] = float(np.median(width / (hi - lo)))
    out["ratio_full"] = out["mcmc_full_s"] / fast
    return out


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    models = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")]
    cpu = models[0] if models else platform.processor()
    mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()[1]
    return f"nproc {os.cpu_count()}; {cpu}; {' '.join(mem.split()[:2])} total"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--years", type=int, default=15)
    parser.add_argument("--mcmc-units", type=int, default=40)
    parser.add_argument("--skip-mcmc", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    cli = bench_cli(args.units, args.years)
    print(
        f"chitieu srb estimate, {args.units} units × {args.years} years ({cli['rows']} rows): "
        f"{cli['wall_s']:.2f} s wall, {cli['cpu_s']:.2f} s CPU (CLI start-up alone "
        f"{cli['startup_s']:.2f} s wall), "
        f"peak RSS {cli['peak_rss_mib']:.0f} MiB, JSON {cli['output_mib']:.1f} MiB"
    )
    if args.skip_mcmc:
        return
    mc = bench_mcmc(args.mcmc_units, args.years)
    print(
        f"subset {args.mcmc_units} units × {args.years} years: fast fit {mc['fast_s']:.3f} s; "
        f"MCMC (NUTS 500+1000, hyperparameters sampled) {mc['mcmc_full_s']:.1f} s: "
        f"{mc['ratio_full']:.0f}× slower"
    )
    for name in ("full", "fixed"):
        print(
            f"  vs MCMC ({name} hyperparameters): max |Δ mean| for 1,000+ births "
            f"{mc[f'mcmc_{name}_max_diff_1000plus']:.2f} SRB points "
            f"({100 * mc[f'mcmc_{name}_share_within_1pt_1000plus']:.0f} % within 1 point), "
            f"mean |Δ| {mc[f'mcmc_{name}_mean_abs_diff']:.2f}, median interval width ratio "
            f"{mc[f'mcmc_{name}_width_ratio_median']:.3f}"
        )


if __name__ == "__main__":
    main()

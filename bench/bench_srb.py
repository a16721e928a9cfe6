"""Benchmark of the SRB engine (issues 3 and 13).

1. ``chitieu srb estimate`` on a simulated CSV of 3,321 units × 15 years (34 regions), run as a
   child process: wall time and peak resident memory (``getrusage(RUSAGE_CHILDREN)``).
2. On a subset, the fast fit beside the full-MCMC reference (NumPyro NUTS, hyperparameters
   sampled too) in this process: times as a ratio, and how far apart the posterior means are for
   unit-years with 1,000+ births. Also an MCMC with the hyperparameters fixed at the fast fit's
   estimates (what the fast fit approximates given them).

3. ``--scaling 15 30 60``: growth in years at ``--units`` units. In this process, for each length,
   :func:`smooth_srb` (what ``srb estimate`` fits) with the banded algebra, linear in years,
   beside ``dense=True``, the dense T×T reference it replaced (the naive baseline): time and
   peak traced memory (``tracemalloc``) of each, and the ratios to the shortest length; then
   ``chitieu srb estimate`` on a CSV of each length as a child process (wall time, the child's
   own peak RSS, ``VmHWM``). ``--skip-dense`` leaves the baseline out.

Usage: ``.venv/bin/python bench/bench_srb.py [--units 3321] [--years 15] [--mcmc-units 40]
[--skip-mcmc] [--scaling 15 30 60 [--skip-dense]]``
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
import tracemalloc
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


def bench_fit(n_units: int, n_years: int, dense: bool) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak traced MiB of :func:`smooth_srb` on the simulated
    country. CPU time is the steadier figure on a shared machine."""
    cols = simulate_srb(n_units, n_years, 34, births=(20, 20_000), seed=1).long()
    tracemalloc.start()
    began, cpu = time.perf_counter(), time.process_time()
    smooth_srb(**cols, dense=dense)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, cpu, peak


# The child reports its own high-water mark from /proc (getrusage's ru_maxrss would carry this
# process's peak across the exec).
RUN_CLI = """
import sys
from chitieu.cli import main
sys.argv = ["chitieu", "srb", "estimate", sys.argv[1], "--format", "json"]
try:
    main()
except SystemExit:
    pass
finally:
    import resource
    with open("/proc/self/status") as status:
        hwm = [ln.split()[1] for ln in status if ln.startswith("VmHWM:")][0]
    use = resource.getrusage(resource.RUSAGE_SELF)
    print(hwm, use.ru_utime + use.ru_stime, file=sys.stderr)
"""


def bench_cli_child(n_units: int, n_years: int) -> tuple[float, float, float]:
    """Wall seconds, the child's CPU seconds and its own peak RSS (MiB) of ``chitieu srb
    estimate``."""
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "srb.csv"
        write_csv(csv_path, n_units, n_years, seed=1)
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", RUN_CLI, str(csv_path)], capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        wall = time.perf_counter() - began
    hwm, cpu = done.stderr.strip().splitlines()[-1].split()
    return wall, float(cpu), int(hwm) / 1024


def bench_scaling(n_units: int, lengths: list[int], with_dense: bool) -> None:
    lengths = sorted(lengths)
    fits = {}
    for years in lengths:
        fits[years] = {"banded": bench_fit(n_units, years, dense=False)}
        if with_dense:
            fits[years]["dense"] = bench_fit(n_units, years, dense=True)
        row = "; ".join(
            f"{name} {sec:.2f} s wall, {cpu:.2f} s CPU, peak {mib:.0f} MiB"
            for name, (sec, cpu, mib) in fits[years].items()
        )
        ratio = ""
        if with_dense:
            ratio = f"; dense/banded CPU {fits[years]['dense'][1] / fits[years]['banded'][1]:.1f}×"
        print(f"smooth_srb {n_units} units × {years} years: {row}{ratio}", flush=True)
    first = lengths[0]
    for years in lengths[1:]:
        growth = "; ".join(
            f"{name} {fits[years][name][0] / fits[first][name][0]:.1f}× wall, "
            f"{fits[years][name][1] / fits[first][name][1]:.1f}× CPU, "
            f"{fits[years][name][2] / fits[first][name][2]:.1f}× memory"
            for name in fits[years]
        )
        print(f"  {years}/{first} years: {growth}")
    cli = {years: bench_cli_child(n_units, years) for years in lengths}
    for years in lengths:
        wall, cpu, rss = cli[years]
        print(
            f"chitieu srb estimate {n_units} × {years} years (child): {wall:.2f} s wall, "
            f"{cpu:.2f} s CPU, peak RSS {rss:.0f} MiB; {wall / cli[first][0]:.2f}× the "
            f"{first}-year wall, {cpu / cli[first][1]:.2f}× its CPU"
        )


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
    parser.add_argument("--scaling", type=int, nargs="*", default=[])
    parser.add_argument("--skip-dense", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    if args.scaling:
        bench_scaling(args.units, args.scaling, not args.skip_dense)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        return
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

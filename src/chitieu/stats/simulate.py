"""Simulated birth counts with a known true SRB, for tests, benchmarks and demos.

The truth follows the shape of the smoothing model but is not bound to it: regions have their
own level, trend and unit spread, deviations are AR(1) or a random walk, and some units acquire
an excess (sex selection) that starts part-way through the series and stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np


@dataclass(frozen=True, slots=True)
class SimulatedSrb:
    """(units × years) arrays; ``log_srb`` is the truth, log(SRB/100)."""

    units: np.ndarray
    years: np.ndarray
    parent: np.ndarray
    male: np.ndarray
    female: np.ndarray
    log_srb: np.ndarray
    excess: np.ndarray  # (U, T) bool: the unit-year carries an excess
    excess_unit: np.ndarray  # (U,) bool: the unit has an excess at some point

    @property
    def srb(self) -> np.ndarray:
        srb: np.ndarray = 100.0 * np.exp(self.log_srb)
        return srb

    def long(self, last_year: int | None = None) -> dict[str, np.ndarray]:
        """Long-format columns ``unit, year, male, female, parent`` (rows unit-major)."""
        keep = self.years <= (last_year if last_year is not None else self.years[-1])
        u, t = self.male[:, keep].shape
        return {
            "unit": np.repeat(self.units, t),
            "year": np.tile(self.years[keep], u),
            "male": self.male[:, keep].ravel(),
            "female": self.female[:, keep].ravel(),
            "parent": np.repeat(self.parent, t),
        }


def simulate_srb(
    n_units: int = 300,
    n_years: int = 15,
    n_regions: int = 5,
    *,
    births: tuple[int, int] = (20, 20_000),
    deviation: Literal["ar1", "rw"] = "ar1",
    phi: float = 0.7,
    deviation_sd: float = 0.02,
    unit_sd: tuple[float, float] = (0.01, 0.03),
    excess_share: float = 0.1,
    excess_size: tuple[float, float] = (0.06, 0.15),
    first_year: int = 2010,
    seed: int = 0,
) -> SimulatedSrb:
    """Counts for ``n_units`` units over ``n_years``.

    Births per unit-year are log-uniform in ``births`` (each unit keeps its size, ±10 % a year).
    Region levels are SRB 105–115 with a trend of −0.3 to +0.3 points a year; unit effects have
    a region-specific SD drawn from ``unit_sd``; deviations are AR(1) with stationary SD
    ``deviation_sd`` or a random walk with that step SD. ``excess_share`` of units get a log
    excess drawn from ``excess_size`` from a start year in the middle third of the series on.
    """
    rng = np.random.default_rng(seed)
    u, t = n_units, n_years
    years = np.arange(first_year, first_year + t)
    region = rng.integers(0, n_regions, size=u)
    region[:n_regions] = np.arange(n_regions)
    base = np.log(rng.uniform(1.05, 1.15, size=n_regions))
    trend = rng.uniform(-0.003, 0.003, size=n_regions)
    spread = rng.uniform(*unit_sd, size=n_regions)
    level = base[:, None] + trend[:, None] * np.arange(t)
    effect = rng.normal(0, 1, size=u) * spread[region]
    shocks = rng.normal(0, deviation_sd, size=(u, t))
    dev = np.empty((u, t))
    if deviation == "rw":
        dev = np.cumsum(shocks, axis=1)
        dev -= dev.mean(axis=1, keepdims=True)
    else:
        dev[:, 0] = shocks[:, 0]
        innov = np.sqrt(1 - phi**2)
        for j in range(1, t):
            dev[:, j] = phi * dev[:, j - 1] + innov * shocks[:, j]
    excess_unit = rng.random(u) < excess_share
    start = rng.integers(t // 3, 2 * t // 3 + 1, size=u)
    size = rng.uniform(*excess_size, size=u)
    excess = excess_unit[:, None] & (np.arange(t)[None, :] >= start[:, None])
    log_srb = level[region] + effect[:, None] + dev + excess * size[:, None]
    scale = np.exp(rng.uniform(np.log(births[0]), np.log(births[1]), size=u))
    n = np.maximum(1, np.round(scale[:, None] * rng.uniform(0.9, 1.1, size=(u, t)))).astype(int)
    p = 1 / (1 + np.exp(-log_srb))
    male = rng.binomial(n, p)
    units = np.array([f"{i:05d}" for i in range(u)])
    parents = np.array([f"R{k}" for k in range(n_regions)])[region]
    return SimulatedSrb(units, years, parents, male, n - male, log_srb, excess, excess_unit)


#: Where the regions of :func:`simulate_transition` stand at the forecast origin.
TransitionStage = Literal["rising", "turning", "declined", "mixed"]


def simulate_transition(
    stage: TransitionStage,
    n_regions: int = 12,
    units_per_region: int = 40,
    *,
    first_year: int = 2010,
    origin: int = 2024,
    horizon: int = 6,
    births: tuple[int, int] = (150, 6_000),
    unit_sd: float = 0.02,
    deviation_sd: float = 0.015,
    phi: float = 0.6,
    shock_sd: float = 0.003,
    seed: int = 0,
) -> SimulatedSrb:
    """Regions going through the sex-ratio transition (rise, plateau, decline towards 106.3,
    the trapezoid of Chao et al. 2019), observed ``first_year``..``origin`` and simulated
    ``horizon`` years further (the truth to forecast). Each region's imbalance over the natural
    level rises linearly to a peak of 3–7 % (log scale) over 8–15 years, stays 2–6 years and
    declines at 0.2–1 point a year; its timing puts the region, at ``origin``:

    - ``"rising"``: still rising (the peak 2–8 years after the origin);
    - ``"turning"``: the decline started 0–4 years before the origin (just past the plateau);
    - ``"declined"``: declining since 6–12 years before the origin;
    - ``"mixed"``: the decline starts 8 years before to 2 years after the origin (some
      regions turn within the forecast, which no data can show beforehand).

    Region-years get a small non-persistent shock (``shock_sd``); units a permanent effect and
    an AR(1) deviation; births per unit-year are log-uniform in ``births``. No excess units."""
    rng = np.random.default_rng(seed)
    years = np.arange(first_year, origin + horizon + 1)
    t = len(years)
    base = np.log(1.063)
    peak = rng.uniform(0.03, 0.07, n_regions)
    rise = rng.uniform(8, 15, n_regions)
    plateau = rng.uniform(2, 6, n_regions)
    fall = rng.uniform(0.002, 0.01, n_regions)  # log points a year ≈ SRB points / 100
    if stage == "rising":
        peak_year = origin + rng.uniform(2, 8, n_regions)
        decline_start = peak_year + plateau
    elif stage == "turning":
        decline_start = origin - rng.uniform(0, 4, n_regions)
        peak_year = decline_start - plateau
    elif stage == "mixed":
        decline_start = origin + rng.uniform(-8, 2, n_regions)
        peak_year = decline_start - plateau
    else:
        decline_start = origin - rng.uniform(6, 12, n_regions)
        peak_year = decline_start - plateau
    yr = years[None, :].astype(float)
    up = np.clip((yr - (peak_year - rise)[:, None]) / rise[:, None], 0, 1) * peak[:, None]
    down = np.clip(yr - decline_start[:, None], 0, None) * fall[:, None]
    imbalance = np.where(yr >= decline_start[:, None], np.maximum(peak[:, None] - down, 0), up)
    level = base + imbalance + rng.normal(0, shock_sd, (n_regions, t))
    u = n_regions * units_per_region
    region = np.repeat(np.arange(n_regions), units_per_region)
    effect = rng.normal(0, unit_sd, u)
    dev = np.empty((u, t))
    dev[:, 0] = rng.normal(0, deviation_sd, u)
    innov = deviation_sd * np.sqrt(1 - phi**2)
    for j in range(1, t):
        dev[:, j] = phi * dev[:, j - 1] + rng.normal(0, innov, u)
    log_srb = level[region] + effect[:, None] + dev
    scale = np.exp(rng.uniform(np.log(births[0]), np.log(births[1]), u))
    n = np.maximum(1, np.round(scale[:, None] * rng.uniform(0.9, 1.1, (u, t)))).astype(int)
    male = rng.binomial(n, 1 / (1 + np.exp(-log_srb)))
    units = np.array([f"{i:05d}" for i in range(u)])
    parents = np.array([f"R{k:02d}" for k in range(n_regions)])[region]
    none = np.zeros((u, t), bool)
    return SimulatedSrb(units, years, parents, male, n - male, log_srb, none, none[:, 0].copy())

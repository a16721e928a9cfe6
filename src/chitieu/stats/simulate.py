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
        return 100.0 * np.exp(self.log_srb)

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

"""Smoothed SRB for every unit and year, with calibrated intervals and the excess z-score.

``smooth_srb`` takes long-format counts (one row per unit and year), fits the hierarchical
model of :mod:`chitieu.stats.srb_model` to all units at once, and returns, row for row, the raw
SRB with its interval, the smoothed SRB with its interval, and the excess ``z`` with its flag.
The fitted state (:class:`SrbFit`) feeds :func:`chitieu.stats.projection.project_srb`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtri
from threadpoolctl import threadpool_limits

from chitieu.stats.change import FLAG_P, ChangeFit, fit_change
from chitieu.stats.excess import excess_z
from chitieu.stats.intervals import srb_interval
from chitieu.stats.srb_model import ModelFit, Panel, fit_model, hyper_values
from chitieu.stats.statespace import DEFAULT_HYPER, Hyper, kalman_smoother

#: Regions with fewer units than this are pooled together: a level needs several units.
MIN_REGION_UNITS = 5
#: Name of the pooled region (regions too small to stand alone, or no ``parent`` given).
POOLED_REGION = ""


@dataclass(frozen=True, slots=True)
class SrbFit:
    """The fitted model on the unit × year grid (``years`` consecutive)."""

    units: np.ndarray  # (U,) unit codes
    years: np.ndarray  # (T,)
    regions: np.ndarray  # (R,) region names as used in the fit
    region_of: np.ndarray  # (U,)
    male: np.ndarray  # (U, T)
    female: np.ndarray  # (U, T)
    last_observed: np.ndarray  # (U,) index into ``years`` of each unit's last year with births
    model: ModelFit
    z: np.ndarray  # (U, T) excess z-score
    flag_z: float  # |z| above this is flagged

    @property
    def hyperparameters(self) -> dict[str, np.ndarray]:
        """Per region: ``unit_sd`` (σ_b), ``deviation_sd`` (s_d) on the log scale, ``phi``."""
        sb, sd, phi = hyper_values(self.model.eta)
        return {"unit_sd": sb, "deviation_sd": sd, "phi": phi}

    def unit_index(self, code: str) -> int:
        hit = np.flatnonzero(self.units == code)
        if hit.size == 0:
            raise KeyError(code)
        return int(hit[0])


@dataclass(frozen=True, slots=True)
class SrbSmooth:
    """Row-aligned results (same order as the input rows). SRBs are per 100 girls.

    ``srb*``: raw SRB and interval (Wilson); ``est*``: smoothed SRB and interval; ``z``: excess
    over what the region's spread explains, pooled over years; ``flag``: ``"high"``, ``"low"`` or
    ``None`` (|z| beyond the ``flag_level`` two-sided limit)."""

    unit: np.ndarray
    year: np.ndarray
    male: np.ndarray
    female: np.ndarray
    srb: np.ndarray
    srb_lower: np.ndarray
    srb_upper: np.ndarray
    est: np.ndarray
    est_lower: np.ndarray
    est_upper: np.ndarray
    z: np.ndarray
    flag: np.ndarray  # object array of "high" / "low" / None
    level: float
    fit: SrbFit
    p_excess: np.ndarray
    onset: np.ndarray  # object array: year or None
    excess: np.ndarray
    excess_lower: np.ndarray
    excess_upper: np.ndarray
    change: ChangeFit


def _regions(parent: np.ndarray | None, unit_idx: np.ndarray, n_units: int) -> np.ndarray:
    """Each unit's region name, pooling regions with too few units."""
    if parent is None:
        return np.full(n_units, POOLED_REGION, dtype=object)
    region = np.empty(n_units, dtype=object)
    region[unit_idx] = parent.astype(str)
    names, counts = np.unique(region.astype(str), return_counts=True)
    small = set(names[counts < MIN_REGION_UNITS])
    if small:
        region = np.array([POOLED_REGION if r in small else r for r in region], dtype=object)
    return region


def build_grid(
    unit: ArrayLike,
    year: ArrayLike,
    male: ArrayLike,
    female: ArrayLike,
    parent: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Long rows → (units, years, region name per unit, M, F grids, row → (u, t) index)."""
    unit = np.asarray(unit).astype(str)
    year = np.asarray(year).astype(int)
    m = np.asarray(male, dtype=float)
    f = np.asarray(female, dtype=float)
    if not (len(unit) == len(year) == len(m) == len(f)) or len(unit) == 0:
        raise ValueError("unit, year, male and female must be equally long and not empty")
    if np.any(m < 0) or np.any(f < 0):
        raise ValueError("birth counts must not be negative")
    units, ui = np.unique(unit, return_inverse=True)
    years = np.arange(year.min(), year.max() + 1)
    ti = year - years[0]
    cell = ui * len(years) + ti
    if len(np.unique(cell)) != len(cell):
        raise ValueError("a unit appears twice in the same year")
    grid_m = np.zeros((len(units), len(years)))
    grid_f = np.zeros_like(grid_m)
    grid_m[ui, ti] = m
    grid_f[ui, ti] = f
    par = None if parent is None else np.asarray(parent).astype(str)
    region = _regions(par, ui, len(units))
    return units, years, region, grid_m, grid_f, np.column_stack([ui, ti])


def _with_lone_levels(
    model: ModelFit, male: np.ndarray, female: np.ndarray, region_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed log SRB and its variance per unit and year. Units whose region has fewer than
    :data:`MIN_REGION_UNITS` units cannot tell their level from their deviation (the smoother's
    hyperparameters stay near their starting values there): they get the damped trend's level
    on their own counts instead, with its documented defaults — the model their projection
    continues (:func:`chitieu.stats.projection.project_srb`)."""
    theta, var = model.theta.copy(), model.theta_var.copy()
    lone = np.bincount(region_of)[region_of] < MIN_REGION_UNITS
    if not lone.any():
        return theta, var
    m, f = male[lone], female[lone]
    n = m + f
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(n > 0, np.log((m + 0.5) / (f + 0.5)), np.nan)
        p = np.where(n > 0, (m + 0.5) / (n + 1.0), 0.5)
        v = np.where(n > 0, 1.0 / (n * p * (1 - p)), np.inf)
    theta[lone], var[lone] = kalman_smoother(y, v, Hyper(*DEFAULT_HYPER))
    return theta, var


def smooth_srb(
    unit: ArrayLike,
    year: ArrayLike,
    male: ArrayLike,
    female: ArrayLike,
    parent: ArrayLike | None = None,
    *,
    level: float = 0.95,
    flag_level: float = 0.998,
    dense: bool = False,
) -> SrbSmooth:
    """Smooth the SRB of every unit and year at once (see :mod:`chitieu.stats.srb_model`).

    Rows are (unit, year, boys, girls[, parent = region used for pooling]); years of a unit may
    have gaps (the grid fills them from the model). Intervals are two-sided at ``level``;
    ``flag`` marks |z| beyond the two-sided ``flag_level`` limit (3.09 for 0.998, the outer
    funnel limit of Spiegelhalter 2005). Raises ``ValueError`` on negative counts or a
    duplicated unit-year. ``dense=True`` fits with the dense T×T reference algebra (slow:
    cubic in years; for tests and benchmarks), otherwise the banded one (linear in years)."""
    units, years, region, gm, gf, idx = build_grid(unit, year, male, female, parent)
    regions, region_of = np.unique(region.astype(str), return_inverse=True)
    panel = Panel(gm, gf, region_of, len(regions))
    # Thousands of small matrix operations: a multithreaded BLAS only adds overhead to each
    # (measured 3× slower on 2 cores), so the fit runs single-threaded.
    with threadpool_limits(limits=1, user_api="blas"):
        model = fit_model(panel, dense=dense)
        z, null = excess_z(panel, model, dense=dense)
        sb, sd, phi = hyper_values(null.eta)
        ri = region_of
        change = fit_change(
            gm, gf, null.level[ri], sb[ri], sd[ri], phi[ri], region_of=ri, level_ci=level
        )
    flag_z = float(ndtri(0.5 + flag_level / 2))
    births = gm + gf
    observed = births > 0
    last = np.where(observed.any(axis=1), len(years) - 1 - np.argmax(observed[:, ::-1], axis=1), -1)
    fit = SrbFit(units, years, regions, region_of, gm, gf, last, model, z, flag_z)

    ui, ti = idx[:, 0], idx[:, 1]
    raw = srb_interval(gm[ui, ti], gf[ui, ti], level=level)
    q = float(ndtri(0.5 + level / 2))
    theta_grid, var_grid = _with_lone_levels(model, gm, gf, region_of)
    theta = theta_grid[ui, ti]
    sd = np.sqrt(var_grid[ui, ti])
    zz = z[ui, ti]
    p_excess = change.p_excess[ui, ti]
    flag = np.full(len(ui), None, dtype=object)
    flag[zz < -flag_z] = "low"
    flag[p_excess >= FLAG_P] = "high"
    onset_idx = change.onset[ui, ti]
    onset = np.where(onset_idx >= 0, years[0] + onset_idx, np.array(None)).astype(object)
    return SrbSmooth(
        unit=units[ui],
        year=years[ti],
        male=gm[ui, ti],
        female=gf[ui, ti],
        srb=raw.estimate,
        srb_lower=raw.lower,
        srb_upper=raw.upper,
        est=100 * np.exp(theta),
        est_lower=100 * np.exp(theta - q * sd),
        est_upper=100 * np.exp(theta + q * sd),
        z=zz,
        flag=flag,
        level=level,
        fit=fit,
        p_excess=p_excess,
        onset=onset,
        excess=change.excess[ui, ti],
        excess_lower=change.excess_lower[ui, ti],
        excess_upper=change.excess_upper[ui, ti],
        change=change,
    )

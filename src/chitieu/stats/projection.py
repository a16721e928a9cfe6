"""Projection to a target year: predictive path, probability of meeting the target, change needed.

Two entry points share one result shape (:class:`Projection`):

- :func:`project_srb` projects the smoothed SRB of each unit (from :func:`smooth_srb`): the
  region level follows a straight line with noise (:mod:`chitieu.stats.trend`) fitted to the
  estimated levels, and the unit's deviation continues its AR(1) path from the posterior. The
  interval is for the true SRB in that year (not the count-based figure one will observe).
- :func:`project_trend` projects any annual indicator (coverage %, per 10,000 figures) with a
  straight line plus trend noise on a chosen scale, Student-t intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr, ndtri, stdtr, stdtrit

from chitieu.stats.onset import DEFAULT_ONSET, OnsetHyper
from chitieu.stats.smoothing import MIN_REGION_UNITS, SrbFit
from chitieu.stats.srb_laplace import prior_matrices
from chitieu.stats.statespace import (
    DEFAULT_HYPER,
    SCENARIOS,
    Forecast,
    Hyper,
    Scenario,
    forecast,
)
from chitieu.stats.trend import fit_linear_trend

Direction = Literal["at_most", "at_least"]
Scale = Literal["identity", "log", "logit"]


@dataclass(frozen=True, slots=True)
class Projection:
    """A projected path with intervals and what the target asks for.

    ``years/est/lower/upper``: the path after the last year of data up to ``target_year``
    (or just ``target_year`` when that is not after the data); ``prob_target_met`` is
    P(value in ``target_year`` ≤ target) for ``direction="at_most"`` (≥ for ``"at_least"``);
    ``annual_change_needed`` is (target − ``last_value``)/(``target_year`` − ``last_year``),
    in the value's units per year. NaN where the data cannot say. ``fitted_*`` (trend model
    only): the smoothed true values over the observed years with their interval; empty when
    there are too few years or the path comes from the SRB engine (its ``SrbSmooth`` has them)."""

    unit: str | None
    years: np.ndarray
    est: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    target: float
    target_year: int
    direction: str
    prob_target_met: float
    annual_change_needed: float
    last_year: int
    last_value: float
    level: float
    method: str
    scenario: str = "trend"
    fitted_years: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))
    fitted_est: np.ndarray = field(default_factory=lambda: np.array([]))
    fitted_lower: np.ndarray = field(default_factory=lambda: np.array([]))
    fitted_upper: np.ndarray = field(default_factory=lambda: np.array([]))

    @property
    def path(self) -> list[dict[str, Any]]:
        """``[{year, est, lower, upper}, ...]`` with plain floats (NaN → None)."""
        return [
            {"year": int(y), "est": _num(e), "lower": _num(lo), "upper": _num(hi)}
            for y, e, lo, hi in zip(self.years, self.est, self.lower, self.upper, strict=True)
        ]


def _num(v: float) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def _check_direction(direction: str) -> None:
    if direction not in ("at_most", "at_least"):
        raise ValueError(f"direction must be 'at_most' or 'at_least', got {direction!r}")


def _prob(mean: float, sd: float, target_t: float, direction: str, df: float | None) -> float:
    if not np.isfinite(mean) or not np.isfinite(sd) or not np.isfinite(target_t):
        return float("nan")
    if sd <= 0:
        below = 1.0 if mean <= target_t else 0.0
    else:
        zz = (target_t - mean) / sd
        below = float(stdtr(df, zz) if df else ndtr(zz))
    return below if direction == "at_most" else 1.0 - below


def project_srb(
    fit: SrbFit,
    to_year: int,
    target: float,
    direction: Direction = "at_most",
    *,
    level: float = 0.95,
    units: list[str] | None = None,
    scenario: Scenario = "transition",
) -> list[Projection]:
    """Project each unit's SRB (per 100 girls) to ``to_year``; one :class:`Projection` per unit
    (all units unless ``units`` names some; ``KeyError`` for an unknown code).

    ``θ_u,T+h = a_r,T+h + x_u,T+h``: the region level from a line with noise fitted to the
    estimated levels (their covariance as measurement error); the deviation from the AR(1)
    prior conditioned on the posterior of ``x_u``; the uncertainty of the region levels reaches
    ``θ`` through both terms. ``annual_change_needed`` starts from the smoothed SRB in the
    unit's last year with births."""
    _check_direction(direction)
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
    q = float(ndtri(0.5 + level / 2))
    years = fit.years
    target_year = int(to_year)
    future = np.arange(years[-1] + 1, target_year + 1)
    h = len(future)
    pick = np.array(
        range(len(fit.units)) if units is None else [fit.unit_index(c) for c in units], dtype=int
    )
    source, alone = "none", False
    if h:
        mean, var, source = _future_moments(fit, pick, future, scenario)
        lone = np.bincount(fit.region_of, minlength=len(fit.regions))[fit.region_of[pick]]
        lone = lone < MIN_REGION_UNITS
        if lone.any():
            own = _lone_forecast(fit, pick[lone], h, scenario)
            mean[lone], var[lone] = own.mean, own.var
            alone = bool(lone.all())
            source = own.hyper_source if alone else f"{source}; lone units: {own.hyper_source}"
        path_years = future
    else:
        k = target_year - years[0]
        if k < 0:
            raise ValueError(f"--to {target_year} is before the first year of data")
        mean, var = fit.model.theta[pick, k : k + 1], fit.model.theta_var[pick, k : k + 1]
        path_years = np.array([target_year])
    sd = np.sqrt(np.maximum(var, 0))
    trend = f"damped local linear trend (Kalman; hyperparameters: {source}); scenario: {scenario}"
    if alone:
        method = f"each series on its own counts: {trend}"
    else:
        method = f"hierarchical AR(1) smoothing; region level: {trend}"
    out = []
    for i, u in enumerate(pick):
        last_k = fit.last_observed[u]
        last_year = int(years[last_k]) if last_k >= 0 else int(years[-1])
        last_value = float(100 * np.exp(fit.model.theta[u, last_k])) if last_k >= 0 else np.nan
        span = target_year - last_year
        prob = _prob(float(mean[i, -1]), float(sd[i, -1]), np.log(target / 100.0), direction, None)
        out.append(
            Projection(
                unit=str(fit.units[u]),
                years=path_years,
                est=100 * np.exp(mean[i]),
                lower=100 * np.exp(mean[i] - q * sd[i]),
                upper=100 * np.exp(mean[i] + q * sd[i]),
                target=float(target),
                target_year=target_year,
                direction=direction,
                prob_target_met=prob,
                annual_change_needed=(target - last_value) / span if span > 0 else float("nan"),
                last_year=last_year,
                last_value=last_value,
                level=level,
                method=method,
                scenario=scenario,
            )
        )
    return out


def _future_moments(
    fit: SrbFit, pick: np.ndarray, future: np.ndarray, scenario: Scenario
) -> tuple[np.ndarray, np.ndarray, str]:
    """Mean and variance of log(SRB/100) in the ``future`` years for the units ``pick``,
    all units at once: shapes (units, H); and where the trend's hyperparameters came from."""
    m = fit.model
    t, h = len(fit.years), len(future)
    level = region_forecast(fit, h, scenario)
    sig = prior_matrices(m.eta, t + h)[0]
    s_tt, s_ft, s_ff = sig[:, :t, :t], sig[:, t:, :t], sig[:, t:, t:]
    s_tt_inv = np.linalg.inv(s_tt)
    gain = s_ft @ s_tt_inv  # per region: E[x_future | x_observed] = gain @ x
    prior_left = np.diagonal(s_ff - gain @ s_ft.transpose(0, 2, 1), axis1=1, axis2=2)
    r = fit.region_of[pick]
    g = gain[r]
    post = m.post_cov[pick]
    mean = level.mean[r] + (g @ m.deviation[pick][..., None])[..., 0]
    var_x = prior_left[r] + np.einsum("uhi,uij,uhj->uh", g, post, g)
    # The deviation's estimate also leans on the region levels (x̂ moves by −(I − P Σ⁻¹) per
    # unit of a); that part of its uncertainty decays with the deviation's own persistence.
    load = g @ (np.eye(t) - post @ s_tt_inv[r])
    var_a = np.einsum("uhi,uij,uhj->uh", load, m.level_cov[r], load)
    return mean, var_x + var_a + level.var[r], level.hyper_source


def _lone_forecast(fit: SrbFit, pick: np.ndarray, horizon: int, scenario: Scenario) -> Forecast:
    """Units without enough neighbours to pool with (a province, the country, a file of one
    series): the damped trend on their own yearly log SRB with its binomial variance. The
    hierarchical smoother cannot tell such a unit's level from its deviation, so its fitted
    variances say nothing; the trend's hyperparameters are the documented defaults."""
    y, v = lone_series(fit, pick)
    return forecast(
        y, v, horizon, scenario=scenario, hyper=Hyper(*DEFAULT_HYPER),
        hyper_source="documented defaults", onset=OnsetHyper(*DEFAULT_ONSET),
    )  # fmt: skip


def lone_series(fit: SrbFit, pick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The yearly log SRB of units ``pick`` from their own counts (half a birth added to each
    sex) and its binomial variance, shapes (units, T): what a lone unit's damped trend sees."""
    m, f = fit.male[pick], fit.female[pick]
    n = m + f
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(n > 0, np.log((m + 0.5) / (f + 0.5)), np.nan)
        p = np.where(n > 0, (m + 0.5) / (n + 1.0), 0.5)
        v = np.where(n > 0, 1.0 / (n * p * (1 - p)), np.inf)
    return y, v


def is_lone(fit: SrbFit, unit: int) -> bool:
    """True when unit index ``unit`` has too few neighbours in its region to pool with
    (:data:`~chitieu.stats.smoothing.MIN_REGION_UNITS`): it is projected on its own counts."""
    return bool(np.bincount(fit.region_of)[fit.region_of[unit]] < MIN_REGION_UNITS)


def region_forecast(fit: SrbFit, horizon: int, scenario: Scenario = "transition") -> Forecast:
    """The region levels' damped-trend forecast (:mod:`chitieu.stats.statespace`), the
    smoother's variance of each estimated level as its sampling variance; hyperparameters
    pooled over the regions (documented defaults below :data:`MIN_POOL_SERIES` regions)."""
    m = fit.model
    return forecast(m.level, level_noise(m.level_cov), horizon, scenario=scenario)


def level_noise(level_cov: np.ndarray) -> np.ndarray:
    """Each year's own sampling variance of the estimated region levels (R, T): the diagonal of
    their covariance less the part shared by every year. A region of few units cannot tell its
    level from its units' permanent effects; that shared offset moves all years together, says
    nothing about the trend, and is carried by the units' effects instead."""
    t = level_cov.shape[1]
    diag = np.diagonal(level_cov, axis1=1, axis2=2)
    if t < 2:
        return diag.copy()
    off = (level_cov.sum(axis=(1, 2)) - diag.sum(axis=1)) / (t * (t - 1))
    noise: np.ndarray = np.maximum(diag - np.maximum(off, 0.0)[:, None], 1e-10)
    return noise


def _to_scale(v: np.ndarray, scale: str, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """Transformed values and the derivative d(transform)/dv (for the delta method)."""
    if scale == "identity":
        return v, np.ones_like(v)
    if scale == "log":
        v = np.maximum(v, 1e-9)
        return np.log(v), 1.0 / v
    if scale == "logit":
        eps = 1e-4 * bound
        v = np.clip(v, eps, bound - eps)
        return np.log(v / (bound - v)), bound / (v * (bound - v))
    raise ValueError(f"scale must be 'identity', 'log' or 'logit', got {scale!r}")


def _from_scale(y: np.ndarray, scale: str, bound: float) -> np.ndarray:
    if scale == "log":
        level: np.ndarray = np.exp(y)
        return level
    if scale == "logit":
        level = bound / (1.0 + np.exp(-y))
        return level
    return y


def project_trend(
    years: ArrayLike,
    values: ArrayLike,
    to_year: int,
    target: float,
    direction: Direction = "at_most",
    *,
    scale: Scale = "identity",
    se: ArrayLike | None = None,
    bound: float = 100.0,
    level: float = 0.95,
    unit: str | None = None,
) -> Projection:
    """Project an annual series to ``to_year`` with a straight line plus trend noise.

    ``scale``: ``"logit"`` for percentages bounded by ``bound`` (coverage %, default 100),
    ``"log"`` for positive rates (per 10,000), ``"identity"`` otherwise. ``se``: sampling
    standard errors of ``values`` (same units), added as measurement error. On the logit scale
    values and a target at or beyond the bound are read as 0.01 % inside it. The trend noise is
    estimated by REML (:func:`chitieu.stats.trend.fit_linear_trend`), intervals and the
    probability use Student t with n − 2 degrees of freedom. With fewer than three years there
    is no honest interval: the path is flat at the last value (or the line through two), and
    ``lower``, ``upper`` and ``prob_target_met`` are NaN. ``annual_change_needed`` starts from
    the last observed value. Years with a NaN value are dropped.
    """
    _check_direction(direction)
    yr = np.asarray(years, dtype=float)
    val = np.asarray(values, dtype=float)
    keep = np.isfinite(val) & np.isfinite(yr)
    order = np.argsort(yr[keep])
    yr, val = yr[keep][order], val[keep][order]
    sev = None if se is None else np.asarray(se, dtype=float)[keep][order]
    if len(val) == 0:
        raise ValueError("no values to project")
    if len(np.unique(yr)) != len(yr):
        raise ValueError("a year appears twice")
    last_year, last_value = int(yr[-1]), float(val[-1])
    target_year = int(to_year)
    path_years = np.arange(last_year + 1, target_year + 1)
    if len(path_years) == 0:
        path_years = np.array([target_year])
    y, deriv = _to_scale(val, scale, bound)
    tgt, _ = _to_scale(np.array([float(target)]), scale, bound)
    nan = np.full(len(path_years), np.nan)
    span = target_year - last_year
    needed = (target - last_value) / span if span > 0 else float("nan")
    if len(y) < 3:
        slope = (y[-1] - y[0]) / (yr[-1] - yr[0]) if len(y) == 2 else 0.0
        mean = y[-1] + slope * (path_years - yr[-1])
        est = _from_scale(mean, scale, bound)
        return Projection(
            unit, path_years, est, nan, nan.copy(), float(target), target_year, direction,
            float("nan"), needed, last_year, last_value, level, "too few years for an interval",
        )  # fmt: skip
    meas = np.zeros(len(y)) if sev is None else (np.nan_to_num(sev) * deriv) ** 2
    tr = fit_linear_trend(yr, y, meas)
    fit_mean, fit_var = tr.smoothed(yr, y, meas)
    mean = tr.mean(path_years)
    sd = np.sqrt(tr.predictive_var(path_years))
    qt = float(stdtrit(tr.df, 0.5 + level / 2))
    prob = _prob(float(mean[-1]), float(sd[-1]), float(tgt[0]), direction, tr.df)
    return Projection(
        unit=unit,
        years=path_years,
        est=_from_scale(mean, scale, bound),
        lower=_from_scale(mean - qt * sd, scale, bound),
        upper=_from_scale(mean + qt * sd, scale, bound),
        target=float(target),
        target_year=target_year,
        direction=direction,
        prob_target_met=prob,
        annual_change_needed=needed,
        last_year=last_year,
        last_value=last_value,
        level=level,
        method=f"straight line plus trend noise (REML) on the {scale} scale, Student t",
        fitted_years=yr.astype(int),
        fitted_est=_from_scale(fit_mean, scale, bound),
        fitted_lower=_from_scale(fit_mean - qt * np.sqrt(fit_var), scale, bound),
        fitted_upper=_from_scale(fit_mean + qt * np.sqrt(fit_var), scale, bound),
    )

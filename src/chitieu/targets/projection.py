"""Projection of an indicator to its target year, from the statistics engine.

Sex ratios go through the SRB engine, the same two calls as ``chitieu srb project``
(:func:`chitieu.stats.smoothing.smooth_srb` then :func:`chitieu.stats.projection.project_srb`
with their defaults): a commune's log SRB smoothed over its province's communes and years, a
province's or the country's over its own years; the level projected by the damped trend with
the transition scenario. So one series gives one 2030 figure on the CLI, in ``targets status``,
the dashboard, the API and the report. Every other indicator goes through the trend model
(:func:`chitieu.stats.projection.project_trend`: a straight line plus trend noise, on the logit
scale for percentages and the log scale for rates, the reported intervals as measurement
error). This module only adapts their results; it computes no statistic itself.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtri

from chitieu.catalog.schema import Indicator
from chitieu.indicators import IndicatorValue
from chitieu.stats.projection import Direction, Scale
from chitieu.targets.evaluation import Point

#: Fewer units with births than this and the series stands alone (the engine's own rule).
PANEL_MIN_UNITS = 5
#: The trend model's scale for each indicator kind.
TREND_SCALE: dict[str, Scale] = {"proportion": "logit", "rate": "log", "mean": "log"}


@dataclass(frozen=True, slots=True)
class JointLevels:
    """The true levels in a baseline year and a later year on the log scale — ``mean`` and
    ``cov`` of (θ_baseline, θ_later) — what a change target is judged on. ``exact`` is False
    where the engine gives no covariance between them and they are taken as independent (which
    overstates the spread of the change: the cautious side)."""

    years: tuple[int, int]
    mean: tuple[float, float]
    cov: tuple[tuple[float, float], tuple[float, float]]
    exact: bool = True


@dataclass(frozen=True, slots=True)
class Projection:
    """``smoothed``: fitted values over the observed years (empty when the model does not
    smooth); ``path``: the years after the last observed one up to the target year;
    ``prob_met``: P(target year satisfies the goal); ``annual_change``: the observed trend
    per year as the model estimates it (:func:`model_trend`), or the model's drift in the last
    year where it has one, with ``annual_change_se`` its standard error. ``change``: for a
    change target, the joint levels of its baseline year with each later year asked for (the
    latest and the target year), keyed by the later year."""

    smoothed: list[Point] = field(default_factory=list)
    path: list[Point] = field(default_factory=list)
    prob_met: float | None = None
    annual_change: float | None = None
    method: str = "none"
    annual_change_se: float | None = None
    change: dict[int, JointLevels] = field(default_factory=dict)


def model_trend(last: Point, path: list[Point]) -> float | None:
    """The trend per year the model carries forward: the slope along its projected path (the
    engine reads it from all the observed years, not from two of them); from the last estimate
    when the path is a single year."""
    if len(path) >= 2:
        return (path[-1].value - path[0].value) / (path[-1].year - path[0].year)
    if not path or path[-1].year <= last.year:
        return None
    return (path[-1].value - last.value) / (path[-1].year - last.year)


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _path(result, after: int) -> list[Point]:
    return [
        Point(int(y), float(e), _finite(lo), _finite(hi))
        for y, e, lo, hi in zip(result.years, result.est, result.lower, result.upper, strict=True)
        if y > after
    ]


def project_sex_ratio(
    observed: list[IndicatorValue],
    *,
    to_year: int,
    goal: float,
    direction: Direction,
    panel: Mapping[str, Mapping[int, tuple[float, float]]] | None = None,
    level: float = 0.95,
    fits: dict[Hashable, Any] | None = None,
    baseline_year: int | None = None,
) -> Projection:
    """Estimate and project a unit's SRB to ``to_year`` from its yearly male (numerator) and
    female (denominator) births; ``prob_met`` is P(SRB in ``to_year`` on the right side of
    ``goal``).

    Always the same two engine calls as ``chitieu srb project`` (one number everywhere). With
    ``panel`` (other units of the same region: code -> year -> (male, female)) giving at least
    :data:`PANEL_MIN_UNITS` units with births, the SRB engine smooths them all and projects
    this unit (a small commune borrows strength from its province). A lone series (a province,
    the country) has no region to pool with: the engine projects it by the damped trend on its
    own counts with the documented default hyperparameters, exactly as ``srb project`` does with
    a file of that one series.

    ``fits``, when given, keeps the engine's fits by their input, so that targets with other
    goals or years on the same panel (the Hanoi plan's two SRB targets) fit it once.

    ``baseline_year`` (a change target's): the projection also carries the joint levels of that
    year with the latest and the target year (:class:`JointLevels`). The observed change is the
    damped trend's drift in the last year with its standard error
    (:func:`chitieu.stats.level_change.level_change`): the unit's own for a lone series, its
    region's for a unit smoothed with others."""
    code = observed[0].unit_code
    rows = {(code, v.years[0]): (v.numerator, v.denominator) for v in observed}
    for unit, by_year in (panel or {}).items():
        if unit != code:
            rows |= {(unit, y): mf for y, mf in by_year.items() if mf[0] + mf[1] > 0}
    from chitieu.stats.projection import project_srb
    from chitieu.stats.smoothing import smooth_srb

    keys = sorted(rows)
    memo_key = (level, tuple((k, rows[k]) for k in keys))
    fit = (fits or {}).get(memo_key)
    if fit is None:
        fit = smooth_srb(
            np.array([u for u, _ in keys], dtype=object),
            np.array([y for _, y in keys]),
            np.array([rows[k][0] for k in keys]),
            np.array([rows[k][1] for k in keys]),
            level=level,
        )
        if fits is not None:
            fits[memo_key] = fit
    mine = fit.unit == code
    smoothed = [
        Point(int(y), float(e), float(lo), float(hi))
        for y, e, lo, hi in zip(
            fit.year[mine], fit.est[mine], fit.est_lower[mine], fit.est_upper[mine], strict=True
        )
    ]
    [result] = project_srb(fit.fit, to_year, goal, direction, level=level, units=[code])
    path = _path(result, smoothed[-1].year)
    drift, drift_se, joints, lone = _engine_trend(
        fit.fit, code, smoothed[-1].value, baseline_year, to_year
    )
    return Projection(
        smoothed=smoothed,
        path=path,
        prob_met=_finite(result.prob_target_met),
        annual_change=drift if drift is not None else model_trend(smoothed[-1], path),
        method="srb",
        annual_change_se=drift_se,
        change=joints if lone else _independent_change(smoothed, path, baseline_year, level),
    )


def _log_sd(p: Point, level: float) -> float:
    q = float(ndtri(0.5 + level / 2))
    if p.lower is None or p.upper is None or p.lower <= 0:
        return 0.0
    return (np.log(p.upper) - np.log(p.lower)) / (2 * q)


def _independent_change(
    smoothed: list[Point], path: list[Point], baseline_year: int | None, level: float
) -> dict[int, JointLevels]:
    """Joint levels of the baseline year with the latest and the target year from the
    smoother's and the projection's marginal intervals, taken as independent (the SRB engine
    gives no covariance between a smoothed year and a projected one)."""
    at = {p.year: p for p in [*smoothed, *path]}
    base = at.get(baseline_year) if baseline_year is not None else None
    if base is None:
        return {}
    out = {}
    for later in {smoothed[-1].year, path[-1].year if path else smoothed[-1].year}:
        if later <= base.year or later not in at:
            continue
        p = at[later]
        out[later] = JointLevels(
            (base.year, later),
            (float(np.log(base.value / 100)), float(np.log(p.value / 100))),
            ((_log_sd(base, level) ** 2, 0.0), (0.0, _log_sd(p, level) ** 2)),
            exact=False,
        )
    return out


def _engine_trend(
    fit: Any, code: str, value: float, baseline_year: int | None, to_year: int
) -> tuple[float | None, float | None, dict[int, JointLevels], bool]:
    """The damped trend the engine projects the unit with — its own counts for a lone unit
    (a province, the country), else its region's smoothed levels — read for: the drift in the
    last year (points per year at ``value``) with its standard error; for a lone unit with a
    ``baseline_year``, the exact joint levels of that year with the last and the target year;
    and whether the unit is lone."""
    from chitieu.stats.level_change import level_change
    from chitieu.stats.projection import is_lone, level_noise, lone_series
    from chitieu.stats.statespace import DEFAULT_HYPER, Hyper, fit_hyper

    m = fit.model
    u = fit.unit_index(code)
    lone = is_lone(fit, u)
    if m.level.shape[1] < 3:
        return None, None, {}, lone
    if lone:
        y, v = (a[0] for a in lone_series(fit, np.array([u])))
        hyper = Hyper(*DEFAULT_HYPER)
    else:
        noise = level_noise(m.level_cov)
        hyper, _ = fit_hyper(m.level, noise)
        r = int(fit.region_of[u])
        y, v = m.level[r], noise[r]
    first, last = int(fit.years[0]), int(fit.years[-1])
    now = level_change(fit.years, y, v, last, last, hyper=hyper)
    joints: dict[int, JointLevels] = {}
    if lone and baseline_year is not None and first <= baseline_year <= last:
        for later in sorted({last, max(to_year, last)}):
            if later > baseline_year:
                lc = level_change(fit.years, y, v, baseline_year, later, hyper=hyper)
                c = lc.cov
                joints[later] = JointLevels(
                    lc.years,
                    (float(lc.mean[0]), float(lc.mean[1])),
                    ((float(c[0, 0]), float(c[0, 1])), (float(c[1, 0]), float(c[1, 1]))),
                )
    return value * now.drift, value * now.drift_sd, joints, lone


def _standard_errors(observed: list[IndicatorValue], level: float = 0.95) -> np.ndarray:
    """Sampling standard errors read back from the reported intervals (0 where none)."""
    q = float(ndtri(0.5 + level / 2))
    return np.array(
        [
            (v.upper - v.lower) / (2 * q) if v.upper is not None and v.lower is not None else 0.0
            for v in observed
        ]
    )


def project_values(
    indicator: Indicator,
    observed: list[IndicatorValue],
    *,
    to_year: int,
    goal: float,
    direction: Direction,
    level: float = 0.95,
) -> Projection:
    """Project a count-based indicator (per 10,000, coverage %, mean) along its trend;
    ``prob_met`` is P(value in ``to_year`` on the right side of ``goal``) (None with fewer than
    three years: no honest interval)."""
    from chitieu.stats.projection import project_trend

    years = np.array([v.years[0] for v in observed])
    values = np.array([v.value for v in observed], dtype=float)
    se = _standard_errors(observed, level)
    scale: Scale = TREND_SCALE.get(indicator.kind, "identity")
    if scale == "logit" and np.nanmax(values) >= 100:
        scale = "identity"  # administrative coverage can pass 100 %: no logit then
    result = project_trend(
        years,
        values,
        to_year,
        goal,
        direction,
        scale=scale,
        se=se,
        level=level,
    )
    path = _path(result, int(years[-1]))
    return Projection(
        path=path,
        prob_met=_finite(result.prob_target_met),
        annual_change=model_trend(Point(int(years[-1]), float(values[-1])), path),
        method=f"trend ({scale})",
    )

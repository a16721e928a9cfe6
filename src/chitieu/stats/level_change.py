"""The change of a series' level between a baseline year and a later year, both uncertain.

A target such as "the SRB falls on average 0.2 points a year from 2025 to 2030" asks about
``ℓ_2030 − ℓ_2025``: the baseline is an estimate as much as the target year is, and the two are
correlated (the same data and the same persistent level underlie both). Under the damped local
linear trend of :mod:`chitieu.stats.statespace` their joint distribution is Gaussian; it is
computed exactly by filtering with the state augmented by a frozen copy of the level
``c = ℓ_b`` (set at the baseline year, never moved by the dynamics, but updated by every later
observation — so it is the *smoothed* baseline level), then carrying the state forward to the
target year. The mean of the target year's level follows the chosen scenario
(:func:`chitieu.stats.statespace.forecast`); its covariance is the trend's, plus, in the
transition scenario, the target year's extra variance from the uncertain onset and pace of the
decline (:mod:`chitieu.stats.onset`), taken as independent of the baseline.

The drift in the last year (``drift``, ``drift_sd``, log scale per year) is the model's
"observed change": the filtered drift with its standard error, not a line through all years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chitieu.stats.statespace import Hyper, Scenario, fit_hyper, forecast

_LEVEL0_VAR = 1.0
_DRIFT0_SD = 0.02


@dataclass(frozen=True, slots=True)
class LevelChange:
    """Joint normal of the levels (log scale) in ``years = (baseline, target)``: ``mean`` (2,),
    ``cov`` (2, 2); the drift in the last observed year with its standard deviation."""

    years: tuple[int, int]
    mean: np.ndarray
    cov: np.ndarray
    drift: float
    drift_sd: float
    hyper: Hyper
    hyper_source: str
    scenario: str

    @property
    def change_mean(self) -> float:
        return float(self.mean[1] - self.mean[0])

    @property
    def change_sd(self) -> float:
        c = self.cov
        return float(np.sqrt(max(c[0, 0] + c[1, 1] - 2 * c[0, 1], 0.0)))


def _augmented_filter(
    y: np.ndarray, v: np.ndarray, hyper: Hyper, baseline: int
) -> tuple[np.ndarray, np.ndarray]:
    """Filter one series with state (level, drift, frozen baseline level); returns the state
    mean (3,) and covariance (3, 3) after the last year."""
    sl2, sd2, phi, se2 = hyper.level_sd**2, hyper.drift_sd**2, hyper.phi, hyper.noise_sd**2
    f_mat = np.array([[1.0, 1.0, 0.0], [0.0, phi, 0.0], [0.0, 0.0, 1.0]])
    q_mat = np.diag([sl2, sd2, 0.0])
    first = int(np.argmax(np.isfinite(y)))
    a = np.array([y[first], 0.0, 0.0])
    p = np.diag([_LEVEL0_VAR, _DRIFT0_SD**2, 0.0])
    h = np.array([1.0, 0.0, 0.0])
    for t in range(len(y)):
        if np.isfinite(y[t]) and np.isfinite(v[t]):
            f = p[0, 0] + v[t] + se2
            k = p[:, 0] / f
            a = a + k * (y[t] - a[0])
            p = p - np.outer(k, h @ p)
        if t == baseline:  # freeze a copy of the level: it shares the level's uncertainty
            a[2] = a[0]
            p[2, :], p[:, 2] = p[0, :], p[0, :]
            p[2, 2] = p[0, 0]
        if t < len(y) - 1:
            a, p = f_mat @ a, f_mat @ p @ f_mat.T + q_mat
    return a, p


def level_change(
    years: np.ndarray,
    y: np.ndarray,
    v: np.ndarray,
    baseline_year: int,
    target_year: int,
    *,
    scenario: Scenario = "transition",
    hyper: Hyper | None = None,
) -> LevelChange:
    """The joint distribution of the level in ``baseline_year`` (an observed year or before the
    first) and in ``target_year`` (at or after the last year) for one annual series ``y`` (log
    scale) with sampling variances ``v``; ``years`` consecutive. Hyperparameters: ``hyper``, or
    :func:`chitieu.stats.statespace.fit_hyper` (documented defaults for a lone series).
    ``ValueError`` when the baseline is after the last year or the target before it."""
    years = np.asarray(years, dtype=int)
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    last = int(years[-1])
    if baseline_year > last or target_year < last or baseline_year > target_year:
        raise ValueError(
            f"baseline {baseline_year} must be at most the last year {last}, "
            f"the target year {target_year} at least it"
        )
    source = "given"
    if hyper is None:
        hyper, source = fit_hyper(y[None, :], v[None, :])
    b = max(baseline_year - int(years[0]), 0)
    a, p = _augmented_filter(y, v, hyper, b)
    drift, drift_sd = float(a[1]), float(np.sqrt(max(p[1, 1], 0.0)))
    horizon = target_year - last
    mean_target = float(a[0])
    if horizon:
        ahead = forecast(y[None, :], v[None, :], horizon, scenario=scenario, hyper=hyper)
        mean_target = float(ahead.mean[0, -1])
        trend = forecast(y[None, :], v[None, :], horizon, scenario="trend", hyper=hyper)
        extra = max(float(ahead.var[0, -1] - trend.var[0, -1]), 0.0)  # the onset's uncertainty
        f_mat = np.array([[1.0, 1.0, 0.0], [0.0, hyper.phi, 0.0], [0.0, 0.0, 1.0]])
        q_mat = np.diag([hyper.level_sd**2, hyper.drift_sd**2, 0.0])
        for _ in range(horizon):
            p = f_mat @ p @ f_mat.T + q_mat
    mean = np.array([a[2], mean_target])
    cov = np.array([[p[2, 2], p[2, 0]], [p[0, 2], p[0, 0] + (extra if horizon else 0.0)]])
    return LevelChange(
        (int(baseline_year), int(target_year)),
        mean,
        cov,
        drift,
        drift_sd,
        hyper,
        source,
        scenario,
    )

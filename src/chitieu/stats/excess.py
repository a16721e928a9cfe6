"""Where the SRB is above what the region's spread explains: the excess z-score and funnel plot.

Excess z (pooled over years). For a unit's deviation ``x_ut`` from its region's level, the
smoothed estimate ``x̂ = E[x | data]`` has, under the model for normal units, mean 0 and variance
``Var(x) − Var(x | data)``; so ``z = x̂ / √(Var(x) − Var(x | data))`` is standard normal for a
normal unit whatever its size. With one year and no smoothing this is exactly the overdispersed
funnel z of Spiegelhalter (2005), ``(y − θ₀)/√(s² + τ²)``; with several years the estimate pools
them, so a persistent excess grows more evident each year while noise does not. The "normal"
spread is re-estimated without units already beyond the limit (a robust, winsorising step in
the spirit of Spiegelhalter 2005), so a few excessive units do not hide one another.

Funnel plot (one cross-section): each unit's SRB against its births, with limits
``θ₀ ± z_α √(s²(n) + τ²)`` on the log scale, ``s²(n) = 1/(n p₀(1−p₀))``, ``τ²`` estimated with
the DerSimonian–Laird moment estimator, leaving out units beyond the outer limit and
re-estimating (Spiegelhalter winsorises the z-scores at 10 %/90 % instead; with a real spread
between units that halves τ, since the largest units carry most of the information on τ).

Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. Statistics
in Medicine 24:1185-1202. Spiegelhalter, D. J. (2005). Handling over-dispersion of performance
indicators. Quality & Safety in Health Care 14:347-351.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, ndtri

from chitieu.stats.srb_model import ModelFit, Panel, fit_model

#: Units beyond this |z| in any year are left out when re-estimating the normal spread.
ROBUST_Z = 3.09


def excess_z(panel: Panel, full: ModelFit, *, dense: bool = False) -> tuple[np.ndarray, ModelFit]:
    """Excess z per unit and year, against the spread of the units that look normal.

    Returns ``(z, null_fit)``: the fit used for ``z`` leaves out units whose |z| under ``full``
    passes :data:`ROBUST_Z` in some year (when there are any). ``dense``: see
    :func:`~chitieu.stats.srb_model.fit_model`."""
    outlying = np.any(np.abs(full.standardised) > ROBUST_Z, axis=1)
    if not outlying.any() or outlying.all():
        return full.standardised, full
    null = fit_model(panel, include=~outlying, start=full, dense=dense)
    return null.standardised, null


def _robust_tau2(y: np.ndarray, s2: np.ndarray, theta0: float, rounds: int = 3) -> float:
    """DerSimonian–Laird ``τ²`` about a fixed centre, re-estimated without outlying units."""
    keep = np.ones(len(y), bool)
    tau2 = 0.0
    for _ in range(rounds):
        if keep.sum() < 3:
            break
        w = 1.0 / s2[keep]
        q = float((w * (y[keep] - theta0) ** 2).sum())
        k = int(keep.sum())
        # The centre is given, not estimated: E[Q] = k + τ²Σw, so no degree of freedom is lost.
        tau2 = max(0.0, (q - k) / w.sum())
        keep = np.abs(y - theta0) / np.sqrt(s2 + tau2) <= ROBUST_Z
    return tau2


@dataclass(frozen=True, slots=True)
class Funnel:
    """Funnel-plot data: per unit ``births, srb, z`` and limit curves over ``grid_births``.

    ``limits[level] = (lower, upper)`` SRB per 100 girls at each ``grid_births``; ``centre`` is
    the SRB the funnel is centred on; ``tau`` the overdispersion SD on the log scale (0 when
    ``overdispersion=False`` or none is found)."""

    births: np.ndarray
    srb: np.ndarray
    z: np.ndarray
    centre: float
    tau: float
    grid_births: np.ndarray
    limits: dict[float, tuple[np.ndarray, np.ndarray]]


def funnel_plot(
    male: ArrayLike,
    female: ArrayLike,
    *,
    centre: float | None = None,
    levels: tuple[float, ...] = (0.95, 0.998),
    overdispersion: bool = True,
    grid_size: int = 200,
) -> Funnel:
    """Funnel plot of SRB (per 100 girls) against births for one cross-section of units.

    ``centre`` defaults to the pooled SRB of the units given. ``z = (y − θ₀)/√(s² + τ²)`` on the
    log scale with ``y = log((m+½)/(f+½))`` and ``s² = 1/(n p₀(1−p₀))`` at the centre's
    proportion ``p₀``. ``τ²`` (DerSimonian–Laird, robust to outlying units: see the module
    docstring) is the between-unit variance the limits allow for. Units without births get
    NaN."""
    m = np.asarray(male, dtype=float)
    f = np.asarray(female, dtype=float)
    n = m + f
    has = n > 0
    if centre is None:
        total_f = f[has].sum()
        theta0 = np.log(m[has].sum() / total_f) if total_f > 0 else np.nan
    else:
        theta0 = float(np.log(centre / 100.0))
    p0 = expit(theta0)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log((m + 0.5) / (f + 0.5))
        s2 = 1.0 / (n * p0 * (1 - p0))
    tau2 = _robust_tau2(y[has], s2[has], theta0) if overdispersion else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(has, (y - theta0) / np.sqrt(s2 + tau2), np.nan)
    lo_n = max(1.0, float(n[has].min())) if has.any() else 1.0
    hi_n = float(n[has].max()) if has.any() else 1.0
    grid = np.geomspace(lo_n, max(hi_n, lo_n * 1.01), grid_size)
    grid_s = np.sqrt(1.0 / (grid * p0 * (1 - p0)) + tau2)
    limits = {}
    for lev in levels:
        q_ = float(ndtri(0.5 + lev / 2))
        limits[lev] = (100 * np.exp(theta0 - q_ * grid_s), 100 * np.exp(theta0 + q_ * grid_s))
    with np.errstate(divide="ignore", invalid="ignore"):
        srb = np.where(has, 100 * m / f, np.nan)
    return Funnel(n, srb, z, float(100 * np.exp(theta0)), float(np.sqrt(tau2)), grid, limits)

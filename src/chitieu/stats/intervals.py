"""Confidence intervals for counts: binomial proportions, the sex ratio at birth, Poisson rates.

Pure NumPy/SciPy, vectorised: every argument may be a scalar or an array (broadcast together)
and every result field is an array of the broadcast shape (0-d for scalar input). Zero counts
never raise: an interval that is undefined (no births, no exposure) is NaN, and an SRB with no
girls has an infinite upper bound.

References
- Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
  JASA 22:209-212. Brown, Cai & DasGupta (2001), Interval estimation for a binomial
  proportion, Statistical Science 16:101-133 (why Wilson rather than Wald).
- Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated
  in the case of the binomial. Biometrika 26:404-413 (the "exact" interval, via Beta quantiles).
- Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28:437-442
  (exact Poisson interval, via chi-square quantiles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

ProportionMethod = Literal["wilson", "exact"]

#: SRB is quoted per 100 girls.
SRB_SCALE = 100.0


@dataclass(frozen=True, slots=True)
class RatioInterval:
    """A point estimate with a two-sided interval, all arrays of the same shape."""

    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    method: str


def _z(level: float) -> float:
    _check_level(level)
    return float(special.ndtri(0.5 + level / 2.0))


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")


def _counts(count: ArrayLike, total: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x, n = np.broadcast_arrays(np.asarray(count, dtype=float), np.asarray(total, dtype=float))
    if np.any(x < 0) or np.any(n < 0):
        raise ValueError("counts must not be negative")
    if np.any(x > n):
        raise ValueError("a count exceeds its total")
    return x.astype(float, copy=True), n.astype(float, copy=True)


def _wilson(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = _z(level)
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (x + z2 / 2.0) / (n + z2)
        half = z / (n + z2) * np.sqrt(x * (n - x) / n + z2 / 4.0)
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    # At the edges the algebra gives exactly 0 or 1; pin them so rounding cannot leave 1e-17.
    lo = np.where(x == 0, 0.0, lo)
    hi = np.where(x == n, 1.0, hi)
    return lo, hi


def _clopper_pearson(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    _check_level(level)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        # Beta quantiles through the inverse regularised incomplete beta function (scipy.special
        # keeps the import light; scipy.stats.beta.ppf gives the same numbers).
        lo = np.where(x > 0, special.betaincinv(x, n - x + 1.0, alpha / 2.0), 0.0)
        hi = np.where(x < n, special.betaincinv(x + 1.0, n - x, 1.0 - alpha / 2.0), 1.0)
    return lo, hi


def proportion_interval(
    count: ArrayLike,
    total: ArrayLike,
    level: float = 0.95,
    method: ProportionMethod = "wilson",
) -> RatioInterval:
    """Interval for a binomial proportion ``count / total`` as a fraction in [0, 1].

    ``method="wilson"`` (score interval, Wilson 1927) or ``"exact"`` (Clopper–Pearson 1934).
    Callers wanting per cent multiply by 100. Where ``total == 0`` all fields are NaN.
    Raises ``ValueError`` for negative counts or ``count > total``.
    """
    x, n = _counts(count, total)
    if method == "wilson":
        lo, hi = _wilson(x, n, level)
    elif method == "exact":
        lo, hi = _clopper_pearson(x, n, level)
    else:
        raise ValueError(f"unknown method {method!r}; use 'wilson' or 'exact'")
    empty = n == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        est = np.where(empty, np.nan, x / np.where(empty, 1.0, n))
    lo = np.where(empty, np.nan, lo)
    hi = np.where(empty, np.nan, hi)
    return RatioInterval(est, lo, hi, level, method)


def odds_to_srb(p: ArrayLike) -> np.ndarray:
    """Map a proportion male ``p`` to the SRB per 100 girls, ``100·p/(1−p)`` (inf at p = 1)."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p >= 1.0, np.inf, SRB_SCALE * p / (1.0 - p))


def srb_interval(
    male: ArrayLike,
    female: ArrayLike,
    level: float = 0.95,
    method: ProportionMethod = "wilson",
) -> RatioInterval:
    """Sex ratio at birth (boys per 100 girls) with its interval.

    The interval for the proportion male ``p = m/(m+f)`` (Wilson or Clopper–Pearson) is mapped
    through the monotone ``100·p/(1−p)``, so it keeps that interval's coverage. With no girls the
    estimate and upper bound are ``inf`` (the lower bound stays finite); with no births at all
    every field is NaN. Raises ``ValueError`` for negative counts.
    """
    m, f = np.broadcast_arrays(np.asarray(male, dtype=float), np.asarray(female, dtype=float))
    p = proportion_interval(m, m + f, level=level, method=method)
    est = odds_to_srb(p.estimate)
    lo = odds_to_srb(p.lower)
    hi = odds_to_srb(p.upper)
    empty = (m + f) == 0
    est, lo, hi = (np.where(empty, np.nan, a) for a in (est, lo, hi))
    return RatioInterval(est, lo, hi, level, method)


def rate_interval(
    count: ArrayLike,
    exposure: ArrayLike,
    per: float = 10_000,
    level: float = 0.95,
) -> RatioInterval:
    """Rate ``per × count / exposure`` (e.g. doctors per 10,000 people) with an exact Poisson
    interval (Garwood 1936): ``[χ²(α/2; 2x)/2, χ²(1−α/2; 2x+2)/2] · per / exposure``.

    A zero count gives lower bound 0; zero exposure gives NaN everywhere. Counts may be
    non-integer (the chi-square quantiles interpolate). Raises ``ValueError`` for negative input.
    """
    _check_level(level)
    x, e = np.broadcast_arrays(np.asarray(count, dtype=float), np.asarray(exposure, dtype=float))
    if np.any(x < 0) or np.any(e < 0):
        raise ValueError("count and exposure must not be negative")
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        # χ²(q; 2k)/2 is the q-quantile of a Gamma(k) variable: the inverse incomplete gamma.
        lo_count = np.where(x > 0, special.gammaincinv(np.maximum(x, 1e-300), alpha / 2.0), 0.0)
        hi_count = special.gammaincinv(x + 1.0, 1.0 - alpha / 2.0)
        scale = np.where(e > 0, per / np.where(e > 0, e, 1.0), np.nan)
    return RatioInterval(x * scale, lo_count * scale, hi_count * scale, level, "exact-poisson")

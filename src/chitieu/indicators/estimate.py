"""Value and interval of an indicator from its numerator and denominator, by kind.

Pure NumPy over arrays (one call for all units and years); the intervals come from
:mod:`chitieu.stats.intervals`. Cells whose interval is undefined (nothing reported, a count
above its total) get NaN bounds; cells with a zero denominator get a NaN value too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chitieu.catalog.schema import Indicator
from chitieu.stats.intervals import proportion_interval, rate_interval, srb_interval
from chitieu.stats.missing import missing_female_births


@dataclass(frozen=True, slots=True)
class Estimate:
    value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def estimate(ind: Indicator, num: np.ndarray, den: np.ndarray, level: float) -> Estimate:
    """Value and interval of ``ind`` for each (numerator, denominator) pair.

    sex_ratio: 100·male/female, interval on the proportion male (stats.srb_interval);
    proportion: per cent, binomial interval (stats.proportion_interval);
    rate: ``multiplier`` × count/exposure, Poisson interval (stats.rate_interval);
    mean: count per facility, Poisson interval on the count;
    missing_births: male·100/reference − female, interval mapped from the SRB's."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    n = num.shape[0]
    value = np.full(n, np.nan)
    lower = np.full(n, np.nan)
    upper = np.full(n, np.nan)
    has_den = den > 0
    kind = ind.kind

    if kind == "missing_births":
        assert ind.reference_srb is not None  # the catalogue requires it for this kind
        ok = has_den
        if ok.any():
            iv = missing_female_births(
                num[ok],
                den[ok],
                natural_srb=ind.reference_srb,
                level=level,
            )
            value[ok], lower[ok], upper[ok] = iv.estimate, iv.lower, iv.upper
        return Estimate(value, lower, upper)

    value[has_den] = ind.multiplier * num[has_den] / den[has_den]
    if kind == "sex_ratio":
        ok = has_den
        if ok.any():
            iv = srb_interval(num[ok], den[ok], level=level)
            lower[ok], upper[ok] = iv.lower, iv.upper
    elif kind == "proportion":
        ok = has_den & (num >= 0) & (num <= den)  # admin coverage can exceed 100 %: no interval
        if ok.any():
            iv = proportion_interval(num[ok], den[ok], level=level)
            # the interval comes as a fraction; proportions are per 100 (checked in the catalogue)
            lower[ok] = ind.multiplier * np.asarray(iv.lower)
            upper[ok] = ind.multiplier * np.asarray(iv.upper)
    else:  # rate, mean
        ok = has_den & (num >= 0)
        per = ind.multiplier
        if ok.any():
            iv = rate_interval(num[ok], den[ok], per=per, level=level)
            lower[ok], upper[ok] = iv.lower, iv.upper
    return Estimate(value, lower, upper)

"""Missing female births: girls expected at a natural SRB given the boys born, minus girls born.

Definition (Chao, Gerland, Cook & Alkema 2019, PNAS 116:9303): with ``m`` boys and ``f`` girls
and a natural (reference) SRB ``s₀``, missing = ``100·m/s₀ − f``.

Natural SRB used by default: **106.3** boys per 100 girls, the reference level Chao et al.
estimate for Vietnam's region (south-eastern Asia; the issue and the catalogue cite 1.063). The
conventional 105 is a world average; with a true natural level near 106.3, using 105 would count
about 1.2 % of all girls as "missing" where no selection took place. Callers that must match a
published series with another reference pass ``natural_srb``.

Interval: the true SRB's interval (Wilson on the proportion male) mapped, holding total births
``n`` fixed, through ``n·100·(s − s₀)/(s₀·(100 + s))``, which equals ``100·m/s₀ − f`` at the
observed SRB and increases with ``s``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from chitieu.stats.intervals import ProportionMethod, RatioInterval, srb_interval

#: Natural SRB (boys per 100 girls) used by default; see the module docstring.
NATURAL_SRB = 106.3


def missing_girls_at_srb(
    total: ArrayLike, srb: ArrayLike, natural_srb: float = NATURAL_SRB
) -> np.ndarray:
    """Missing female births among ``total`` births if the SRB is ``srb`` (per 100 girls).

    Use it to turn a smoothed SRB and its interval into missing girls (monotone in ``srb``)."""
    n = np.asarray(total, dtype=float)
    s = np.asarray(srb, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(
            np.isinf(s),
            n * 100.0 / natural_srb,
            n * 100.0 * (s - natural_srb) / (natural_srb * (100.0 + s)),
        )


def missing_female_births(
    male: ArrayLike,
    female: ArrayLike,
    natural_srb: float = NATURAL_SRB,
    level: float = 0.95,
    method: ProportionMethod = "wilson",
) -> RatioInterval:
    """Missing female births (girls) with an interval, vectorised; NaN where no births.

    Negative values mean more girls than the natural SRB expects."""
    m, f = np.broadcast_arrays(np.asarray(male, dtype=float), np.asarray(female, dtype=float))
    iv = srb_interval(m, f, level=level, method=method)
    total = m + f
    empty = total == 0
    est = np.where(empty, np.nan, 100.0 * m / natural_srb - f)
    lo = missing_girls_at_srb(total, iv.lower, natural_srb)
    hi = missing_girls_at_srb(total, iv.upper, natural_srb)
    return RatioInterval(est, lo, hi, level, f"{method}; natural SRB {natural_srb:g}")

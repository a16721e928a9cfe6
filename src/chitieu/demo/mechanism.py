"""The son-preference mechanism behind the demo's births, and its calibration.

**Odds of a boy.** Each birth falls in one of five *strata* by birth order and the sex of the
earlier children. For a birth in stratum ``s``, commune ``c`` and year ``y``::

    logit P(boy) = logit(p0) + I[y] · strength[c] · beta[s] + excess[c, y] · no_boy[s]

* ``p0 = 0.5146`` is the natural proportion male (SRB ≈ 106, the biological level the
  Chao et al., PNAS 2019, model estimates for south-eastern Asia);
* ``beta[s]`` is the extra log-odds of a boy at full son preference, by stratum:

  ======================  =====  =========================================================
  stratum                 beta   SRB at I = strength = 1 (natural 106)
  ======================  =====  =========================================================
  first birth             0.045  ≈ 111 — some selection already at the first pregnancy
  second, after a boy     0.000  106 — a son is there: no selection
  second, after a girl    0.260  ≈ 137 — the common case of selection in a two-child norm
  third+, with a boy      0.040  ≈ 110
  third+, no boy yet      0.450  ≈ 166 — "two-girl families seeking a son" (VNA)
  ======================  =====  =========================================================

  Third-or-later births are only about 7.5 % of births (VNA: 7.53 % in Hanoi), so even an SRB of
  166 there moves the city's SRB by barely one point; the city's 114–118 has to come mostly
  from first and second births (selection at the second birth after a first girl), which is
  what the Vietnamese census analyses of SRB by parity also show;
* ``strength[c]`` (mean 1) is how strong son preference is in commune ``c``: stronger in rural
  communes (xã) than in urban wards (phường), with commune-to-commune spread;
* ``I[y]`` is the city's son-preference *intensity* in year ``y``, solved each year so that the
  expected SRB of that year's births equals the target path below, given the births actually
  drawn for each commune and stratum (:func:`solve_intensity`);
* ``excess[c, y]`` is an extra log-odds for births in families with no son yet (first births,
  second births after a girl, later births after girls only) in the few communes of the truth
  table (:mod:`chitieu.demo.hanoi`) during their excess years: as if a local clinic disclosed
  fetal sex from then on.

**Target path** (:data:`TARGET_SRB`): Hanoi's SRB "fluctuated between 114 and 118" from 2009 and
stood at 114.4 in the reference year of a VNA report (read as 2016–2017): the path rises to
about 117 in 2012 and falls to 114.8 in 2016 and 114.4 in 2017; it then falls 0.33 points a year
(the Hanoi plan 2026–2030 asks for 0.2 a year) to about 111.8 in 2025. Realised figures add
binomial noise of about ±0.6 points a year (one standard error at 140,000 births).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Natural proportion of boys at birth (SRB ≈ 106 boys per 100 girls).
P_NATURAL = 0.5146
LOGIT_NATURAL = float(np.log(P_NATURAL / (1.0 - P_NATURAL)))

#: The strata, in the order of :data:`BETA`.
STRATA = ("o1", "o2_after_boy", "o2_after_girl", "o3p_with_boy", "o3p_no_boy")
O1, O2_AFTER_BOY, O2_AFTER_GIRL, O3P_WITH_BOY, O3P_NO_BOY = range(len(STRATA))
BETA = np.array([0.045, 0.0, 0.26, 0.04, 0.45])
#: Strata of families without a son yet: where a disclosed fetal sex leads to selection.
NO_BOY = np.array([True, False, True, False, True])

FIRST_YEAR, LAST_YEAR = 2009, 2025
_EARLY_PATH = {
    2009: 115.6,
    2010: 116.2,
    2011: 116.6,
    2012: 116.9,
    2013: 116.6,
    2014: 116.0,
    2015: 115.4,
    2016: 114.8,
}
#: Hanoi's expected SRB by year, boys per 100 girls (see the module docstring).
TARGET_SRB: dict[int, float] = _EARLY_PATH | {
    y: round(114.4 - 0.33 * (y - 2017), 2) for y in range(2017, LAST_YEAR + 1)
}

#: Share of births that are third or later, per cent (7.53 % in Hanoi as VNA reported it, about
#: 2016).
THIRD_PLUS_SHARE: dict[int, float] = {
    y: round(7.2 + 0.04 * (y - FIRST_YEAR), 2) for y in range(FIRST_YEAR, LAST_YEAR + 1)
}

#: Hanoi's births a year (the "~130–150 thousand" the city registers), before any scaling;
#: 2012 and 2024 are dragon years, when more couples plan a birth.
BIRTHS: dict[int, int] = {
    2009: 132_000,
    2010: 135_000,
    2011: 138_000,
    2012: 146_000,
    2013: 141_000,
    2014: 143_000,
    2015: 145_000,
    2016: 148_000,
    2017: 147_000,
    2018: 145_000,
    2019: 143_000,
    2020: 141_000,
    2021: 137_000,
    2022: 135_000,
    2023: 133_000,
    2024: 136_000,
    2025: 131_000,
}


def srb_of(p_male: np.ndarray | float) -> np.ndarray | float:
    """Boys per 100 girls for a proportion male ``p``: ``100·p/(1−p)``."""
    return 100.0 * p_male / (1.0 - p_male)


def p_male_of(srb: float) -> float:
    """Proportion male for an SRB in boys per 100 girls: ``srb/(100 + srb)``."""
    return srb / (100.0 + srb)


def boy_probability(intensity: float, strength: np.ndarray, excess: np.ndarray) -> np.ndarray:
    """P(boy) by commune and stratum, shape ``(communes, strata)``, from the formula in the
    module docstring; ``strength`` and ``excess`` (log-odds) are per commune."""
    logit = (
        LOGIT_NATURAL
        + intensity * strength[:, None] * BETA[None, :]
        + excess[:, None] * NO_BOY[None, :]
    )
    return 1.0 / (1.0 + np.exp(-logit))


def expected_srb(
    counts: np.ndarray, intensity: float, strength: np.ndarray, excess: np.ndarray
) -> float:
    """Expected SRB (boys per 100 girls) of births with ``counts[commune, stratum]``."""
    p = boy_probability(intensity, strength, excess)
    return float(srb_of((counts * p).sum() / counts.sum()))


@dataclass(frozen=True, slots=True)
class Calibration:
    """One year's solved intensity and the SRB it implies (equal to the target unless the
    target lies outside what the mechanism can reach)."""

    year: int
    intensity: float
    expected_srb: float


def solve_intensity(
    counts: np.ndarray,
    strength: np.ndarray,
    excess: np.ndarray,
    target_srb: float,
    *,
    upper: float = 6.0,
) -> float:
    """The intensity ``I ≥ 0`` at which :func:`expected_srb` equals ``target_srb``, by bisection
    (the expected SRB rises monotonically with ``I`` because every ``beta`` is ≥ 0). Returns 0
    or ``upper`` when the target lies below or above what ``[0, upper]`` reaches."""
    lo, hi = 0.0, upper
    if expected_srb(counts, lo, strength, excess) >= target_srb:
        return lo
    if expected_srb(counts, hi, strength, excess) <= target_srb:
        return hi
    for _ in range(60):  # 2^-60 of the bracket: far below any sampling error
        mid = 0.5 * (lo + hi)
        if expected_srb(counts, mid, strength, excess) < target_srb:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)

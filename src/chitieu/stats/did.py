"""Did the SRB fall where we acted? A difference-in-differences on smoothed series.

The treated unit's change (mean of its smoothed log SRB after the action less the mean before)
is compared with the changes of comparable units that were not acted on over the same years:

    did = Δ_treated − mean(Δ_controls)

Its interval is a *prediction* interval from the controls' spread: were the action without
effect, the treated change would be one more draw from the controls' distribution, so

    did ± t(0.975, n−1) · sd(Δ_controls) · √(1 + 1/n)

which carries both the estimates' noise and the units' own heterogeneity. ``p_placebo`` is the
share of controls whose change is at least as low as the treated one (a placebo rank). This is
observational: the units acted on were chosen for their high ratios, and a fall can also come
from regression to the mean or from other causes; the comparison only removes what the
comparable units share. All quantities are on the log-SRB scale; :attr:`DidResult.points`
expresses the difference in SRB points at the treated unit's level before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

#: Fewer comparable units than this give no interval.
MIN_CONTROLS = 3


@dataclass(frozen=True, slots=True)
class DidResult:
    did: float  # log-SRB scale
    lower: float
    upper: float
    treated_change: float
    control_change: float
    n_controls: int
    p_placebo: float
    before_level: float  # treated unit's mean smoothed SRB before (SRB points)
    points: float  # did in SRB points at ``before_level``
    points_lower: float
    points_upper: float


def did_smoothed(
    treated: ArrayLike,
    controls: ArrayLike,
    after: ArrayLike,
    *,
    level: float = 0.95,
) -> DidResult:
    """Difference-in-differences of smoothed SRB series.

    ``treated``: (T,) smoothed SRB of the unit acted on; ``controls``: (n, T) of comparable
    units not acted on; ``after``: (T,) booleans, True for the years after the action (False
    before; leave the action's own year out of both arrays). Raises ValueError without years on
    both sides, with fewer than :data:`MIN_CONTROLS` controls, or with a non-positive SRB."""
    y = np.asarray(treated, dtype=float)
    c = np.atleast_2d(np.asarray(controls, dtype=float))
    post = np.asarray(after, dtype=bool)
    if y.ndim != 1 or c.shape[1] != y.size or post.shape != y.shape:
        raise ValueError("treated (T,), controls (n, T) and after (T,) must share T")
    if post.all() or not post.any():
        raise ValueError("need years both before and after the action")
    if c.shape[0] < MIN_CONTROLS:
        raise ValueError(f"need at least {MIN_CONTROLS} comparable units, got {c.shape[0]}")
    if (y <= 0).any() or (c <= 0).any() or not (np.isfinite(y).all() and np.isfinite(c).all()):
        raise ValueError("SRB values must be positive and finite")
    ly, lc = np.log(y), np.log(c)
    d_treated = ly[post].mean() - ly[~post].mean()
    d_controls = lc[:, post].mean(axis=1) - lc[:, ~post].mean(axis=1)
    n = d_controls.size
    did = d_treated - d_controls.mean()
    half = stats.t.ppf(0.5 + level / 2, n - 1) * d_controls.std(ddof=1) * np.sqrt(1 + 1 / n)
    before = float(np.exp(ly[~post].mean()))

    def to_points(v: float) -> float:
        return float(before * (np.exp(v) - 1))

    return DidResult(
        did=float(did),
        lower=float(did - half),
        upper=float(did + half),
        treated_change=float(d_treated),
        control_change=float(d_controls.mean()),
        n_controls=int(n),
        p_placebo=float((d_controls <= d_treated).mean()),
        before_level=before,
        points=float(to_points(did)),
        points_lower=float(to_points(did - half)),
        points_upper=float(to_points(did + half)),
    )

"""Statistics engine: pure NumPy/SciPy over arrays, no database, no I/O.

Public functions (all vectorised; SRBs are boys per 100 girls):

- intervals: :func:`srb_interval`, :func:`proportion_interval`, :func:`rate_interval`
  → :class:`RatioInterval` (``estimate, lower, upper`` arrays)
- smoothing over units and years: :func:`smooth_srb` → :class:`SrbSmooth` (row-aligned raw and
  smoothed SRB with intervals, excess ``z`` and ``flag``; ``.fit`` is the :class:`SrbFit`)
- projection: :func:`project_srb` (from an :class:`SrbFit`; region levels and lone series by
  the damped local linear trend of :mod:`chitieu.stats.statespace`, scenario ``transition`` or
  ``trend``) and :func:`project_trend` (any annual series) → :class:`Projection` (``path``,
  ``prob_target_met``, ``annual_change_needed``, ``scenario``)
- excess as a change: :func:`chitieu.stats.change.fit_change` (``p_excess``, onset, step; in
  :class:`SrbSmooth` as ``p_excess, onset, excess, excess_lower, excess_upper``)
- did it work: :func:`chitieu.stats.did.did_smoothed` (difference-in-differences of a
  smoothed series against comparable units, with a prediction interval and a placebo rank;
  observational)
- excess: :func:`funnel_plot` → :class:`Funnel` (one cross-section, overdispersed limits)
- missing girls: :func:`missing_female_births` → :class:`RatioInterval`;
  :func:`missing_girls_at_srb` maps a (smoothed) SRB and its bounds to missing girls
- son preference: :func:`son_preference` → :class:`SonPreference`
- simulation with a known truth (tests, benchmarks, demos): :func:`simulate_srb`,
  :func:`chitieu.stats.simulate.simulate_transition` (rise, plateau, decline)
"""

from chitieu.stats.excess import Funnel, funnel_plot
from chitieu.stats.intervals import (
    RatioInterval,
    proportion_interval,
    rate_interval,
    srb_interval,
)
from chitieu.stats.missing import NATURAL_SRB, missing_female_births, missing_girls_at_srb
from chitieu.stats.projection import Projection, project_srb, project_trend
from chitieu.stats.signatures import SonPreference, son_preference
from chitieu.stats.simulate import SimulatedSrb, simulate_srb
from chitieu.stats.smoothing import SrbFit, SrbSmooth, smooth_srb

__all__ = [
    "NATURAL_SRB",
    "Funnel",
    "Projection",
    "RatioInterval",
    "SimulatedSrb",
    "SonPreference",
    "SrbFit",
    "SrbSmooth",
    "funnel_plot",
    "missing_female_births",
    "missing_girls_at_srb",
    "project_srb",
    "project_trend",
    "proportion_interval",
    "rate_interval",
    "simulate_srb",
    "smooth_srb",
    "son_preference",
    "srb_interval",
]

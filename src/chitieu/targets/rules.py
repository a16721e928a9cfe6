"""The rules that turn an estimate and a projection into a target's status.

Pure functions, no database. Every status is decided from two probabilities and two rates:

* ``p_now`` — the probability that the true value in the latest observed year satisfies the
  target as it stands in that year (from the estimate's interval, :func:`prob_satisfies`);
* ``p_by`` — the probability that the true value in the target year satisfies it (from the
  projection: the SRB engine for sex ratios, the trend model for counts and coverage);
* the average annual change still required from the latest value to the goal, beside the
  change observed over recent years.

The rules (:func:`rules_text` states them for the pages and the report):

1. **no_data** — no value for the unit yet.
2. **met** — the target applies in the latest year (the target year has been reached, or for an
   ``every_year`` target or an average-annual-change target the latest year lies in the target
   period) and ``p_now ≥ 0.5``: the estimate satisfies it more likely than not.
3. **off_track** — the target year has been reached and the target is not met (``p_now < 0.5``).
4. A target that applies now but is not met in the latest year (before its final year):
   **at_risk** if ``p_now ≥ 0.2`` (the data cannot tell), else **off_track**.
5. Before the target applies, from the projection: **on_track** if ``p_by ≥ 0.8``;
   **off_track** if ``p_by < 0.2``, or if ``p_by < 0.5`` and the model's drift runs away
   from the goal by more than its standard error; **at_risk** otherwise (also when too few
   years exist to project).

6. **inconclusive** — a change target ("falls 0.2 points a year") whose asked change is smaller
   than the data can resolve (``|asked change| < 2 ×`` the standard deviation of the estimated
   change, :data:`RESOLVE_SDS`) and whose probability lies between 0.2 and 0.8: the status
   would be decided by the model, not by the data. The change that would be detectable
   (``2 ×`` that standard deviation, per year) is reported beside it.

Average-annual-change targets ("SRB falls on average 0.2 points a year") become a glide path:
the goal in year *t* is ``baseline + annual_change × (t − baseline_year)``, holding from the
first year after the baseline; the baseline is the plan's where it states one, else the
estimate for the year before the plan starts. They are judged **jointly**: ``p_by`` is
P(level_T − level_baseline ≤ annual_change × (T − baseline_year)) with both levels uncertain and
correlated (:func:`prob_change`), not the target year's level against a baseline taken as exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scipy.special import ndtr, ndtri  # scipy.stats would add half a second of import

from chitieu.catalog.messages import message
from chitieu.stats.projection import Direction

#: Probability thresholds of the rules above.
MET_P = 0.5
ON_TRACK_P = 0.8
OFF_TRACK_P = 0.2
#: An asked change smaller than this many standard deviations of the estimated change cannot
#: be told from noise.
RESOLVE_SDS = 2.0


class Status(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"
    INCONCLUSIVE = "inconclusive"


#: The message (``data/messages.yaml``) that names each status to people.
STATUS_MESSAGES: dict[str, str] = {
    "met": "met",
    "on_track": "target_on_track",
    "at_risk": "target_at_risk",
    "off_track": "target_off_track",
    "no_data": "target_no_data",
    "inconclusive": "target_inconclusive",
    "context": "target_context",
}


def status_label(status: str, lang: str) -> str:
    """A status as people read it, in ``lang``; a status without a message shows its code."""
    key = STATUS_MESSAGES.get(status)
    return message(key, lang) if key else status


def rules_text(lang: str) -> str:
    """The rules above in a paragraph, as the pages and the report state them."""
    return message("target_rules", lang)


DIRECTIONS: tuple[Direction, ...] = ("at_most", "at_least")


def as_direction(value: str) -> Direction:
    """A target's stored direction, checked: ``at_most`` or ``at_least``, else ValueError."""
    for direction in DIRECTIONS:
        if value == direction:
            return direction
    raise ValueError(f"direction must be at_most or at_least, not {value!r}")


@dataclass(frozen=True, slots=True)
class Goal:
    """What a target asks, on the indicator's own scale.

    ``value`` is the level to reach in ``year`` (for an annual-change target, the glide path's
    end). ``applies_from`` is the first year in which the level (or glide path) must hold:
    ``year`` for a "by year" target, earlier for "every year" and annual-change targets."""

    direction: Direction
    value: float
    year: int
    applies_from: int
    annual_change: float | None = None
    baseline_value: float | None = None
    baseline_year: int | None = None

    def level_in(self, year: int) -> float:
        """The level the target asks for in ``year`` (the glide path for annual change)."""
        if self.annual_change is not None and self.baseline_value is not None:
            assert self.baseline_year is not None
            return self.baseline_value + self.annual_change * (year - self.baseline_year)
        return self.value

    def satisfied_by(self, value: float, year: int) -> bool:
        level = self.level_in(year)
        return value <= level if self.direction == "at_most" else value >= level


def annual_change_goal(
    *,
    annual_change: float,
    baseline_value: float,
    baseline_year: int,
    target_year: int,
    start_year: int | None = None,
) -> Goal:
    """The glide path of an average-annual-change target: a fall (``annual_change < 0``) asks
    for *at most* the path value each year, a rise for *at least*; it applies from
    ``start_year`` (default the year after the baseline)."""
    return Goal(
        direction="at_most" if annual_change < 0 else "at_least",
        value=baseline_value + annual_change * (target_year - baseline_year),
        year=target_year,
        applies_from=start_year or baseline_year + 1,
        annual_change=annual_change,
        baseline_value=baseline_value,
        baseline_year=baseline_year,
    )


def prob_satisfies(
    estimate: float,
    lower: float | None,
    upper: float | None,
    goal: float,
    direction: str,
    *,
    level: float = 0.95,
) -> float:
    """P(true value satisfies ``goal``) from a point estimate and its ``level`` interval.

    The interval is read as a split normal: below the estimate its spread is
    ``(estimate − lower)/z``, above it ``(upper − estimate)/z`` with ``z`` the normal quantile of
    ``level`` — exact for a symmetric normal interval, and it respects the skew of ratio and
    proportion intervals near their bounds. Without an interval the estimate is taken as exact.
    """
    z = ndtri(0.5 + level / 2)
    side = upper if goal >= estimate else lower
    spread = abs(side - estimate) / z if side is not None and math.isfinite(side) else 0.0
    if spread == 0.0:
        below = 1.0 if estimate < goal else 0.5 if estimate == goal else 0.0
    else:
        below = float(ndtr((goal - estimate) / spread))
    return below if direction == "at_most" else 1.0 - below


def required_annual_change(latest_value: float, latest_year: int, goal: Goal) -> float | None:
    """Average change per year needed from the latest value to the goal's level in its year
    (None when the target year has been reached)."""
    if goal.year <= latest_year:
        return None
    return (goal.level_in(goal.year) - latest_value) / (goal.year - latest_year)


@dataclass(frozen=True, slots=True)
class Change:
    """A change between two years on the indicator's scale: its mean and standard deviation,
    and P(it satisfies the goal's change)."""

    mean: float
    sd: float
    prob: float


def prob_change(
    mean: tuple[float, float],
    cov: tuple[tuple[float, float], tuple[float, float]],
    asked: float,
    direction: str,
    *,
    scale: float = 100.0,
) -> Change:
    """P(L₁ − L₀ ≤ ``asked``) (``at_most``; ≥ for ``at_least``) where ``L = scale · exp(θ)`` and
    (θ₀, θ₁) is normal with ``mean`` and ``cov`` (the log-scale levels in the baseline and the
    later year). The change is linearised at the means (delta method: gradient
    ``scale · (−e^μ₀, e^μ₁)``), which for changes of a few points on levels near 110 is exact
    to well under a hundredth of a point."""
    g0, g1 = -scale * math.exp(mean[0]), scale * math.exp(mean[1])
    m = scale * (math.exp(mean[1]) - math.exp(mean[0]))
    var = g0 * g0 * cov[0][0] + 2 * g0 * g1 * cov[0][1] + g1 * g1 * cov[1][1]
    sd = math.sqrt(max(var, 0.0))
    below = (1.0 if m <= asked else 0.0) if sd == 0.0 else float(ndtr((asked - m) / sd))
    return Change(m, sd, below if direction == "at_most" else 1.0 - below)


def resolvable(asked: float, change_sd: float | None) -> bool:
    """Whether a change of ``asked`` can be told from noise of ``change_sd``."""
    return change_sd is None or abs(asked) >= RESOLVE_SDS * change_sd


@dataclass(frozen=True, slots=True)
class ChangeVerdictInputs:
    """What a change target is judged on: ``p_now``/``p_by`` (None where there is no joint
    distribution), whether the change asked by the latest / the target year is resolvable, the
    standard deviation of the change to the target year, and the change per year that would
    be detectable (:data:`RESOLVE_SDS` standard deviations over the years)."""

    p_now: float | None
    p_by: float | None
    resolvable_now: bool
    resolvable_by: bool
    change_sd: float | None
    detectable_annual_change: float | None


def change_inputs(goal: Goal, latest_year: int, joints: Mapping[int, Any]) -> ChangeVerdictInputs:
    """:class:`ChangeVerdictInputs` for a glide-path ``goal`` from the joint levels of its
    baseline with later years (``joints[year]`` has ``mean`` and ``cov``; see
    :class:`chitieu.targets.projection.JointLevels`)."""
    assert goal.annual_change is not None and goal.baseline_year is not None
    base, per_year = goal.baseline_year, goal.annual_change

    def judged(year: int) -> Change | None:
        j = joints.get(year)
        if j is None:
            return None
        return prob_change(j.mean, j.cov, per_year * (year - base), goal.direction)

    now = judged(latest_year) if latest_year > base else None
    by = judged(goal.year) if goal.year > latest_year else now
    span = goal.year - base
    return ChangeVerdictInputs(
        p_now=now.prob if now else None,
        p_by=by.prob if by else None,
        resolvable_now=now is None or resolvable(goal.annual_change * (latest_year - base), now.sd),
        resolvable_by=by is None or resolvable(goal.annual_change * span, by.sd),
        change_sd=by.sd if by else None,
        detectable_annual_change=RESOLVE_SDS * by.sd / span if by and span > 0 else None,
    )


def runs_away(
    observed_change: float | None, direction: str, observed_change_se: float | None = None
) -> bool:
    """True when the model's drift moves away from the goal (up for "at most") by more than
    its standard error (when one is given): a drift of +0.02 ± 0.30 a year runs nowhere."""
    if observed_change is None:
        return False
    away = observed_change if direction == "at_most" else -observed_change
    return away > (observed_change_se or 0.0)


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    #: Which rule decided, in words (English; the pages translate the status, not this).
    reason: str


def judge(
    goal: Goal,
    *,
    latest_year: int | None,
    p_now: float | None,
    p_by: float | None,
    observed_change: float | None,
    resolvable_now: bool = True,
    resolvable_by: bool = True,
    observed_change_se: float | None = None,
) -> Verdict:
    """Apply the rules in this module's docstring. ``p_now`` is for the latest year's level
    (:meth:`Goal.level_in`), ``p_by`` for the target year's; ``observed_change`` per year.
    ``resolvable_now``/``resolvable_by``: whether the change a change target asks by the
    latest year / by the target year can be told from noise (:func:`resolvable`)."""
    if latest_year is None:
        return Verdict(Status.NO_DATA, "no value for this unit yet")
    applies = latest_year >= goal.applies_from and p_now is not None
    if applies:
        assert p_now is not None
        if not resolvable_now and OFF_TRACK_P <= p_now < ON_TRACK_P:
            return Verdict(
                Status.INCONCLUSIVE,
                f"the change asked by {latest_year} is below what the data resolve, "
                f"P = {p_now:.2f}",
            )
        if p_now >= MET_P:
            return Verdict(Status.MET, f"applies in {latest_year} and P(satisfied) = {p_now:.2f}")
    if latest_year >= goal.year:
        shown = p_now if p_now is not None else p_by if p_by is not None else math.nan
        return Verdict(Status.OFF_TRACK, f"target year {goal.year} reached, P = {shown:.2f}")
    if applies:
        assert p_now is not None
        status = Status.AT_RISK if p_now >= OFF_TRACK_P else Status.OFF_TRACK
        return Verdict(status, f"applies in {latest_year} but P(satisfied) = {p_now:.2f}")
    if p_by is None:
        return Verdict(Status.AT_RISK, "too few years to project")
    if p_by >= ON_TRACK_P:
        return Verdict(Status.ON_TRACK, f"P(met in {goal.year}) = {p_by:.2f} ≥ {ON_TRACK_P}")
    if p_by < OFF_TRACK_P:
        return Verdict(Status.OFF_TRACK, f"P(met in {goal.year}) = {p_by:.2f} < {OFF_TRACK_P}")
    if not resolvable_by:
        return Verdict(
            Status.INCONCLUSIVE,
            f"the change asked by {goal.year} is below what the data resolve, P = {p_by:.2f}",
        )
    if p_by < MET_P and runs_away(observed_change, goal.direction, observed_change_se):
        return Verdict(
            Status.OFF_TRACK,
            f"P(met in {goal.year}) = {p_by:.2f} < {MET_P} and the trend runs away from the goal",
        )
    return Verdict(Status.AT_RISK, f"P(met in {goal.year}) = {p_by:.2f}")

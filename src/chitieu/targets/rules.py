"""The rules that turn an estimate and a projection into a target's status.

Pure functions, no database. Every status is decided from two probabilities and two rates:

* ``p_now`` — the probability that the true value in the latest observed year satisfies the
  target as it stands in that year (from the estimate's interval, :func:`prob_satisfies`);
* ``p_by`` — the probability that the true value in the target year satisfies it (from the
  projection: the SRB engine for sex ratios, the trend model for counts and coverage);
* the average annual change still required from the latest value to the goal, beside the
  change observed over recent years.

The rules (``RULES_VI``/``RULES_EN`` state them for the pages and the report):

1. **no_data** — no value for the unit yet.
2. **met** — the target applies in the latest year (the target year has been reached, or for an
   ``every_year`` target or an average-annual-change target the latest year lies in the target
   period) and ``p_now ≥ 0.5``: the estimate satisfies it more likely than not.
3. **off_track** — the target year has been reached and the target is not met (``p_now < 0.5``).
4. A target that applies now but is not met in the latest year (before its final year):
   **at_risk** if ``p_now ≥ 0.2`` (the data cannot tell), else **off_track**.
5. Before the target applies, from the projection: **on_track** if ``p_by ≥ 0.8``;
   **off_track** if ``p_by < 0.2``, or if ``p_by < 0.5`` and the observed change runs away
   from the goal; **at_risk** otherwise (also when too few years exist to project).

Average-annual-change targets ("SRB falls on average 0.2 points a year") become a glide path:
the goal in year *t* is ``baseline + annual_change × (t − baseline_year)``, holding from the
first year after the baseline; the baseline is the plan's where it states one, else the
estimate for the year before the plan starts (taken as fixed, its own uncertainty ignored).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from scipy.special import ndtr, ndtri  # scipy.stats would add half a second of import

#: Probability thresholds of the rules above.
MET_P = 0.5
ON_TRACK_P = 0.8
OFF_TRACK_P = 0.2


class Status(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


STATUS_LABELS: dict[str, tuple[str, str]] = {
    "met": ("Đạt", "Met"),
    "on_track": ("Đúng tiến độ", "On track"),
    "at_risk": ("Có nguy cơ không đạt", "At risk"),
    "off_track": ("Chệch hướng / không đạt", "Off track"),
    "no_data": ("Chưa có số liệu", "No data"),
    "context": ("Hiện trạng (không có chỉ tiêu)", "Context (no target)"),
}

RULES_VI = (
    "Đạt: chỉ tiêu đã đến hạn áp dụng (đã đến năm mục tiêu, hoặc năm gần nhất nằm trong giai "
    "đoạn phải duy trì) và xác suất ước tính thỏa mãn chỉ tiêu ≥ 0,5. "
    "Đúng tiến độ: chưa đến hạn và xác suất đạt vào năm mục tiêu (theo dự báo) ≥ 0,8. "
    "Chệch hướng: đã đến hạn mà không đạt; hoặc xác suất đạt < 0,2; hoặc xác suất < 0,5 và xu "
    "hướng quan sát đi ngược mục tiêu. Có nguy cơ: các trường hợp còn lại."
)
RULES_EN = (
    "Met: the target applies (its year has been reached, or the latest year lies in a period in "
    "which it must hold) and the estimate satisfies it with probability ≥ 0.5. "
    "On track: not yet due and the projected probability of meeting it in its year is ≥ 0.8. "
    "Off track: due and not met; or that probability is < 0.2; or it is < 0.5 and the observed "
    "trend runs away from the goal. At risk: every other case."
)


@dataclass(frozen=True, slots=True)
class Goal:
    """What a target asks, on the indicator's own scale.

    ``value`` is the level to reach in ``year`` (for an annual-change target, the glide path's
    end). ``applies_from`` is the first year in which the level (or glide path) must hold:
    ``year`` for a "by year" target, earlier for "every year" and annual-change targets."""

    direction: str  # at_most | at_least
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


def runs_away(observed_change: float | None, direction: str) -> bool:
    """True when the observed trend moves away from the goal (up for "at most")."""
    if observed_change is None:
        return False
    return observed_change > 0 if direction == "at_most" else observed_change < 0


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
) -> Verdict:
    """Apply the rules in this module's docstring. ``p_now`` is for the latest year's level
    (:meth:`Goal.level_in`), ``p_by`` for the target year's; ``observed_change`` per year."""
    if latest_year is None or p_now is None:
        return Verdict(Status.NO_DATA, "no value for this unit yet")
    applies = latest_year >= goal.applies_from
    if applies and p_now >= MET_P:
        return Verdict(Status.MET, f"applies in {latest_year} and P(satisfied) = {p_now:.2f}")
    if latest_year >= goal.year:
        return Verdict(Status.OFF_TRACK, f"target year {goal.year} reached, P = {p_now:.2f}")
    if applies:
        status = Status.AT_RISK if p_now >= OFF_TRACK_P else Status.OFF_TRACK
        return Verdict(status, f"applies in {latest_year} but P(satisfied) = {p_now:.2f}")
    if p_by is None:
        return Verdict(Status.AT_RISK, "too few years to project")
    if p_by >= ON_TRACK_P:
        return Verdict(Status.ON_TRACK, f"P(met in {goal.year}) = {p_by:.2f} ≥ {ON_TRACK_P}")
    if p_by < OFF_TRACK_P:
        return Verdict(Status.OFF_TRACK, f"P(met in {goal.year}) = {p_by:.2f} < {OFF_TRACK_P}")
    if p_by < MET_P and runs_away(observed_change, goal.direction):
        return Verdict(
            Status.OFF_TRACK,
            f"P(met in {goal.year}) = {p_by:.2f} < {MET_P} and the trend runs away from the goal",
        )
    return Verdict(Status.AT_RISK, f"P(met in {goal.year}) = {p_by:.2f}")

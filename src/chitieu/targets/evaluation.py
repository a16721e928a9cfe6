"""What evaluating one target for one unit yields: the object the API, the dashboard and the
report all print (so their numbers are the same numbers)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from chitieu.indicators.completeness import Completeness


@dataclass(frozen=True, slots=True)
class Point:
    """A value for a year with its interval (``lower``/``upper`` None when none applies).

    ``completeness`` says how much of the year's births have arrived (birth-based indicators;
    None otherwise); ``provisional`` is True for a year that is not complete (see
    :mod:`chitieu.indicators.completeness`)."""

    year: int
    value: float
    lower: float | None = None
    upper: float | None = None
    provisional: bool = False
    completeness: Completeness | None = None


@dataclass(frozen=True, slots=True)
class TargetEvaluation:
    """One target evaluated for one unit.

    ``latest`` is the estimate for the latest year with data (the smoothed estimate for sex
    ratios, the reported value otherwise) with its interval at ``level``. ``p_now`` is the
    probability that the latest year satisfies the target as it stands that year;
    ``prob_target_met`` the probability that the target year satisfies it (from the projection).
    ``required_annual_change`` is the average change per year still needed from the latest value
    to ``goal_value`` in ``target_year``; ``observed_annual_change`` the model's drift per year
    in the latest year (with ``observed_annual_change_se``).
    ``current`` is the year after ``latest`` whose births are still arriving (provisional, with
    its completeness): shown beside the figures, never judged on."""

    plan_code: str
    target_code: str
    indicator_code: str
    indicator_name_vi: str
    indicator_name_en: str
    unit_label_vi: str
    unit_label_en: str
    unit_code: str
    unit_name: str
    kind: str
    direction: str
    description_vi: str
    description_en: str
    baseline_value: float | None
    baseline_year: int | None
    target_value: float | None
    target_year: int
    start_year: int | None
    annual_change: float | None
    goal_value: float | None
    goal_latest: float | None
    latest: Point | None
    p_now: float | None
    prob_target_met: float | None
    required_annual_change: float | None
    observed_annual_change: float | None
    status: str
    status_reason: str
    method: str
    level: float = 0.95
    synthetic: bool = False
    current: Point | None = None
    #: The model's drift per year (``observed_annual_change``) has this standard error.
    observed_annual_change_se: float | None = None
    #: Change targets: the standard deviation of the change from the baseline to the target
    #: year (both uncertain), and the change per year the data could tell from noise.
    change_sd: float | None = None
    detectable_annual_change: float | None = None
    #: Several targets on one indicator and unit: True for the one that binds, False for the
    #: others (None when alone); what that means, in words (:mod:`chitieu.targets.binding`).
    binding: bool | None = None
    relation_vi: str | None = None
    relation_en: str | None = None
    series: list[Point] = field(default_factory=list)
    smoothed: list[Point] = field(default_factory=list)
    projection: list[Point] = field(default_factory=list)

    def to_dict(self, *, with_series: bool = True) -> dict[str, Any]:
        out = asdict(self)
        if not with_series:
            for name in ("series", "smoothed", "projection"):
                out.pop(name)
        return out

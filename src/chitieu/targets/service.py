"""Evaluate the loaded plans' targets for any unit: the one function behind the CLI
(``chitieu targets status``), the API (``/api/targets/status``), the dashboard's scorecard and
the periodic report, so all four print the same numbers."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.catalog import Catalog, read_catalog
from chitieu.catalog.schema import Indicator
from chitieu.indicators import IndicatorValue, children_by_year, indicator_series
from chitieu.indicators.completeness import Completeness, births_completeness, needs_births
from chitieu.store.models import Plan, Target
from chitieu.targets.binding import with_relations
from chitieu.targets.evaluation import Point, TargetEvaluation
from chitieu.targets.projection import Projection, project_sex_ratio, project_values
from chitieu.targets.provenance import uses_synthetic_data
from chitieu.targets.rules import (
    ChangeVerdictInputs,
    Direction,
    Goal,
    Status,
    annual_change_goal,
    as_direction,
    change_inputs,
    judge,
    prob_satisfies,
    required_annual_change,
)
from chitieu.units.queries import UnitInfo, get_unit

#: The first year read for a series: enough history for the smoother and the trend.
FIRST_YEAR = 2005
#: How many recent years the trend model sees (older levels say little about 2030).
TREND_YEARS = 8

#: Stands for a year the completeness does not know (a year without births is not partial).
_COMPLETE = Completeness(0, 0, 0, 0, 0, None, None, True, True)

Projector = Callable[..., Projection]
#: Unit code -> year -> (male, female) births.
Panel = dict[str, dict[int, tuple[float, float]]]


def _goal(target: Target, smoothed_at: Callable[[int], float | None]) -> Goal | None:
    """The target as a :class:`Goal`; None when it cannot be stated yet (an annual-change target
    whose baseline is neither given nor estimable) or is context only."""
    if target.kind == "context":
        return None
    if target.annual_change is not None and target.target_value is None:
        base_year = target.baseline_year or (target.start_year or target.target_year) - 1
        base_value = target.baseline_value
        if base_value is None:
            base_value = smoothed_at(base_year)
        if base_value is None:
            return None
        return annual_change_goal(
            annual_change=target.annual_change,
            baseline_value=base_value,
            baseline_year=base_year,
            target_year=target.target_year,
            start_year=target.start_year,
        )
    assert target.target_value is not None  # the plan schema requires value or annual change
    applies = target.start_year if target.kind == "every_year" else target.target_year
    return Goal(
        direction=as_direction(target.direction),
        value=target.target_value,
        year=target.target_year,
        applies_from=applies or target.target_year,
        baseline_value=target.baseline_value,
        baseline_year=target.baseline_year,
    )


def _reported(ind: Indicator, v: IndicatorValue) -> bool:
    """A year with a value. For counts read from reports (coverage, per 10,000, means), a zero
    numerator means nothing was reported (the population alone was), not a true zero: no
    health system has no doctors or no insured people."""
    if v.value is None:
        return False
    return ind.kind in ("sex_ratio", "missing_births") or v.numerator > 0


class _Reads:
    """Reads shared by targets evaluated together. Several targets watch one indicator in one
    unit (the Hanoi plan's "at most 109 by 2030" and "0.2 points a year"; the national 2025
    and 2030 SRB targets): they read its series and its province panel once."""

    def __init__(self, db: Session, catalog: Catalog) -> None:
        self._db = db
        self._catalog = catalog
        self._series: dict[tuple[str, str, tuple[int, ...]], list[IndicatorValue]] = {}
        self._panels: dict[tuple[str, str, tuple[int, ...]], Panel | None] = {}
        self.fits: dict[Hashable, Any] = {}  # SRB engine fits by their input
        self._completeness: dict[tuple[str, int], dict[int, Completeness]] = {}

    def completeness(self, unit: UnitInfo, until_year: int) -> dict[int, Completeness]:
        """The unit's births completeness per year up to ``until_year``."""
        key = (unit.code, until_year)
        if key not in self._completeness:
            self._completeness[key] = births_completeness(
                self._db,
                unit.code,
                until_year,
                catalog=self._catalog,
            )
        return self._completeness[key]

    def series(self, ind: Indicator, unit: UnitInfo, years: Iterable[int]) -> list[IndicatorValue]:
        key = (ind.code, unit.code, tuple(years))
        if key not in self._series:
            self._series[key] = indicator_series(
                self._db,
                ind.code,
                unit.code,
                key[2],
                catalog=self._catalog,
            )
        return self._series[key]

    def panel(self, ind: Indicator, unit: UnitInfo, years: Iterable[int]) -> Panel | None:
        """For a commune's sex ratio: every commune of its province, year -> (male, female),
        the panel the SRB engine pools over. None for other units and indicators."""
        if ind.kind != "sex_ratio" or unit.level != "commune" or unit.parent_code is None:
            return None
        key = (ind.code, unit.parent_code, tuple(years))
        if not key[2]:
            return {}  # nothing observed: nothing to pool
        if key not in self._panels:
            panel = children_by_year(
                self._db, ind.code, unit.parent_code, key[2], catalog=self._catalog
            )
            self._panels[key] = {
                code: {
                    year: (float(panel.numerator[i, j]), float(panel.denominator[i, j]))
                    for j, year in enumerate(panel.years)
                }
                for i, code in enumerate(panel.codes)
            }
        return self._panels[key]


def _point(
    v: IndicatorValue, *, provisional: bool = False, completeness: Completeness | None = None
) -> Point:
    """The point of a reported year (:func:`_reported` keeps only years with a value)."""
    assert v.value is not None
    return Point(v.years[0], v.value, v.lower, v.upper, provisional, completeness)


def _project(
    ind: Indicator,
    observed: list[IndicatorValue],
    to_year: int,
    goal: float,
    direction: Direction,
    panel: Panel | None = None,
    fits: dict[Hashable, Any] | None = None,
    baseline_year: int | None = None,
) -> Projection:
    if not observed:
        return Projection()
    if ind.kind == "sex_ratio":
        return project_sex_ratio(
            observed,
            to_year=to_year,
            goal=goal,
            direction=direction,
            panel=panel,
            fits=fits,
            baseline_year=baseline_year,
        )
    recent = observed[-TREND_YEARS:]
    if len(recent) < 2:
        return Projection()
    return project_values(ind, recent, to_year=to_year, goal=goal, direction=direction)


def evaluate_target(
    db: Session,
    target: Target,
    *,
    unit: UnitInfo,
    until_year: int,
    catalog: Catalog,
    synthetic: bool = False,
    reads: _Reads | None = None,
) -> TargetEvaluation:
    """Evaluate ``target`` for ``unit`` with the data up to ``until_year`` (see
    :mod:`chitieu.targets.rules` for the status rules)."""
    reads = reads or _Reads(db, catalog)
    ind = catalog.indicator(target.indicator_code)
    years = range(min(FIRST_YEAR, target.baseline_year or FIRST_YEAR), until_year + 1)
    observed = [v for v in reads.series(ind, unit, years) if _reported(ind, v)]
    done = reads.completeness(unit, until_year) if needs_births(ind, catalog) else {}
    current = None
    if done:  # a year whose births are still arriving is shown, never judged on
        partial = [v for v in observed if not done.get(v.years[0], _COMPLETE).complete]
        observed = [v for v in observed if done.get(v.years[0], _COMPLETE).complete]
        if partial and (not observed or partial[-1].years[0] > observed[-1].years[0]):
            v = partial[-1]
            current = _point(v, provisional=True, completeness=done[v.years[0]])
    points = [_point(v) for v in observed]
    panel = reads.panel(ind, unit, [p.year for p in points])

    # A first pass projects to the plain target value, which also yields the smoothed level
    # an annual-change target needs as its baseline.
    provisional = target.target_value
    if provisional is None and observed:
        provisional = observed[-1].value
    proj = (
        _project(
            ind,
            observed,
            target.target_year,
            provisional,
            as_direction(target.direction),
            panel,
            reads.fits,
        )
        if provisional is not None
        else Projection()
    )
    fitted = {p.year: p for p in proj.smoothed} or {p.year: p for p in points}

    def smoothed_at(year: int) -> float | None:
        return fitted[year].value if year in fitted else None

    goal = _goal(target, smoothed_at)
    changes = goal is not None and goal.annual_change is not None
    if goal is not None and observed and (goal.level_in(goal.year) != provisional or changes):
        base = goal.baseline_year if changes else None
        proj = _project(
            ind, observed, goal.year, goal.level_in(goal.year), goal.direction, panel, reads.fits,
            base,
        )  # fmt: skip
        fitted = {p.year: p for p in proj.smoothed} or {p.year: p for p in points}

    latest = fitted[max(fitted)] if fitted else None
    if latest is not None and done:
        latest = replace(latest, completeness=done.get(latest.year))
    p_now = p_by = required = None
    change: ChangeVerdictInputs | None = None
    if latest is not None and goal is not None:
        p_now = prob_satisfies(
            latest.value, latest.lower, latest.upper, goal.level_in(latest.year), goal.direction
        )
        p_by = p_now if latest.year >= goal.year else proj.prob_met
        required = required_annual_change(latest.value, latest.year, goal)
        if changes and proj.change:  # judged jointly: the baseline is an estimate too
            change = change_inputs(goal, latest.year, proj.change)
            p_now, p_by = change.p_now, change.p_by
    if goal is None:
        status, reason = Status.NO_DATA.value, "no goal can be stated yet"
        if target.kind == "context":
            status, reason = "context", "a baseline recorded for context; no target value"
    else:
        verdict = judge(
            goal,
            latest_year=latest.year if latest else None,
            p_now=p_now,
            p_by=p_by,
            observed_change=proj.annual_change,
            observed_change_se=proj.annual_change_se,
            resolvable_now=change.resolvable_now if change else True,
            resolvable_by=change.resolvable_by if change else True,
        )
        status, reason = verdict.status.value, verdict.reason
    return TargetEvaluation(
        plan_code=target.plan_code,
        target_code=target.code,
        indicator_code=ind.code,
        indicator_name_vi=ind.name_vi,
        indicator_name_en=ind.name_en,
        unit_label_vi=ind.unit_vi,
        unit_label_en=ind.unit_en,
        unit_code=unit.code,
        unit_name=unit.name,
        kind=target.kind,
        direction=target.direction,
        description_vi=target.description_vi,
        description_en=target.description_en,
        baseline_value=goal.baseline_value if goal else target.baseline_value,
        baseline_year=goal.baseline_year if goal else target.baseline_year,
        target_value=target.target_value,
        target_year=target.target_year,
        start_year=target.start_year,
        annual_change=target.annual_change,
        goal_value=goal.level_in(goal.year) if goal else None,
        goal_latest=goal.level_in(latest.year) if goal and latest else None,
        latest=latest,
        p_now=p_now,
        prob_target_met=p_by,
        required_annual_change=required,
        observed_annual_change=proj.annual_change,
        observed_annual_change_se=proj.annual_change_se,
        change_sd=change.change_sd if change else None,
        detectable_annual_change=change.detectable_annual_change if change else None,
        status=status,
        status_reason=reason,
        method=proj.method,
        synthetic=synthetic,
        series=points,
        smoothed=list(proj.smoothed),
        projection=list(proj.path),
        current=current,
    )


def evaluate_targets(
    db: Session,
    *,
    plan_code: str | None = None,
    unit_code: str | None = None,
    until_year: int | None = None,
    catalog: Catalog | None = None,
) -> list[TargetEvaluation]:
    """Evaluate every target of ``plan_code`` (all loaded plans when None) for ``unit_code``
    (each target's own unit when None) with data up to ``until_year`` (default: this year).

    Raises ``KeyError`` for an unknown plan and
    :class:`~chitieu.units.queries.UnknownUnitError` for an unknown unit."""
    if plan_code is not None and db.get(Plan, plan_code) is None:
        raise KeyError(f"unknown plan {plan_code!r}")
    query = select(Target).order_by(Target.plan_code, Target.id)
    if plan_code is not None:
        query = query.where(Target.plan_code == plan_code)
    targets = db.scalars(query).all()
    pairs = [(t, unit_code or t.unit_code) for t in targets]
    return evaluate_pairs(db, pairs, until_year=until_year, catalog=catalog)


def evaluate_pairs(
    db: Session,
    pairs: Iterable[tuple[Target, str]],
    *,
    until_year: int | None = None,
    catalog: Catalog | None = None,
) -> list[TargetEvaluation]:
    """Evaluate each (target, unit code) pair with data up to ``until_year`` (default: this
    year): :func:`evaluate_targets` for callers that choose the unit per target."""
    catalog = catalog or read_catalog()
    until_year = until_year or date.today().year
    units: dict[str, tuple[UnitInfo, bool]] = {}
    reads = _Reads(db, catalog)
    out = []
    for target, code in pairs:
        if code not in units:
            units[code] = (get_unit(db, code), uses_synthetic_data(db, code))
        unit, synthetic = units[code]
        out.append(
            evaluate_target(
                db,
                target,
                unit=unit,
                until_year=until_year,
                catalog=catalog,
                synthetic=synthetic,
                reads=reads,
            )
        )
    return with_relations(out)

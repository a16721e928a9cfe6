"""The scorecard and the SRB trend: the targets of every plan covering the unit, evaluated by
:func:`chitieu.targets.service.evaluate_targets` (the same numbers as the API and the report).

A plan covers a unit when the plan's unit is the unit itself or lies above it (the Hanoi plan
covers every Hanoi commune; the national plan covers every unit). Targets are listed from the
most local plan to the national one.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.dashboard.common import TREND_FROM, View, num, unit_json
from chitieu.indicators import indicator_series
from chitieu.store.models import Plan, Target
from chitieu.targets.binding import notes
from chitieu.targets.evaluation import Point, TargetEvaluation
from chitieu.targets.rules import rules_text, status_label
from chitieu.targets.service import evaluate_pairs
from chitieu.units.queries import UnitInfo

#: Status colours the page uses (green: fine, amber: unsure, red: not on course).
STATUS_TONE = {
    "met": "good",
    "on_track": "good",
    "at_risk": "warn",
    "off_track": "bad",
    "inconclusive": "warn",
    "no_data": "none",
    "context": "none",
}


def covering_plans(db: Session, unit: UnitInfo) -> list[Plan]:
    """Plans whose unit is ``unit`` or one above it, the most local first."""
    chain = unit.path.split("/")
    plans = db.scalars(select(Plan).where(Plan.unit_code.in_(chain))).all()
    return sorted(plans, key=lambda p: (-chain.index(p.unit_code), p.code))


def evaluations(db: Session, unit: UnitInfo, year: int) -> list[TargetEvaluation]:
    """Every target of every plan covering ``unit``, evaluated for ``unit`` with the data up to
    ``year``, most local plan first."""
    plans = [p.code for p in covering_plans(db, unit)]
    targets = db.scalars(select(Target).where(Target.plan_code.in_(plans))).all()
    targets = sorted(targets, key=lambda t: (plans.index(t.plan_code), t.id))
    # one call, so that targets of different plans on the same indicator share their reads
    return evaluate_pairs(db, [(t, unit.code) for t in targets], until_year=year)


def _point(p: Point | None, digits: int = 2) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "year": p.year,
        "value": num(p.value, digits),
        "lower": num(p.lower, digits),
        "upper": num(p.upper, digits),
        "provisional": p.provisional,
        "completeness": asdict(p.completeness) if p.completeness else None,
    }


def _rows(points: list[Point], digits: int = 2) -> list[list[float | int | None]]:
    """Points as compact rows ``[year, value, lower, upper]`` (a chart needs no key names)."""
    return [
        [p.year, num(p.value, digits), num(p.lower, digits), num(p.upper, digits)] for p in points
    ]


def scorecard_json(view: View, evals: list[TargetEvaluation]) -> dict[str, Any]:
    """The scorecard: per target its latest estimate with interval, status and the probability
    of meeting it (``prob``, 0–1), the change per year needed and the one observed."""
    items = []
    for e in evals:
        items.append(
            {
                "plan": e.plan_code,
                "code": e.target_code,
                "indicator": e.indicator_code,
                "name": view.name(e.indicator_name_vi, e.indicator_name_en),
                "description": view.name(e.description_vi, e.description_en),
                "unit_label": view.name(e.unit_label_vi, e.unit_label_en),
                "kind": e.kind,
                "direction": e.direction,
                "goal": num(e.goal_value),
                "goal_latest": num(e.goal_latest),
                "target_year": e.target_year,
                "latest": _point(e.latest),
                "current": _point(e.current),
                "status": e.status,
                "status_label": status_label(e.status, view.lang),
                "tone": STATUS_TONE.get(e.status, "none"),
                "reason": e.status_reason,
                "prob": num(e.prob_target_met, 3),
                "p_now": num(e.p_now, 3),
                "required_change": num(e.required_annual_change),
                "observed_change": num(e.observed_annual_change),
                "observed_change_se": num(e.observed_annual_change_se),
                "detectable_change": num(e.detectable_annual_change),
                "binding": e.binding,
                "notes": notes(e, view.lang),
                "level": e.level,
            }
        )
    return {
        "unit": unit_json(view.unit),
        "year": view.year,
        "targets": items,
        "synthetic": any(e.synthetic for e in evals),
        "rules": rules_text(view.lang),
    }


def _srb_evaluation(evals: list[TargetEvaluation]) -> TargetEvaluation | None:
    """The SRB target the trend chart shows: one with a target value, from the most local plan
    (``evals`` come most local first), the latest target year within that plan."""
    candidates = [e for e in evals if e.indicator_code == "SRB" and e.target_value is not None]
    if not candidates:
        return None
    first_plan = candidates[0].plan_code
    return max((e for e in candidates if e.plan_code == first_plan), key=lambda e: e.target_year)


def trend_json(db: Session, view: View, evals: list[TargetEvaluation]) -> dict[str, Any]:
    """The SRB trend: observed values with their 95 % interval (``observed``), the smoothed
    line with its band (``smoothed``), the projection to the target year (``projection``) and
    the target line (``target``), each row ``[year, value, lower, upper]``."""
    chosen = _srb_evaluation(evals)
    if chosen is not None:
        observed = _rows(chosen.series)
        smoothed = _rows(chosen.smoothed)
        projection = _rows(chosen.projection)
        target = {
            "value": chosen.target_value,
            "year": chosen.target_year,
            "plan": chosen.plan_code,
            "description": view.name(chosen.description_vi, chosen.description_en),
        }
        prob = num(chosen.prob_target_met, 3)
        method = chosen.method
    else:  # no SRB target covers the unit: the observed series alone
        series = indicator_series(db, "SRB", view.unit.code, range(TREND_FROM, view.year + 1))
        observed = [
            [v.years[0], num(v.value), num(v.lower), num(v.upper)]
            for v in series
            if v.value is not None
        ]
        smoothed, projection, target, prob, method = [], [], None, None, "none"
    observed = [r for r in observed if r[0] >= TREND_FROM]  # type: ignore[operator]
    return {
        "unit": unit_json(view.unit),
        "year": view.year,
        "observed": observed,
        "smoothed": [r for r in smoothed if r[0] >= TREND_FROM],  # type: ignore[operator]
        "projection": projection,
        "target": target,
        "prob_target_met": prob,
        "method": method,
        "level": 0.95,
    }

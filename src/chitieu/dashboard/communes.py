"""The units below the dashboard's unit (the communes of a province, the provinces of the
country): a funnel plot of the year's SRB against births, and a table ranked by the expected
excess boys of the engine's change model (never by raw SRB).

The ranking is :func:`chitieu.enforcement.ranking.excess_ranking` — the same list, in the same
order and over the same pooling window, as the enforcement page, the API and the report, with
each unit's inspection history. The z-score stays as a descriptive column. The funnel's centre
and limits come from the statistics engine.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from chitieu.dashboard.common import View, num
from chitieu.enforcement.ranking import excess_ranking
from chitieu.indicators import indicator_by_children, indicator_value

#: Points on each funnel limit (log-spaced births: enough for a smooth curve, small payload).
FUNNEL_POINTS = 40
FUNNEL_LEVELS = (0.95, 0.998)


def _funnel(centre: float, male: np.ndarray, female: np.ndarray) -> dict[str, Any]:
    """The engine's funnel (:func:`chitieu.stats.funnel_plot`) around ``centre`` (boys per 100
    girls), with the overdispersion the units' spread shows (Spiegelhalter 2005), as compact
    curves: ``births`` and per level the ``lower``/``upper`` SRB at those births."""
    from chitieu.stats import funnel_plot

    funnel = funnel_plot(male, female, centre=centre, levels=FUNNEL_LEVELS, grid_size=FUNNEL_POINTS)
    return {
        "centre": num(funnel.centre),
        "tau": num(funnel.tau, 4),
        "births": [round(float(b)) for b in funnel.grid_births],
        "limits": {
            str(level): {
                "lower": [num(x) for x in funnel.limits[level][0]],
                "upper": [num(x) for x in funnel.limits[level][1]],
            }
            for level in FUNNEL_LEVELS
        },
    }


def communes_json(db: Session, view: View, *, today: date | None = None) -> dict[str, Any]:
    """For each unit directly below the view's unit: the year's births and SRB with its 95 %
    interval (funnel points), and the excess ranking (P(excess), onset, step, expected excess
    boys, z) over its pooling window, with the inspection history."""
    unit = view.unit
    if unit.level == "commune":
        return {"year": view.year, "level": None, "points": [], "ranking": [], "funnel": None}
    year_values = indicator_by_children(db, "SRB", unit.code, view.year)
    centre = indicator_value(db, "SRB", unit.code, view.year)
    as_of = min(today or date.today(), date(view.year, 12, 31))
    ranking = excess_ranking(db, unit.code, until_year=view.year, as_of=as_of)
    ranked = ranking.rows
    names = {r.unit_code: r.unit_name for r in ranked}
    points = [
        [
            v.unit_code,
            names.get(v.unit_code, v.unit_code),
            int(v.numerator + v.denominator),
            num(v.value, 1),
            num(v.lower, 1),
            num(v.upper, 1),
        ]
        for v in year_values
        if v.value is not None
    ]
    funnel = None
    if len(points) >= 3 and centre.value is not None:
        male = np.array([v.numerator for v in year_values if v.value is not None])
        female = np.array([v.denominator for v in year_values if v.value is not None])
        funnel = _funnel(centre.value, male, female)
    return {
        "year": view.year,
        "level": "province" if unit.level == "country" else "commune",
        "excess_years": ranking.window,
        "points": points,
        "funnel": funnel,
        "ranking": [
            {
                "code": r.unit_code,
                "name": r.unit_name,
                "births": r.births,
                "srb": num(r.srb, 1),
                "lower": num(r.srb_lower, 1),
                "upper": num(r.srb_upper, 1),
                "z": num(r.z),
                "flag": r.flag,
                "p_excess": num(r.p_excess, 3),
                "onset": r.onset,
                "excess": num(r.excess, 1),
                "excess_lower": num(r.excess_lower, 1),
                "excess_upper": num(r.excess_upper, 1),
                "expected_excess_boys": num(r.expected_excess_boys, 0),
                "inspections": r.inspections,
                "last_inspected": r.last_inspected.isoformat() if r.last_inspected else None,
                "priority": r.priority,
            }
            for r in ranked
        ],
    }

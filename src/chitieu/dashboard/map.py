"""The map's figures: for every unit directly below a province or the country, the smoothed SRB
with its interval, P(excess), the completeness of the monthly reports and the health insurance
coverage with its interval, each put in a colour class of its layer.

Colours are classes of an estimate or a probability, never a ranking of raw ratios: the SRB
layer colours the posterior (smoothed) estimate of the excess window's last year, and a unit
whose interval is wider than :data:`UNCERTAIN_WIDTH` is drawn hatched. Every figure comes from
:mod:`chitieu.enforcement.ranking`, :mod:`chitieu.indicators` or
:mod:`chitieu.dashboard.reporting`; nothing here computes a statistic.

    LAYERS                          # layer name -> Layer (class limits, key of its title)
    map_json(db, unit, year) -> dict
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from chitieu.dashboard.common import num
from chitieu.dashboard.reporting import LATE, NOT_DUE, ON_TIME, reporting_json
from chitieu.enforcement.ranking import excess_ranking
from chitieu.indicators import indicator_by_children
from chitieu.reporting.calendar import MONTHLY
from chitieu.units.queries import UnitInfo

#: An SRB interval wider than this (points) is drawn hatched: too few births to conclude.
UNCERTAIN_WIDTH = 10.0
COVERAGE_INDICATOR = "INSURANCE_COVERAGE"


@dataclass(frozen=True, slots=True)
class Layer:
    name: str
    #: upper limits of the classes below the top one, in the layer's own unit
    limits: tuple[float, ...]
    #: message key of the layer's title
    title: str
    #: digits shown
    digits: int

    def klass(self, value: float | None) -> str:
        """``c0`` … ``cN`` by the limits, ``none`` without a value."""
        if value is None:
            return "none"
        return f"c{next((i for i, lim in enumerate(self.limits) if value < lim), len(self.limits))}"

    def bands(self) -> list[tuple[str, float | None, float | None]]:
        """The legend: (class, from, to) for each class, open at both ends."""
        edges: list[float | None] = [None, *self.limits, None]
        return [(f"c{i}", edges[i], edges[i + 1]) for i in range(len(self.limits) + 1)]


LAYERS = {
    "srb": Layer("srb", (107.0, 110.0, 113.0), "map_layer_srb", 1),
    "p_excess": Layer("p_excess", (0.5, 0.8, 0.95), "map_layer_p_excess", 2),
    "completeness": Layer("completeness", (50.0, 80.0, 95.0), "map_layer_completeness", 0),
    "coverage": Layer("coverage", (90.0, 95.0, 98.0), "map_layer_coverage", 1),
}


def _completeness(reporting: dict[str, Any], now: datetime) -> dict[str, float | None]:
    """Each row's completeness over the year's months whose report is due (%), None without
    any: a month still open, or whose deadline has not passed, is not counted as missing."""
    year = reporting["year"]
    due = [MONTHLY.is_past_due(p, now) for p in MONTHLY.periods_of_year(year)]
    out: dict[str, float | None] = {}
    for row in reporting["rows"]:
        if "cells" in row:  # a commune: one cell per month started
            cells = [c for c, d in zip(row["cells"], due, strict=False) if d and c != NOT_DUE]
            sent = sum(c in (ON_TIME, LATE) for c in cells)
            out[row["code"]] = 100.0 * sent / len(cells) if cells else None
        else:  # a province: its completeness per month
            months = [m for m, d in zip(row["completeness"], due, strict=True) if d]
            months = [m for m in months if m is not None]
            out[row["code"]] = sum(months) / len(months) if months else None
    return out


def map_json(
    db: Session,
    unit: UnitInfo,
    year: int,
    *,
    reporting_year: int | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The map of the units directly below ``unit``: the SRB over the excess window ending at
    the last complete year up to ``year``, the coverage of ``year``, the monthly reports sent
    in ``reporting_year`` (default ``year``; the year in progress is the one to watch):
    ``{window, year, reporting_year, units: [{code, name, srb: {value, lower, upper},
    p_excess, completeness, coverage: {value, lower, upper}, classes: {layer: class},
    uncertain}]}`` in code order."""
    today = today or date.today()
    reporting_year = reporting_year or year
    ranked = excess_ranking(db, unit.code, until_year=year, as_of=today)
    now = datetime.utcnow()
    share = _completeness(reporting_json(db, unit, reporting_year, now=now), now)
    coverage = {
        v.unit_code: v
        for v in indicator_by_children(db, COVERAGE_INDICATOR, unit.code, year)
        # a zero numerator is "not reported" (as on the dashboard): the store cannot tell a
        # reported 0 from a unit that sent no figure
        if v.value is not None and v.numerator > 0
    }
    units = []
    for r in sorted(ranked.rows, key=lambda r: r.unit_code):
        cov = coverage.get(r.unit_code)
        srb = {"value": r.est, "lower": r.est_lower, "upper": r.est_upper}
        cov_json = {
            "value": num(cov.value if cov else None),
            "lower": num(cov.lower if cov else None),
            "upper": num(cov.upper if cov else None),
        }
        values = {
            "srb": r.est,
            "p_excess": r.p_excess,
            "completeness": num(share.get(r.unit_code), 1),
            "coverage": cov_json["value"],
        }
        wide = r.est is not None and (
            r.est_lower is None
            or r.est_upper is None
            or r.est_upper - r.est_lower > UNCERTAIN_WIDTH
        )
        units.append(
            {
                "code": r.unit_code,
                "name": r.unit_name,
                "births": r.births,
                "srb": srb,
                "p_excess": r.p_excess,
                "completeness": values["completeness"],
                "coverage": cov_json,
                "classes": {name: layer.klass(values[name]) for name, layer in LAYERS.items()},
                "uncertain": wide,
            }
        )
    return {
        "window": {"first_year": ranked.first_year, "last_year": ranked.last_year},
        "year": year,
        "reporting_year": reporting_year,
        "units": units,
    }

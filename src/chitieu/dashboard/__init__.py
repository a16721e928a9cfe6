"""The JSON the dashboard's charts draw from: a pure assembly layer over
:mod:`chitieu.indicators`, :mod:`chitieu.targets` and :mod:`chitieu.stats` (no statistic is
computed here).

    SECTIONS                                    # names, in the page's order
    build_section(db, view, name, evals=None) -> dict
    View(unit: UnitInfo, year: int, lang="vi")
    latest_year(db, unit) -> int              # the last complete year: the headline
    latest_data_year(db, unit) -> int         # the latest year with any data (may be partial)
    data_version(db) -> tuple[int, int]        # changes whenever stored data change

Sections: ``scorecard`` (targets with status and probability), ``trend`` (SRB with interval
band, smoothed line, projection and target), ``communes`` (funnel points and limits, ranking by
excess z), ``signatures`` (SRB by birth order, after two girls, missing female births),
``capacity`` (per 10,000 and coverage %), ``reporting`` (completeness and timeliness).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from chitieu.dashboard.common import View, latest_data_year, latest_year
from chitieu.dashboard.communes import communes_json
from chitieu.dashboard.indicators import capacity_json, signatures_json
from chitieu.dashboard.reporting import reporting_json
from chitieu.dashboard.targets import evaluations, scorecard_json, trend_json
from chitieu.store.audit import data_version
from chitieu.targets.evaluation import TargetEvaluation

SECTIONS = ("scorecard", "trend", "signatures", "communes", "capacity", "reporting")

Evaluations = Callable[[], list[TargetEvaluation]]


def build_section(
    db: Session, view: View, name: str, evals: Evaluations | None = None
) -> dict[str, Any]:
    """The JSON of section ``name`` for ``view``. ``evals`` supplies the targets' evaluations
    (the scorecard and the trend share them, so a caller may compute them once); by default
    they are computed here. KeyError for an unknown section."""
    if name not in SECTIONS:
        raise KeyError(name)
    if name in ("scorecard", "trend"):
        evaluated = evals() if evals else evaluations(db, view.unit, view.year)
        if name == "scorecard":
            return scorecard_json(view, evaluated)
        return trend_json(db, view, evaluated)
    if name == "communes":
        return communes_json(db, view)
    if name == "signatures":
        return signatures_json(db, view)
    if name == "capacity":
        return capacity_json(db, view)
    return reporting_json(db, view.unit, view.year, lang=view.lang)


__all__ = [
    "SECTIONS",
    "View",
    "build_section",
    "data_version",
    "evaluations",
    "latest_data_year",
    "latest_year",
]

"""Where to inspect: the statistics engine's excess ranking beside each commune's inspection
history, so the Department sees where it has not yet looked.

Communes are ranked by the expected number of excess boys the engine's change model finds
(``p_excess × step × births since the onset``, see :mod:`chitieu.stats.change`), never by raw
SRB: a small commune's raw ratio swings widely by chance, and a large commune with a modest,
certain step matters more than a tiny one with a wild ratio. A commune is a *priority* when
``p_excess`` reaches :data:`PRIORITY_P` (the engine's ``high`` flag) and it has not been
inspected in the last ``years_not_inspected`` years (or never); priorities come first, then by
expected excess boys; units without births come last. The z-score stays as a descriptive
figure. Every caller gets the same pooling window (:class:`ExcessRanking` says which years).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.catalog import read_catalog
from chitieu.enforcement.history import CommuneInspections, inspection_history
from chitieu.indicators import children_by_year, pooled_by_children
from chitieu.store.models import Unit
from chitieu.units.queries import get_unit

#: Years of births the excess evidence pools, up to the window's last year.
EXCESS_YEARS = 8
#: "Not inspected in N years": the default N.
YEARS_NOT_INSPECTED = 2
#: Posterior probability of an excess that makes a commune a priority (the ``high`` flag).
PRIORITY_P = 0.5


@dataclass(frozen=True, slots=True)
class ExcessRow:
    unit_code: str
    unit_name: str
    births: int
    srb: float | None
    srb_lower: float | None
    srb_upper: float | None
    #: the smoothed (posterior) SRB of the window's last year with its interval
    est: float | None
    est_lower: float | None
    est_upper: float | None
    z: float | None
    flag: str | None
    p_excess: float | None
    onset: int | None
    excess: float | None  # the step, SRB points
    excess_lower: float | None
    excess_upper: float | None
    expected_excess_boys: float | None
    inspections: int
    last_inspected: date | None
    fines_vnd: int
    years_since_inspection: float | None
    priority: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["last_inspected"] = self.last_inspected.isoformat() if self.last_inspected else None
        return out


@dataclass(frozen=True, slots=True)
class ExcessRanking:
    """The ranked rows and the years of births they pool (print them beside the ranking)."""

    rows: list[ExcessRow]
    first_year: int
    last_year: int

    @property
    def window(self) -> str:
        return f"{self.first_year}–{self.last_year}"


def _opt(v: Any, digits: int = 3) -> float | None:
    v = float(v)
    return round(v, digits) if np.isfinite(v) else None


def _excess_scores(
    codes: list[str], years: list[int], male: np.ndarray, female: np.ndarray
) -> dict[str, dict[str, Any]]:
    """Per unit, in the last of ``years``: the descriptive z and the change model's
    ``p_excess``, onset, step with its interval and the expected excess boys, from the SRB
    engine (:func:`chitieu.stats.smoothing.smooth_srb`); ``male``/``female`` (units, years)."""
    from chitieu.stats.smoothing import smooth_srb

    unit = np.repeat(np.asarray(codes, dtype=object), len(years))
    year = np.tile(np.asarray(years), len(codes))
    fit = smooth_srb(unit, year, male.ravel(), female.ravel())
    out: dict[str, dict[str, Any]] = {}
    last = np.flatnonzero(fit.year == years[-1])
    births = male + female
    for i, k in enumerate(last):
        onset = fit.onset[k]
        since = births[i, np.asarray(years) >= onset].sum() if onset is not None else 0.0
        srb, step, p = float(fit.est[k]), float(fit.excess[k]), float(fit.p_excess[k])
        # Boys' share at the SRB now less the share without the step, times the births since.
        boys = since * (srb / (100 + srb) - (srb - step) / (100 + srb - step))
        out[str(fit.unit[k])] = {
            "est": _opt(fit.est[k], 2),
            "est_lower": _opt(fit.est_lower[k], 2),
            "est_upper": _opt(fit.est_upper[k], 2),
            "z": _opt(fit.z[k]),
            "flag": fit.flag[k] or None,
            "p_excess": _opt(p),
            "onset": None if onset is None else int(onset),
            "excess": _opt(step, 2),
            "excess_lower": _opt(fit.excess_lower[k], 2),
            "excess_upper": _opt(fit.excess_upper[k], 2),
            "expected_excess_boys": _opt(p * max(boys, 0.0), 1),
        }
    return out


def excess_window(db: Session, unit_code: str, until_year: int) -> tuple[int, int]:
    """The years the ranking pools: :data:`EXCESS_YEARS` up to the last complete year of
    births at or before ``until_year`` (a year still arriving is never pooled), the same for
    the dashboard, the report, the API and the CLI."""
    from chitieu.indicators.completeness import births_completeness, last_complete_year

    complete = births_completeness(db, unit_code, until_year)
    last = last_complete_year(complete) or until_year
    return last - EXCESS_YEARS + 1, last


def excess_ranking(
    db: Session,
    unit_code: str,
    *,
    until_year: int,
    as_of: date,
    years_not_inspected: int = YEARS_NOT_INSPECTED,
) -> ExcessRanking:
    """The units directly below ``unit_code`` (communes of a province) over the pooling window
    (:func:`excess_window`): births, pooled SRB with interval, z, the change model's figures and
    the inspection history up to ``as_of``; priorities first (see the module docstring)."""
    first, last = excess_window(db, unit_code, until_year)
    rows = _rank(db, unit_code, list(range(first, last + 1)), as_of, years_not_inspected)
    return ExcessRanking(rows, first, last)


def excess_beside_inspections(
    db: Session,
    unit_code: str,
    *,
    until_year: int,
    as_of: date,
    years_not_inspected: int = YEARS_NOT_INSPECTED,
) -> list[ExcessRow]:
    """The rows of :func:`excess_ranking` (for callers that do not print the window)."""
    return excess_ranking(
        db, unit_code, until_year=until_year, as_of=as_of, years_not_inspected=years_not_inspected
    ).rows


def _rank(
    db: Session, unit_code: str, years: list[int], as_of: date, years_not_inspected: int
) -> list[ExcessRow]:
    unit = get_unit(db, unit_code)
    catalog = read_catalog()
    panel = children_by_year(db, "SRB", unit.code, years, catalog=catalog)
    pooled = pooled_by_children(panel, catalog.indicator("SRB"))  # one read serves both
    codes = panel.codes
    male, female = panel.numerator, panel.denominator
    has_births = (male.sum(axis=1) + female.sum(axis=1)) > 0
    scores = (
        _excess_scores(
            [c for c, ok in zip(codes, has_births, strict=True) if ok],
            years,
            male[has_births],
            female[has_births],
        )
        if has_births.any()
        else {}
    )
    names = dict(
        db.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).tuples().all()
    )
    history = inspection_history(db, unit.code, until=as_of)
    rows = []
    for i, v in enumerate(pooled):
        seen = history.get(v.unit_code) or CommuneInspections(v.unit_code, 0, None, 0, 0, 0, 0)
        since = (as_of - seen.last_inspected).days / 365.25 if seen.last_inspected else None
        score = scores.get(v.unit_code) or dict.fromkeys(_SCORE_KEYS)
        stale = since is None or since >= years_not_inspected
        p = score["p_excess"]
        rows.append(
            ExcessRow(
                unit_code=v.unit_code,
                unit_name=names.get(v.unit_code, v.unit_code),
                births=int(male[i].sum() + female[i].sum()),
                srb=v.value,
                srb_lower=v.lower,
                srb_upper=v.upper,
                **score,
                inspections=seen.count,
                last_inspected=seen.last_inspected,
                fines_vnd=seen.fines_vnd,
                years_since_inspection=None if since is None else round(since, 1),
                priority=p is not None and p >= PRIORITY_P and stale,
            )
        )
    rows.sort(key=lambda r: (not r.priority, -_or(r.expected_excess_boys), -_or(r.z)))
    return rows


_SCORE_KEYS = (
    "est", "est_lower", "est_upper", "z", "flag", "p_excess", "onset", "excess",
    "excess_lower", "excess_upper", "expected_excess_boys",
)  # fmt: skip


def _or(v: float | None) -> float:
    return -np.inf if v is None else v

"""Did it work? A commune's sex ratio at birth before and after its inspections, and the change
against comparable communes of its province that were not inspected over the same years
(:func:`chitieu.stats.did.did_smoothed` on the SRB engine's smoothed series).

Comparable communes: those of the same province with births every year, no inspection of a
facility in them within the window, and the nearest smoothed level before the action
(:data:`CONTROLS` of them). The result is observational and says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chitieu.catalog import read_catalog
from chitieu.enforcement.history import inspection_history
from chitieu.indicators import children_by_year
from chitieu.ingest.errors import ImportRefused, RowError
from chitieu.store.models import Facility, Inspection
from chitieu.units.queries import get_unit

#: Years on each side of the inspection year (which itself is left out of both).
WINDOW = 3
#: Comparable communes kept, the nearest in smoothed level before the action.
CONTROLS = 20
#: Years before the window the smoother also sees, so the first years are not edge estimates.
LEAD = 3

NOTE_VI = (
    "Đây là so sánh quan sát, không phải thử nghiệm: xã được chọn kiểm tra vì tỷ số cao, nên "
    "một phần mức giảm có thể do quay về mức trung bình hoặc do nguyên nhân khác; so với các xã "
    "tương đương không bị kiểm tra chỉ loại bỏ phần biến động chung."
)
NOTE_EN = (
    "This is an observational comparison, not an experiment: the commune was inspected because "
    "its ratio was high, so part of a fall may be regression to the mean or have other causes; "
    "comparing with similar communes not inspected removes only what they share."
)


@dataclass(frozen=True, slots=True)
class Period:
    first_year: int
    last_year: int
    male: int
    female: int
    srb: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True, slots=True)
class InspectionEffect:
    unit_code: str
    unit_name: str
    inspection_year: int
    before: Period
    after: Period
    did_points: float | None
    did_lower: float | None
    did_upper: float | None
    p_placebo: float | None
    n_controls: int
    note_vi: str = NOTE_VI
    note_en: str = NOTE_EN

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _period(years: list[int], male: np.ndarray, female: np.ndarray) -> Period:
    from chitieu.stats.intervals import srb_interval

    m, f = int(male.sum()), int(female.sum())
    ci = srb_interval(m, f)
    value = lambda v: None if not np.isfinite(v) else round(float(v), 2)  # noqa: E731
    return Period(years[0], years[-1], m, f, value(ci.estimate), value(ci.lower), value(ci.upper))


def last_inspection_year(db: Session, commune_code: str) -> int | None:
    last = db.scalar(
        select(func.max(Inspection.inspected_on))
        .join(Facility, Facility.code == Inspection.facility_code)
        .where(Facility.unit_code == commune_code)
    )
    if isinstance(last, str):  # SQLite returns max() of a date column as text
        last = date.fromisoformat(last)
    return None if last is None else last.year


def inspection_effect(
    db: Session, commune_code: str, *, year: int | None, last_data_year: int
) -> InspectionEffect:
    """The commune's SRB in the :data:`WINDOW` years before and after ``year`` (default: its
    last inspection's year) with intervals, and the difference-in-differences against
    comparable communes not inspected. Raises ImportRefused (not a commune, no inspection, no
    year after it with data), UnknownUnitError for an unknown unit."""
    from chitieu.stats.did import MIN_CONTROLS, did_smoothed
    from chitieu.stats.smoothing import smooth_srb

    commune = get_unit(db, commune_code)
    year = year or last_inspection_year(db, commune.code)
    problem = None
    if commune.level != "commune" or commune.parent_code is None:
        problem = RowError(None, "unit", "a commune is needed", commune.code)
    elif year is None:
        problem = RowError(None, "year", "the commune has no inspection", commune.code)
    elif year >= last_data_year:
        problem = RowError(None, "year", "no year of births after it yet", str(year))
    if problem is not None:
        raise ImportRefused([problem])
    assert year is not None and commune.parent_code is not None
    before = list(range(year - WINDOW, year))
    after = list(range(year + 1, min(year + WINDOW, last_data_year) + 1))
    years = list(range(before[0] - LEAD, after[-1] + 1))
    panel = children_by_year(db, "SRB", commune.parent_code, years, catalog=read_catalog())
    codes = panel.codes
    male, female = panel.numerator, panel.denominator
    i = codes.index(commune.code)
    cols_b = [years.index(y) for y in before]
    cols_a = [years.index(y) for y in after]
    result = InspectionEffect(
        commune.code,
        commune.name,
        year,
        _period(before, male[i, cols_b], female[i, cols_b]),
        _period(after, male[i, cols_a], female[i, cols_a]),
        None,
        None,
        None,
        None,
        0,
    )
    inspected = inspection_history(
        db, commune.parent_code, since=date(before[0], 1, 1), until=date(after[-1], 12, 31)
    )
    full = (male + female).min(axis=1) > 0
    keep = [k for k, c in enumerate(codes) if full[k] and (c == commune.code or c not in inspected)]
    if commune.code not in [codes[k] for k in keep] or len(keep) <= MIN_CONTROLS:
        return result
    fit = smooth_srb(
        np.repeat(np.asarray([codes[k] for k in keep], dtype=object), len(years)),
        np.tile(np.asarray(years), len(keep)),
        male[keep].ravel(),
        female[keep].ravel(),
    )
    where = {(str(u), int(y)): k for k, (u, y) in enumerate(zip(fit.unit, fit.year, strict=True))}
    est = np.array([[fit.est[where[(codes[k], y)]] for y in years] for k in keep])
    cols = cols_b + cols_a
    series = est[:, cols]
    t = keep.index(i)
    level_before = np.log(series[:, : len(cols_b)]).mean(axis=1)
    others = [k for k in range(len(keep)) if k != t]
    nearest = sorted(others, key=lambda k: abs(level_before[k] - level_before[t]))[:CONTROLS]
    is_after = np.array([False] * len(cols_b) + [True] * len(cols_a))
    did = did_smoothed(series[t], series[nearest], is_after)
    return InspectionEffect(
        result.unit_code,
        result.unit_name,
        year,
        result.before,
        result.after,
        round(did.points, 2),
        round(did.points_lower, 2),
        round(did.points_upper, 2),
        round(did.p_placebo, 3),
        did.n_controls,
    )

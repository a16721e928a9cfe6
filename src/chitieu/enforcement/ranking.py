"""Where to inspect: the statistics engine's excess ranking beside each commune's inspection
history, so the Department sees where it has not yet looked.

Communes are ranked by the evidence of an excess sex ratio at birth (the engine's z, pooled over
years), never by raw SRB: a small commune's raw ratio swings widely by chance. A commune is a
*priority* when its z passes :data:`PRIORITY_Z` (beyond the 95 % limit) and it has not been
inspected in the last ``years_not_inspected`` years (or never); priorities come first, then by
z, highest first; units without births come last.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from chitieu.catalog import read_catalog
from chitieu.enforcement.history import CommuneInspections, inspection_history
from chitieu.indicators import children_by_year, pooled_by_children
from chitieu.store.models import Unit
from chitieu.units.queries import get_unit

#: Years of births the excess evidence pools (the engine weighs them; older ones count less).
EXCESS_YEARS = 8
#: "Not inspected in N years": the default N.
YEARS_NOT_INSPECTED = 2
#: Excess evidence that makes a commune worth a visit: beyond the 95 % funnel limit. (The
#: engine's ``high`` flag sits at 99.8 %, for declaring an outlier; an inspection is cheap
#: beside years of missed sex selection, so the bar to look is lower.)
PRIORITY_Z = 1.96


@dataclass(frozen=True, slots=True)
class ExcessRow:
    unit_code: str
    unit_name: str
    births: int
    srb: float | None
    srb_lower: float | None
    srb_upper: float | None
    z: float | None
    flag: str | None
    inspections: int
    last_inspected: date | None
    fines_vnd: int
    years_since_inspection: float | None
    priority: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["last_inspected"] = self.last_inspected.isoformat() if self.last_inspected else None
        return out


def _excess_scores(
    codes: list[str], years: list[int], male: np.ndarray, female: np.ndarray
) -> dict[str, tuple[float | None, str | None]]:
    """z and flag per unit in the last of ``years`` from the SRB engine's smoother
    (:func:`chitieu.stats.smoothing.smooth_srb`, whose z pools the evidence of all the years);
    ``male``/``female`` have shape (units, years)."""
    from chitieu.stats.smoothing import smooth_srb

    unit = np.repeat(np.asarray(codes, dtype=object), len(years))
    year = np.tile(np.asarray(years), len(codes))
    fit = smooth_srb(unit, year, male.ravel(), female.ravel())
    out: dict[str, tuple[float | None, str | None]] = {}
    last = fit.year == years[-1]
    for code, z, flag in zip(fit.unit[last], fit.z[last], fit.flag[last], strict=True):
        out[str(code)] = (None if np.isnan(z) else float(z), flag or None)
    return out


def excess_beside_inspections(
    db: Session,
    unit_code: str,
    *,
    until_year: int,
    as_of: date,
    years_not_inspected: int = YEARS_NOT_INSPECTED,
    n_years: int = EXCESS_YEARS,
) -> list[ExcessRow]:
    """The units directly below ``unit_code`` (communes of a province), with their births over
    the ``n_years`` up to ``until_year``, pooled SRB with interval, excess z and flag, and
    inspection history up to ``as_of``; priorities first (see the module docstring)."""
    unit = get_unit(db, unit_code)  # type: ignore[arg-type]
    years = list(range(until_year - n_years + 1, until_year + 1))
    catalog = read_catalog()
    panel = children_by_year(db, "SRB", unit.code, years, catalog=catalog)  # type: ignore[arg-type]
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
    names = dict(db.query(Unit.code, Unit.name).filter(Unit.code.in_(codes)).all())
    history = inspection_history(db, unit.code, until=as_of)
    rows = []
    for i, v in enumerate(pooled):
        seen = history.get(v.unit_code) or CommuneInspections(v.unit_code, 0, None, 0, 0, 0, 0)
        since = (as_of - seen.last_inspected).days / 365.25 if seen.last_inspected else None
        z, flag = scores.get(v.unit_code, (None, None))
        stale = since is None or since >= years_not_inspected
        rows.append(
            ExcessRow(
                unit_code=v.unit_code,
                unit_name=names.get(v.unit_code, v.unit_code),
                births=int(male[i].sum() + female[i].sum()),
                srb=v.value,
                srb_lower=v.lower,
                srb_upper=v.upper,
                z=z,
                flag=flag,
                inspections=seen.count,
                last_inspected=seen.last_inspected,
                fines_vnd=seen.fines_vnd,
                years_since_inspection=None if since is None else round(since, 1),
                priority=z is not None and z >= PRIORITY_Z and stale,
            )
        )
    rows.sort(key=lambda r: (not r.priority, -(r.z if r.z is not None else -np.inf)))
    return rows

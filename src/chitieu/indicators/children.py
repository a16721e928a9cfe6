"""The indicator for every unit directly below a parent (each with everything below it), by
year or pooled over years: the panels the SRB engine, the rankings and the maps read. One read
of the parent's subtree serves every child (see :mod:`.service` for where figures come from)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.catalog import Catalog, read_catalog
from chitieu.catalog.schema import Indicator
from chitieu.indicators.service import (
    IndicatorValue,
    _rolled_up,
    _unit_totals,
    _values,
    _years,
)
from chitieu.store.models import Unit
from chitieu.units.queries import get_unit

#: Unit codes listed in one query at most.
_LISTED = 500


@dataclass(frozen=True, slots=True)
class ChildrenPanel:
    """Numerators and denominators of one indicator for every unit directly below a parent
    (each with everything below it), one row per child in code order and one column per year:
    the panel the SRB engine pools over."""

    codes: list[str]
    years: tuple[int, ...]
    numerator: np.ndarray  # (children, years)
    denominator: np.ndarray  # (children, years)
    counted: np.ndarray  # (children, years): some numerator figure was reported


def _children_totals(
    db: Session, ind: Indicator, parent_code: str, ys: tuple[int, ...], catalog: Catalog
) -> ChildrenPanel:
    """One read of the parent's subtree, rolled up to its children by year."""
    parent = get_unit(db, parent_code)
    depth = parent.path.count("/") + 1  # position of the child's code in a path
    children = list(
        db.scalars(select(Unit.code).where(Unit.parent_code == parent.code).order_by(Unit.code))
    )
    index = {c: i for i, c in enumerate(children)}
    totals = _unit_totals(db, ind, parent.path, ys, catalog, subtrees=children)
    # the child of each unit with figures (all at or below the parent): only those are looked
    # up, not every unit of the subtree
    keyed = sorted({u for side in (totals.num, totals.den) for u, _ in side} - {parent.code})
    group_of: dict[str, int] = {}
    for i in range(0, len(keyed), _LISTED):
        found = db.execute(
            select(Unit.code, Unit.path).where(Unit.code.in_(keyed[i : i + _LISTED]))
        )
        group_of.update((code, index[path.split("/")[depth]]) for code, path in found)
    num, den, counted = _rolled_up(totals, group_of, len(children), ys)
    return ChildrenPanel(children, ys, num, den, counted)


def children_by_year(
    db: Session,
    indicator_code: str,
    parent_code: str,
    years: int | Iterable[int],
    *,
    catalog: Catalog | None = None,
) -> ChildrenPanel:
    """Numerator and denominator of the indicator for every unit directly below
    ``parent_code``, per year, read in one pass (not one query per year). Figures reported at
    the parent itself belong to no child and are left out."""
    catalog = catalog or read_catalog()
    return _children_totals(
        db, catalog.indicator(indicator_code), parent_code, _years(years), catalog
    )


def indicator_by_children(
    db: Session,
    indicator_code: str,
    parent_code: str,
    years: int | Iterable[int],
    *,
    level: float = 0.95,
    catalog: Catalog | None = None,
) -> list[IndicatorValue]:
    """The indicator for every unit directly below ``parent_code`` (each with everything below
    it), pooled over ``years``, sorted by unit code; children with nothing reported have value
    None. Figures reported at the parent itself belong to no child and are left out.

    For ranking communes, rank by interval, not by ``value`` alone: small units swing widely."""
    catalog = catalog or read_catalog()
    ind = catalog.indicator(indicator_code)
    panel = _children_totals(db, ind, parent_code, _years(years), catalog)
    return pooled_by_children(panel, ind, level=level)


def pooled_by_children(
    panel: ChildrenPanel, indicator: Indicator, *, level: float = 0.95
) -> list[IndicatorValue]:
    """:func:`indicator_by_children` from a panel already read (each child pooled over the
    panel's years), for callers that need both the years and the pooled values."""
    return _values(
        indicator,
        [(c, panel.years) for c in panel.codes],
        panel.numerator.sum(1),
        panel.denominator.sum(1),
        panel.counted.any(1),
        level,
    )

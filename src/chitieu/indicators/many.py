"""Several indicators of one unit (itself and everything below it) from one set of reads.

A dashboard section asks for a dozen birth indicators of the same unit (SRB by birth order,
for a year and pooled over years, the share of third births, missing female births by year):
read one by one, each counts the subtree's births per unit again. :func:`indicator_values`
reads births, reported figures and the months whose report is used once for every side of
every indicator asked for, over the union of the years asked for, and gives each the values
:func:`chitieu.indicators.indicator_value` (``pooled``) or
:func:`chitieu.indicators.indicator_series` would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from chitieu.catalog import Catalog, read_catalog
from chitieu.indicators.service import (
    IndicatorValue,
    _rolled_up,
    _Totals,
    _unit_totals,
    _values,
    _years,
)
from chitieu.units.queries import get_unit


@dataclass(frozen=True, slots=True)
class Ask:
    """An indicator over ``years``: one value pooled over them, or one per year."""

    indicator: str
    years: tuple[int, ...]
    pooled: bool = True


def indicator_values(
    db: Session,
    unit_code: str,
    asks: Sequence[Ask],
    *,
    level: float = 0.95,
    catalog: Catalog | None = None,
) -> list[list[IndicatorValue]]:
    """For each ask, in order: ``[value pooled over its years]`` or one value per year (year
    order), for ``unit_code`` and everything below it. Indicators counting facilities are
    refused (``ValueError``): their denominators depend on the numerator's units."""
    catalog = catalog or read_catalog()
    unit = get_unit(db, unit_code)
    inds = {a.indicator: catalog.indicator(a.indicator) for a in asks}
    if any(ind.denominator.facilities is not None for ind in inds.values()):
        raise ValueError("indicators counting facilities are read one at a time")
    if not asks:
        return []
    codes = list(inds)
    operands = [op for c in codes for op in (inds[c].numerator, inds[c].denominator)]
    years = tuple(sorted({y for a in asks for y in _years(a.years)}))
    totals = _unit_totals(
        db, inds[codes[0]], unit.path, years, catalog, subtrees=[unit.code], operands=operands
    )
    index = {y: i for i, y in enumerate(years)}
    out = []
    for a in asks:
        i = codes.index(a.indicator)
        pair = _Totals()
        pair.num, pair.den = totals.sides[2 * i], totals.sides[2 * i + 1]
        num, den, counted = _rolled_up(pair, None, 1, years)
        ys = _years(a.years)
        cols = np.array([index[y] for y in ys], dtype=int)
        n, d, c = num[0, cols], den[0, cols], counted[0, cols]
        ind = inds[a.indicator]
        if a.pooled:
            n, d, c = n.sum(keepdims=True), d.sum(keepdims=True), c.any(keepdims=True)
            out.append(_values(ind, [(unit.code, ys)], n, d, c, level))
        else:
            out.append(_values(ind, [(unit.code, (y,)) for y in ys], n, d, c, level))
    return out

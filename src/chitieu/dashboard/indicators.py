"""Son-preference signatures, missing female births, and capacity and coverage indicators for
the dashboard, each with its interval, from :mod:`chitieu.indicators`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chitieu.catalog import read_catalog
from chitieu.dashboard.common import (
    View,
    births_completeness_json,
    interval_json,
    num,
)
from chitieu.indicators import indicator_series
from chitieu.indicators.many import Ask, indicator_values

#: SRB by birth order, then third births after two girls (birth records only).
ORDER_INDICATORS = ("SRB_O1", "SRB_O2", "SRB_O3P", "SRB_O3_AFTER_2G")
#: Signatures are also pooled over this many years: third births after two girls are few in a
#: commune, and a single year's interval says little.
POOLED_YEARS = 5
#: Years of missing female births on the chart.
MISSING_YEARS = 10
CAPACITY_INDICATORS = (
    "DOCTORS_PER_10K",
    "PHARMACISTS_PER_10K",
    "NURSES_PER_10K",
    "BEDS_PER_10K",
    "STATION_DOCTORS_AVG",
)
COVERAGE_INDICATORS = ("INSURANCE_COVERAGE", "CHECKUP_COVERAGE", "DTP1_COVERAGE")
#: How far back a capacity figure is looked for when the year itself has none.
CAPACITY_LOOKBACK = 5


def signatures_json(db: Session, view: View) -> dict[str, Any]:
    """SRB for all births and by birth order and after two girls, for the year and pooled over
    the ``POOLED_YEARS`` years up to it (boys per 100 girls, 95 % intervals); the share of
    third-or-later births (%); missing female births (girls) per year with intervals. The
    year's births ``completeness``, and a later year still arriving as ``provisional`` (its
    completeness and SRB), shown beside the headline, never as it."""
    catalog = read_catalog()
    pooled = range(view.year - POOLED_YEARS + 1, view.year + 1)
    year = (view.year,)
    completeness, provisional = births_completeness_json(db, view.unit, view.year, view.lang)
    asks = [Ask(c, ys) for c in ORDER_INDICATORS for ys in (year, tuple(pooled))]
    asks += [Ask("SRB", year), Ask("THIRD_PLUS_SHARE", year)]
    missing_years = tuple(range(view.year - MISSING_YEARS + 1, view.year + 1))
    asks.append(Ask("MISSING_FEMALE_BIRTHS", missing_years, pooled=False))
    if provisional is not None:
        asks.append(Ask("SRB", (provisional["year"],)))
    # every indicator of the section from one set of reads of the subtree
    got = indicator_values(db, view.unit.code, asks, catalog=catalog)
    orders = []
    for i, ind_code in enumerate(ORDER_INDICATORS):
        ind = catalog.indicator(ind_code)
        orders.append(
            {
                "code": ind_code,
                "name": view.name(ind.name_vi, ind.name_en),
                "year": interval_json(got[2 * i][0], 1),
                "pooled": interval_json(got[2 * i + 1][0], 1),
            }
        )
    n = 2 * len(ORDER_INDICATORS)
    (srb,), (share,), series = got[n], got[n + 1], got[n + 2]
    missing_ind = catalog.indicator("MISSING_FEMALE_BIRTHS")
    if provisional is not None:
        provisional["srb"] = interval_json(got[n + 3][0], 1)
    return {
        "year": view.year,
        "completeness": completeness,
        "provisional": provisional,
        "pooled_period": f"{pooled[0]}-{pooled[-1]}",
        "srb": interval_json(srb, 1),
        "orders": orders,
        "third_plus_share": interval_json(share, 1),
        "missing": {
            "name": view.name(missing_ind.name_vi, missing_ind.name_en),
            "reference_srb": missing_ind.reference_srb,
            "latest": interval_json(series[-1] if series else None, 0),
            "series": [
                [v.years[0], num(v.value, 0), num(v.lower, 0), num(v.upper, 0)]
                for v in series
                if v.value is not None
            ],
        },
    }


def capacity_json(db: Session, view: View) -> dict[str, Any]:
    """Capacity per 10,000 people (and doctors per health station) and coverage (%), each the
    latest value up to the view's year (looking back ``CAPACITY_LOOKBACK`` years), with its
    interval and a short series for a sparkline."""
    catalog = read_catalog()
    years = range(view.year - CAPACITY_LOOKBACK, view.year + 1)
    groups: dict[str, list[dict[str, Any]]] = {"capacity": [], "coverage": []}
    for group, codes in (("capacity", CAPACITY_INDICATORS), ("coverage", COVERAGE_INDICATORS)):
        for ind_code in codes:
            ind = catalog.indicator(ind_code)
            # A zero numerator is read as "not reported": the store cannot tell a reported 0
            # from a unit that sent no figure, and "0 doctors per 10,000" would mislead.
            series = [
                v
                for v in indicator_series(db, ind_code, view.unit.code, years, catalog=catalog)
                if v.value is not None and v.numerator > 0
            ]
            latest = series[-1] if series else None
            groups[group].append(
                {
                    "code": ind_code,
                    "name": view.name(ind.name_vi, ind.name_en),
                    "unit_label": view.name(ind.unit_vi, ind.unit_en),
                    "kind": ind.kind,
                    "better": ind.better,
                    "latest": interval_json(latest),
                    "series": [[v.years[0], num(v.value)] for v in series],
                }
            )
    return {"year": view.year, **groups}

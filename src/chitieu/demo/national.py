"""The rest of the country in the demo: every commune outside Hanoi reports its live births by
sex and birth order, the aggregate report most provinces send (Hanoi has birth records).

**Totals.** For every year of the national series (:func:`~chitieu.demo.context.national_totals`)
and every cell (``M_O1`` … ``F_O3P``), what the country's communes outside Hanoi report adds up
exactly to the national figure minus Hanoi's birth records, so the national roll-up keeps the
national series and the figure stored on ``VN`` itself (the residual) falls to zero.

**Who reports what.** A commune's share of a cell's births is its size (a log-normal draw,
larger in the big cities' wards, smaller in the mountains) times its chance of a boy or a girl:
the log-odds of a boy are the natural level plus its region's excess, scaled by the year's
national excess, plus a little commune noise. Boys and girls are split among communes
separately (multinomial draws), so regions differ as in Vietnam's census figures (the Red River
Delta highest, the Central Highlands and the Mekong Delta lowest) while totals stay exact.

**Periods.** Up to 2025 the figures are the provinces' annual reports (the sums of their
communes' births: before the 2025 reform the communes of today did not exist as such); since
January 2026 every commune reports monthly, up to the demo's day (October's report was due by
10 November), each month's births a multinomial draw over the year's seasonal weights. 2026 has
no national figure yet: its months follow 2025's level.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chitieu.demo.context import VN_ORDER_LOG_ODDS, national_totals
from chitieu.demo.mechanism import LOGIT_NATURAL
from chitieu.demo.rows import DEMO_ACTOR, reported_at, value_row

HANOI = "01"
#: From this year on, communes report monthly; before it, provinces report once a year.
MONTHLY_FROM = 2026
#: The demo stands on 20 November 2026: months up to October 2026 have been reported.
LAST_MONTH = (2026, 10)
CELLS = ("M_O1", "M_O2", "M_O3P", "F_O1", "F_O2", "F_O3P")
NATIONAL_NOTE = "Báo cáo tổng hợp sinh của xã / commune's aggregate birth report"

#: The six socio-economic regions: SRB around 2019 (plausible values in line with the 2019
#: census's regional pattern; synthetic) and each 2025 province's region.
REGION_SRB_2019 = {
    "red_river_delta": 115.5,
    "northern_midlands_mountains": 111.5,
    "north_central_coast": 111.0,
    "central_highlands": 108.0,
    "southeast": 109.8,
    "mekong_delta": 109.0,
}
PROVINCE_REGION = {
    **dict.fromkeys(("01", "22", "24", "31", "33", "37"), "red_river_delta"),
    **dict.fromkeys(
        ("04", "08", "11", "12", "14", "15", "19", "20", "25"), "northern_midlands_mountains"
    ),
    **dict.fromkeys(("38", "40", "42", "44", "46", "48", "51", "56"), "north_central_coast"),
    **dict.fromkeys(("52", "66", "68"), "central_highlands"),
    **dict.fromkeys(("75", "79", "80"), "southeast"),
    **dict.fromkeys(("82", "86", "91", "92", "96"), "mekong_delta"),
}
#: Births per commune relative to the country's median commune.
PROVINCE_SIZE = {"79": 2.4, "48": 1.4, "92": 1.3, "31": 1.3, "75": 1.5, "24": 1.3}
REGION_SIZE = {"northern_midlands_mountains": 0.6, "central_highlands": 0.9}
#: Births by month (a little more in the last quarter, as in Vietnam's registers).
SEASON = np.array([8.0, 7.2, 8.2, 8.0, 8.2, 8.0, 8.3, 8.4, 8.3, 8.6, 8.9, 9.9])


@dataclass(frozen=True, slots=True)
class Communes:
    codes: list[str]
    provinces: list[str]
    size: np.ndarray  # relative births per year
    excess_logit: np.ndarray  # region's log-odds of a boy above natural around 2019, and noise


def communes_outside_hanoi(units: list[tuple[str, str]], seed: int) -> Communes:
    """The communes of ``units`` (``(code, province)`` pairs) outside Hanoi, sized and skewed."""
    rng = np.random.default_rng([seed, 2025])
    chosen = [(c, p) for c, p in units if p != HANOI]
    codes = [c for c, _ in chosen]
    provinces = [p for _, p in chosen]
    regions = [PROVINCE_REGION[p] for p in provinces]
    relative = [
        PROVINCE_SIZE.get(p, 1.0) * REGION_SIZE.get(r, 1.0)
        for p, r in zip(provinces, regions, strict=True)
    ]
    size = rng.lognormal(0.0, 0.45, len(codes)) * np.array(relative)
    # The log-odds of a boy is log(SRB / 100).
    excess = np.log(np.array([REGION_SRB_2019[r] for r in regions]) / 100) - LOGIT_NATURAL
    return Communes(codes, provinces, size, excess + rng.normal(0.0, 0.012, len(codes)))


def _national_excess(totals: dict, year: int) -> float:
    """The country's log-odds of a boy above the natural level in ``year``."""
    boys = sum(totals["LIVE_BIRTHS", str(year), c] for c in CELLS[:3])
    girls = sum(totals["LIVE_BIRTHS", str(year), c] for c in CELLS[3:])
    return float(np.log(boys / girls) - LOGIT_NATURAL)


def yearly_births(
    communes: Communes, hanoi_cells: dict[tuple[str, str, str], float], seed: int
) -> list[tuple[int, np.ndarray]]:
    """Per year, births by commune and cell (``len(codes) × 6``): per cell, exactly the national
    figure minus Hanoi's; for 2026, 99 % of 2025's level over the whole year."""
    rng = np.random.default_rng([seed, 2026])
    totals = national_totals()
    years = sorted({int(p) for (e, p, _) in totals if e == "LIVE_BIRTHS"})
    reference = _national_excess(totals, 2019)
    out = []
    for year in [*years, LAST_MONTH[0]]:
        basis = min(year, years[-1])
        scale = _national_excess(totals, basis) / reference
        counts = np.zeros((len(communes.codes), len(CELLS)), dtype=np.int64)
        for k, cell in enumerate(CELLS):
            key = ("LIVE_BIRTHS", str(basis), cell)
            remainder = totals[key] - hanoi_cells.get(key, 0.0)
            if year != basis:
                remainder *= 0.99
            logit = LOGIT_NATURAL + scale * communes.excess_logit + VN_ORDER_LOG_ODDS[k % 3]
            p_boy = 1.0 / (1.0 + np.exp(-logit))
            weight = communes.size * (p_boy if cell.startswith("M") else 1.0 - p_boy)
            counts[:, k] = rng.multinomial(round(remainder), weight / weight.sum())
        out.append((year, counts))
    return out


def reported_by_year(yearly: list[tuple[int, np.ndarray]]) -> dict[tuple[str, str, str], float]:
    """What the communes report, summed per year and cell (to subtract from national totals)."""
    return {
        ("LIVE_BIRTHS", str(year), cell): float(counts[:, k].sum())
        for year, counts in yearly
        for k, cell in enumerate(CELLS)
    }


def national_birth_tables(
    communes: Communes, yearly: list[tuple[int, np.ndarray]], seed: int
) -> Iterator[pa.Table]:
    """The LIVE_BIRTHS reports as ``data_values`` columns, one table a year: the provinces'
    annual reports up to 2025, then the communes' monthly ones (2026 up to October, the months'
    share of the year)."""
    rng = np.random.default_rng([seed, 2027])
    season = SEASON / SEASON.sum()
    codes = np.array(communes.codes, dtype=object)
    cells = np.array(CELLS, dtype=object)
    for year, counts in yearly:
        if year < MONTHLY_FROM:
            provinces, by_province = _by_province(communes, counts)
            units = np.repeat(provinces, len(CELLS))
            yield _table(
                units, np.tile(cells, len(provinces)), [str(year)] * units.size, by_province.ravel()
            )
            continue
        months = 12 if year < LAST_MONTH[0] else LAST_MONTH[1]
        share = season[:months]
        wanted = np.rint(counts.ravel() * share.sum()).astype(np.int64)
        by_month = rng.multinomial(wanted, share / share.sum())  # (units × cells) × months
        periods = np.array([f"{year}{m + 1:02d}" for m in range(months)], dtype=object)
        yield _table(
            np.repeat(codes, len(CELLS) * months),
            np.tile(np.repeat(cells, months), len(codes)),
            np.tile(periods, codes.size * len(CELLS)),
            by_month.ravel(),
        )


def _by_province(communes: Communes, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    provinces, index = np.unique(np.array(communes.provinces), return_inverse=True)
    summed = np.zeros((len(provinces), counts.shape[1]), dtype=np.int64)
    np.add.at(summed, index, counts)
    return provinces.astype(object), summed


def _table(units: np.ndarray, cells: np.ndarray, periods, births: np.ndarray) -> pa.Table:
    """``data_values`` rows, each synthetic with the demo's note, entered when it was due."""
    periods = pa.array(periods, pa.string())
    entered = pa.array([_timestamp(p) for p in periods.unique().to_pylist()], pa.string())
    at = pc.take(entered, pc.index_in(periods, periods.unique()))
    n = len(units)
    return pa.table(
        {
            "element_code": pa.array(["LIVE_BIRTHS"] * n, pa.string()),
            "unit_code": pa.array(units, pa.string()),
            "period": periods,
            "disaggregation": pa.array(cells, pa.string()),
            "value": pa.array(births, pa.float64()),
            "comment": pa.array([_COMMENT] * n, pa.string()),
            "stored_by": pa.array([DEMO_ACTOR] * n, pa.string()),
            "status": pa.array(["submitted"] * n, pa.string()),
            "synthetic": pa.array([True] * n, pa.bool_()),
            "created": at,
            "last_updated": at,
        }
    )


def _timestamp(period: str) -> str:
    # As SQLAlchemy writes a DateTime into SQLite, and PostgreSQL reads it.
    return reported_at(period).strftime("%Y-%m-%d %H:%M:%S.%f")


_COMMENT = value_row("LIVE_BIRTHS", HANOI, "2025", 0, note=NATIONAL_NOTE)["comment"]

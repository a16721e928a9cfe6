"""The rest of the country in the demo: the provinces' annual birth reports and the communes'
monthly ones add up, cell by cell, to the national series minus Hanoi's birth records; regions
differ as the census shows; 2026 is reported monthly by every commune up to October."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest

from chitieu.demo.context import national_totals
from chitieu.demo.national import (
    CELLS,
    HANOI,
    PROVINCE_REGION,
    communes_outside_hanoi,
    national_birth_tables,
    reported_by_year,
    yearly_births,
)
from chitieu.units.load import iter_official_units

SEED = 21


@pytest.fixture(scope="module")
def country():  # type: ignore[no-untyped-def]
    units = [(u.code, u.parent_code) for u in iter_official_units() if u.level == "commune"]
    communes = communes_outside_hanoi(units, SEED)
    # Hanoi's records as a fixed share of each national cell, as the real build subtracts them.
    hanoi = {k: round(0.1 * v) for k, v in national_totals().items() if k[0] == "LIVE_BIRTHS"}
    yearly = yearly_births(communes, hanoi, SEED)
    tables = pa.concat_tables(list(national_birth_tables(communes, yearly, SEED)))
    return communes, hanoi, yearly, tables


def test_every_commune_outside_hanoi_and_every_province_has_a_region(country) -> None:  # type: ignore[no-untyped-def]
    communes, *_ = country
    assert len(communes.codes) == 3_321 - 126
    assert HANOI not in communes.provinces
    assert set(communes.provinces) | {HANOI} == set(PROVINCE_REGION)


def test_reports_add_up_to_the_national_series_minus_hanoi(country) -> None:  # type: ignore[no-untyped-def]
    _, hanoi, yearly, tables = country
    summed: dict[tuple[str, str], float] = defaultdict(float)
    for period, cell, value in zip(
        tables["period"].to_pylist(),
        tables["disaggregation"].to_pylist(),
        tables["value"].to_pylist(),
        strict=True,
    ):
        summed[period[:4], cell] += value
    totals = national_totals()
    for (element, year, cell), total in totals.items():
        if element == "LIVE_BIRTHS":
            assert summed[year, cell] == total - hanoi[element, year, cell], (year, cell)
    # What the build subtracts from the national residual is what is reported.
    held = reported_by_year(yearly)
    assert all(held["LIVE_BIRTHS", y, c] == summed[y, c] for (y, c) in summed if y != "2026")


def test_history_is_provincial_and_2026_monthly_by_commune(country) -> None:  # type: ignore[no-untyped-def]
    communes, _, _, tables = country
    periods = tables["period"].to_pylist()
    units = tables["unit_code"].to_pylist()
    history = {u for u, p in zip(units, periods, strict=True) if len(p) == 4}
    assert history == set(communes.provinces)
    monthly = {p for p in periods if len(p) == 6}
    assert monthly == {f"2026{m:02d}" for m in range(1, 11)}
    monthly_units = {u for u, p in zip(units, periods, strict=True) if len(p) == 6}
    assert monthly_units == set(communes.codes)
    assert set(tables["disaggregation"].to_pylist()) == set(CELLS)
    assert all(tables["synthetic"].to_pylist())


def test_regions_differ_as_the_census_shows(country) -> None:  # type: ignore[no-untyped-def]
    communes, _, yearly, _ = country
    counts = dict(yearly)[2019]
    boys, girls = defaultdict(float), defaultdict(float)
    for i, province in enumerate(communes.provinces):
        region = PROVINCE_REGION[province]
        boys[region] += counts[i, :3].sum()
        girls[region] += counts[i, 3:].sum()
    srb = {r: 100 * boys[r] / girls[r] for r in boys}
    assert srb["red_river_delta"] > srb["north_central_coast"] > srb["central_highlands"]
    assert srb["red_river_delta"] - srb["central_highlands"] > 4
    assert all(104 < v < 120 for v in srb.values())
    assert np.all(dict(yearly)[2026] >= 0)

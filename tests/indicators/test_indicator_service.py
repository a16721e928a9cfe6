"""Indicators from small hand-made data on both databases, against answers worked out by hand.

Hanoi, 2024 — Phường Hoàn Kiếm (00070) has birth records; Phường Ba Đình (00004) reported
aggregates only (quarters for first births, the year for the rest, plus a stray month that the
annual figure must override):

    00070  boys 60+40+12+3+2 = 117   girls 55+38+5+3+1 = 102   (3rd+: 17 boys, 9 girls)
    00004  boys 40+30+5      =  75   girls 36+28+4     =  68   (3rd+:  5 boys, 4 girls)
    Hanoi  boys 192, girls 170: SRB 100·192/170 = 112.941176…

00070 also reported LIVE_BIRTHS for 2024 (M_O1 = 999): its birth records win, so it is ignored.
In 2023, 00070 has no records and reported 50 boys and 50 girls: SRB 100.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats
from sqlalchemy import insert

from chitieu.catalog import UnknownCodeError, load_catalog
from chitieu.indicators import (
    children_by_year,
    indicator_by_children,
    indicator_series,
    indicator_value,
)
from chitieu.ingest.birth_store import add_aggregates
from chitieu.store.models import DataValue, Facility
from chitieu.units.load import load_units
from chitieu.units.queries import UnknownUnitError

Z95 = 1.959963984540054


def wilson(x: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) score interval, written out here independently of chitieu.stats."""
    centre = (x + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(x * (n - x) / n + z * z / 4)
    return centre - half, centre + half


def garwood(x: float, e: float, per: float) -> tuple[float, float]:
    """Exact Poisson interval (Garwood 1936) from chi-square quantiles."""
    return (
        stats.chi2.ppf(0.025, 2 * x) / 2 * per / e,
        stats.chi2.ppf(0.975, 2 * x + 2) / 2 * per / e,
    )


def srb_from_p(p: float) -> float:
    return 100 * p / (1 - p)


def _births(unit, year, month, sex, order, boys, girls, n):
    return dict(
        unit_code=unit,
        year=year,
        month=month,
        sex=sex,
        birth_order=order,
        prev_boys=boys,
        prev_girls=girls,
        births=n,
    )


def _dv(element, unit, period, value, disagg="default", status="submitted"):
    return dict(
        element_code=element,
        unit_code=unit,
        period=period,
        disaggregation=disagg,
        value=value,
        status=status,
    )


BIRTHS = [
    _births("00070", 2024, 1, "M", 1, 0, 0, 30),
    _births("00070", 2024, 2, "M", 1, 0, 0, 30),
    _births("00070", 2024, 1, "F", 1, 0, 0, 55),
    _births("00070", 2024, 3, "M", 2, 1, 0, 40),
    _births("00070", 2024, 3, "F", 2, 0, 1, 38),
    _births("00070", 2024, 4, "M", 3, 0, 2, 12),  # third births after two girls
    _births("00070", 2024, 4, "F", 3, 0, 2, 5),
    _births("00070", 2024, 5, "M", 3, 1, 1, 3),
    _births("00070", 2024, 5, "F", 3, 1, 1, 3),
    _births("00070", 2024, 6, "M", 4, 0, 2, 2),  # fourth or later
    _births("00070", 2024, 6, "F", 4, 1, 2, 1),
]

VALUES = [
    # 00070 reports aggregates too: ignored in 2024 (records win), used in 2023 (no records)
    _dv("LIVE_BIRTHS", "00070", "2024", 999, "M_O1"),
    _dv("LIVE_BIRTHS", "00070", "2023", 50, "M_O1"),
    _dv("LIVE_BIRTHS", "00070", "2023", 50, "F_O1"),
    # 00004: first births by quarter, the rest for the year; a month that the year overrides
    *(_dv("LIVE_BIRTHS", "00004", f"2024Q{q}", 10, "M_O1") for q in range(1, 5)),
    *(_dv("LIVE_BIRTHS", "00004", f"2024Q{q}", 9, "F_O1") for q in range(1, 5)),
    _dv("LIVE_BIRTHS", "00004", "2024", 30, "M_O2"),
    _dv("LIVE_BIRTHS", "00004", "202401", 99, "M_O2"),
    _dv("LIVE_BIRTHS", "00004", "2024", 28, "F_O2"),
    _dv("LIVE_BIRTHS", "00004", "2024", 5, "M_O3P"),
    _dv("LIVE_BIRTHS", "00004", "2024", 4, "F_O3P"),
    # Hai Phong 2025: 10510 reports the year; 10525 reports quarters (stock: the last counts)
    _dv("POPULATION", "10510", "2025", 20_000),
    *(
        _dv("POPULATION", "10525", f"2025Q{q}", v)
        for q, v in enumerate([29_000, 29_500, 29_800, 30_000], 1)
    ),
    _dv("DOCTORS", "10510", "2025", 30),
    _dv("DOCTORS", "10525", "2025", 45),
    _dv("DOCTORS", "10532", "2025", 100, status="draft"),  # not submitted: not counted
    _dv("INSURED_PERSONS", "10510", "2025", 19_000),
    _dv("INSURED_PERSONS", "10525", "2025", 28_800),
    # check-ups are a flow: quarters and months add up
    *(_dv("FREE_CHECKUPS", "10510", f"2025Q{q}", 5_000) for q in range(1, 5)),
    *(_dv("FREE_CHECKUPS", "10525", f"2025{m:02d}", 2_000) for m in range(1, 13)),
    _dv("STATION_DOCTORS", "10510", "2025", 4),
    _dv("STATION_DOCTORS", "10525", "2025", 3),
    _dv("DTP1_DOSES", "10510", "2025", 110),
    _dv("DTP1_TARGET_POP", "10510", "2025", 100),
]

STATIONS = [
    dict(
        code=f"TYT-{u}",
        unit_code=u,
        name=f"Trạm y tế {u}",
        kind="health_station",
        ownership="public",
    )
    for u in ("10510", "10525", "10532")  # 10532 has a station but reported no doctors
]


@pytest.fixture
def db(engine):
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        add_aggregates(conn, BIRTHS)
        conn.execute(insert(DataValue), VALUES)
        conn.execute(insert(Facility), STATIONS)
    with engine.connect() as conn:
        yield conn


def test_srb_series_mixes_records_and_aggregates(db):
    y2023, y2024 = indicator_series(db, "SRB", "01", [2023, 2024])
    assert (y2023.period, y2023.numerator, y2023.denominator, y2023.value) == ("2023", 50, 50, 100)
    assert (y2024.numerator, y2024.denominator) == (192, 170)
    assert y2024.value == pytest.approx(100 * 192 / 170)
    lo, hi = wilson(192, 362)
    assert (y2024.lower, y2024.upper) == pytest.approx((srb_from_p(lo), srb_from_p(hi)))
    assert y2024.lower < y2024.value < y2024.upper


def test_birth_order_indicators(db):
    third = indicator_value(db, "THIRD_PLUS_SHARE", "01", 2024)
    assert (third.numerator, third.denominator) == (35, 362)
    assert third.value == pytest.approx(100 * 35 / 362)
    lo, hi = wilson(35, 362)
    assert (third.lower, third.upper) == pytest.approx((100 * lo, 100 * hi))
    # only birth records know the earlier children: Ba Đình's aggregates cannot count here
    after2g = indicator_value(db, "SRB_O3_AFTER_2G", "01", 2024)
    assert (after2g.numerator, after2g.denominator, after2g.value) == (12, 5, 240)
    o3p = indicator_value(db, "SRB_O3P", "00070", 2024)
    assert (o3p.numerator, o3p.denominator) == (17, 9)


def test_missing_female_births(db):
    mfb = indicator_value(db, "MISSING_FEMALE_BIRTHS", "01", 2024)
    # reference SRB 106.3 (Chao et al. 2019 for south-eastern Asia), as the catalogue declares
    assert mfb.value == pytest.approx(192 * 100 / 106.3 - 170)  # 10.62…
    # the interval maps the SRB interval holding total births fixed
    lo, hi = wilson(192, 362)
    expected = [362 * (1 - p) * (srb_from_p(p) / 106.3 - 1) for p in (lo, hi)]
    assert (mfb.lower, mfb.upper) == pytest.approx(expected)


def test_pooled_years_and_children(db):
    pooled = indicator_value(db, "SRB", "00070", range(2023, 2025))
    assert (pooled.period, pooled.numerator, pooled.denominator) == ("2023-2024", 167, 152)
    children = {v.unit_code: v for v in indicator_by_children(db, "SRB", "01", 2024)}
    assert len(children) == 126
    assert children["00004"].value == pytest.approx(100 * 75 / 68)
    assert children["00070"].value == pytest.approx(100 * 117 / 102)
    quiet = children["00008"]
    assert (quiet.numerator, quiet.denominator, quiet.value, quiet.lower) == (0, 0, None, None)


def test_children_by_year_reads_each_year_as_its_own_pooled_call(db):
    panel = children_by_year(db, "SRB", "01", [2023, 2024])
    assert panel.years == (2023, 2024) and len(panel.codes) == 126
    for j, year in enumerate(panel.years):
        one_year = indicator_by_children(db, "SRB", "01", year)
        assert [v.unit_code for v in one_year] == panel.codes
        assert list(panel.numerator[:, j]) == [v.numerator for v in one_year]
        assert list(panel.denominator[:, j]) == [v.denominator for v in one_year]
    i = panel.codes.index("00070")
    assert (panel.numerator[i].sum(), panel.denominator[i].sum()) == (167, 152)


def test_health_system_indicators(db):
    doctors = indicator_value(db, "DOCTORS_PER_10K", "31", 2025)
    assert (doctors.numerator, doctors.denominator) == (75, 50_000)  # the draft is left out
    assert doctors.value == pytest.approx(15.0)
    assert (doctors.lower, doctors.upper) == pytest.approx(garwood(75, 50_000, 10_000))

    insured = indicator_value(db, "INSURANCE_COVERAGE", "31", 2025)
    assert insured.value == pytest.approx(95.6)
    lo, hi = wilson(47_800, 50_000)
    assert (insured.lower, insured.upper) == pytest.approx((100 * lo, 100 * hi))

    checkups = indicator_value(db, "CHECKUP_COVERAGE", "31", 2025)
    assert (checkups.numerator, checkups.value) == (44_000, pytest.approx(88.0))

    # two stations reported 4 and 3 doctors; the third station did not report
    station = indicator_value(db, "STATION_DOCTORS_AVG", "31", 2025)
    assert (station.numerator, station.denominator, station.value) == (7, 2, 3.5)
    assert (station.lower, station.upper) == pytest.approx(garwood(7, 2, 1))
    by_commune = {
        v.unit_code: v for v in indicator_by_children(db, "STATION_DOCTORS_AVG", "31", 2025)
    }
    assert (by_commune["10510"].value, by_commune["10525"].value) == (4, 3)
    assert by_commune["10532"].value is None

    # administrative coverage above 100 %: the value stands, no binomial interval exists
    dtp = indicator_value(db, "DTP1_COVERAGE", "10510", 2025)
    assert (dtp.value, dtp.lower, dtp.upper) == (110, None, None)


def test_unknown_codes_are_refused(db):
    with pytest.raises(UnknownCodeError, match="unknown indicator 'SRBX'"):
        indicator_value(db, "SRBX", "01", 2024)
    with pytest.raises(UnknownUnitError, match="unknown unit '1'"):
        indicator_series(db, "SRB", "1", [2024])
    with pytest.raises(ValueError, match="no years"):
        indicator_series(db, "SRB", "01", [])


def test_a_numerator_never_reported_gives_no_value_not_zero(engine):
    """A commune that reported its population but never its insured persons has no coverage
    figure: 0 % would read as a measured failure. A reported zero is a value."""
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        conn.execute(
            insert(DataValue),
            [
                _dv("POPULATION", "10510", "2025", 20_000),
                _dv("POPULATION", "10525", "2025", 30_000),
                _dv("INSURED_PERSONS", "10525", "2025", 0),
                _dv("POPULATION", "10510", "2024", 19_000),
                _dv("INSURED_PERSONS", "10510", "2024", 18_000),
            ],
        )
    with engine.connect() as db:
        never = indicator_value(db, "INSURANCE_COVERAGE", "10510", 2025)
        assert (never.denominator, never.value, never.lower, never.upper) == (
            20_000,
            None,
            None,
            None,
        )
        zero = indicator_value(db, "INSURANCE_COVERAGE", "10525", 2025)
        assert zero.value == 0 and zero.upper == pytest.approx(100 * wilson(0, 30_000)[1])
        series = indicator_series(db, "INSURANCE_COVERAGE", "10510", [2024, 2025])
        assert [v.value for v in series] == [pytest.approx(100 * 18_000 / 19_000), None]
        by_commune = {
            v.unit_code: v for v in indicator_by_children(db, "INSURANCE_COVERAGE", "31", 2025)
        }
        assert by_commune["10510"].value is None and by_commune["10525"].value == 0
        rate = indicator_value(db, "DOCTORS_PER_10K", "10510", 2025)
        assert (rate.denominator, rate.value) == (20_000, None)

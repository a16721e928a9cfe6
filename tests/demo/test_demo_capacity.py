"""Hai Phong's demo capacity against seed 001, and the figures around it (seed 003, national)."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from chitieu.demo import DEMO_SEED, SYNTHETIC_LABEL
from chitieu.demo.capacity import haiphong
from chitieu.demo.context import (
    hoa_binh_in_phu_tho,
    national_births,
    national_residuals,
    national_totals,
)
from chitieu.demo.rows import value_row


@pytest.fixture(scope="module")
def hp():
    return haiphong(DEMO_SEED)


def _sums(rows) -> dict[tuple[str, str, str], float]:
    out: dict[tuple[str, str, str], float] = defaultdict(float)
    for r in rows:
        out[r["element_code"], r["period"], r["disaggregation"]] += r["value"]
    return out


def test_facility_counts_as_the_seed(hp):
    kinds = Counter(f["kind"] for f in hp.facilities)
    # 19 municipal + 7 Ministry of Health hospitals; 5 regional; 13 private; 89 clinics; 114.
    assert kinds == {
        "hospital": 26,
        "regional_hospital": 5,
        "private_hospital": 13,
        "clinic": 89,
        "health_station": 114,
    }
    stations = {f["unit_code"] for f in hp.facilities if f["kind"] == "health_station"}
    assert len(stations) == 114  # one per commune, ward and special zone
    assert sum(f["beds"] or 0 for f in hp.facilities) > 15_000
    assert all(f["synthetic"] and SYNTHETIC_LABEL in f["name"] for f in hp.facilities)
    assert len({f["code"] for f in hp.facilities}) == len(hp.facilities)


def test_per_ten_thousand_figures_of_2025(hp):
    s = _sums(hp.values)
    pop = s["POPULATION", "2025", "default"]
    assert pop == pytest.approx(4_664_000, rel=0.001)
    assert 10_000 * s["DOCTORS", "2025", "default"] / pop == pytest.approx(14.46, abs=0.005)
    assert 10_000 * s["PHARMACISTS", "2025", "default"] / pop == pytest.approx(4.1, abs=0.005)
    assert s["HOSPITAL_BEDS", "2025", "default"] > 15_000
    staff = sum(
        s["STAFF", "2025", q]
        for q in ("QUAL_DOCTORAL", "QUAL_MASTER", "QUAL_UNIVERSITY", "QUAL_COLLEGE")
    )
    assert staff > 25_000
    assert s["DOCTORS", "2025", "default"] + s["PHARMACISTS", "2025", "default"] > 6_000


def test_trends_and_coverage(hp):
    s = _sums(hp.values)
    years = [str(y) for y in range(2020, 2026)]
    coverage = [
        100 * s["INSURED_PERSONS", y, "default"] / s["POPULATION", y, "default"] for y in years
    ]
    assert coverage == sorted(coverage) and 93 <= coverage[-1] <= 95
    doctors = [s["DOCTORS", y, "default"] for y in years]
    assert doctors == sorted(doctors)
    dtp1 = {
        y: 100 * s["DTP1_DOSES", y, "default"] / s["DTP1_TARGET_POP", y, "default"]
        for y in ("2023", "2024")
    }
    assert dtp1 == {"2023": pytest.approx(80, abs=0.01), "2024": pytest.approx(99, abs=0.01)}
    checkups = 100 * s["FREE_CHECKUPS", "2025", "default"] / s["POPULATION", "2025", "default"]
    assert 0 < checkups < 95  # partial coverage before the 2026 programme
    assert ("FREE_CHECKUPS", "2024", "default") not in s


def test_commune_figures_are_plausible(hp):
    by = defaultdict(dict)
    for r in hp.values:
        by[r["element_code"], r["period"]][r["unit_code"]] = r["value"]
    stations = by["STATION_DOCTORS", "2025"]
    assert len(stations) == 114 and set(stations.values()) <= {1.0, 2.0, 3.0}
    assert sum(by["STATION_DOCTORS", "2020"].values()) < sum(stations.values())
    for unit, pop in by["POPULATION", "2025"].items():
        assert by["INSURED_PERSONS", "2025"][unit] <= pop
        assert by["DOCTORS", "2025"][unit] >= stations[unit]
    assert all(r["synthetic"] and SYNTHETIC_LABEL in r["comment"] for r in hp.values)


def test_hoa_binh_figures_on_phu_tho():
    rows = hoa_binh_in_phu_tho()
    assert {r["unit_code"] for r in rows} == {"25"} and {r["period"] for r in rows} == {"2023"}
    staff = {r["disaggregation"]: r["value"] for r in rows if r["element_code"] == "STAFF"}
    assert staff == {
        "QUAL_DOCTORAL": 42,
        "QUAL_MASTER": 287,
        "QUAL_UNIVERSITY": 1594,
        "QUAL_COLLEGE": 1704,
    }
    assert sum(staff.values()) == 3627
    s = _sums(rows)
    coverage = 100 * s["INSURED_PERSONS", "2023", "default"] / s["POPULATION", "2023", "default"]
    assert coverage == pytest.approx(95.23, abs=0.005)
    assert all("Hòa Bình" in r["comment"] for r in rows)


def test_national_values_roll_up_to_the_totals(hp):
    below = hp.values + hoa_binh_in_phu_tho()
    hanoi = {("LIVE_BIRTHS", "2016", "M_O1"): 40_000.0}
    own = national_residuals(below, hanoi)
    assert {r["unit_code"] for r in own} == {"VN"}
    rolled = _sums(below + own)
    rolled["LIVE_BIRTHS", "2016", "M_O1"] += 40_000
    # Seed 000: 34 beds per 10,000 people at the end of 2024.
    beds = (
        10_000
        * rolled["HOSPITAL_BEDS", "2024", "default"]
        / rolled["POPULATION", "2024", "default"]
    )
    assert beds == pytest.approx(34.0, abs=0.001)
    dtp1 = rolled["DTP1_DOSES", "2023", "default"] / rolled["DTP1_TARGET_POP", "2023", "default"]
    assert dtp1 == pytest.approx(0.80, abs=1e-6)
    for key, total in national_totals().items():
        assert rolled[key] == pytest.approx(total)


def test_national_residual_refuses_more_than_the_total():
    too_many = [value_row("POPULATION", "31", "2024", 200_000_000)]
    with pytest.raises(ValueError, match="exceed"):
        national_residuals(too_many, {})


def test_national_births_keep_total_and_ratio():
    cells = national_births(1_500_000, 112.2)
    boys = sum(v for k, v in cells.items() if k.startswith("M_"))
    girls = sum(v for k, v in cells.items() if k.startswith("F_"))
    assert boys + girls == pytest.approx(1_500_000, abs=2)
    assert 100 * boys / girls == pytest.approx(112.2, abs=0.02)
    assert cells["M_O3P"] / cells["F_O3P"] > cells["M_O1"] / cells["F_O1"]

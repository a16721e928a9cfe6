"""The generated Hanoi births: calibration (at full size, the demo's own seed), consistency of
every record, determinism, and the truth table of communes with an excess."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from chitieu.demo import DEMO_SEED
from chitieu.demo.births import BirthTally, MaternityFacilities, iter_births
from chitieu.demo.hanoi import births_per_year, hanoi_profile
from chitieu.demo.mechanism import TARGET_SRB

YEARS = tuple(range(2009, 2026))


@pytest.fixture(scope="module")
def profile():
    return hanoi_profile(DEMO_SEED)


@pytest.fixture(scope="module")
def full(profile) -> BirthTally:
    """The demo's births at full size, counted (about 2.4 million; a few seconds)."""
    tally = BirthTally(YEARS, profile.communes.codes)
    for _ in iter_births(profile, seed=DEMO_SEED, tally=tally):
        pass
    return tally


@pytest.fixture(scope="module")
def small(profile) -> pa.Table:
    """A reduced demo (3 % of births) with facility codes, as records."""
    maternity = MaternityFacilities(public=["PUB1", "PUB2"], private=["PRV1"])
    return pa.concat_tables(iter_births(profile, seed=DEMO_SEED, scale=0.03, maternity=maternity))


def test_two_million_births_at_130_to_150_thousand_a_year(full):
    assert full.records > 2_000_000
    per_year = full.by_order.sum((1, 2))
    assert per_year.min() >= 130_000 and per_year.max() <= 150_000


def test_hanoi_srb_follows_the_seed(full):
    srb = dict(zip(YEARS, full.srb(), strict=True))
    assert all(114 <= srb[y] <= 118 for y in range(2009, 2017))
    assert srb[2016] == pytest.approx(114.4, abs=1.5)
    assert np.mean([srb[y] for y in (2015, 2016, 2017)]) == pytest.approx(114.4, abs=1.5)
    slope = np.polyfit(np.arange(2016, 2026), [srb[y] for y in range(2016, 2026)], 1)[0]
    assert -0.5 <= slope <= -0.15  # falls slowly: 0.2–0.4 points a year
    assert 111 <= srb[2025] <= 112.5


def test_realised_srb_is_within_sampling_error_of_the_target(full):
    sexes = full.by_order.sum(2)
    n = sexes.sum(1)
    p = sexes[:, 0] / n
    p_target = np.array([TARGET_SRB[y] / (100 + TARGET_SRB[y]) for y in YEARS])
    z = (p - p_target) / np.sqrt(p_target * (1 - p_target) / n)
    assert np.abs(z).max() < 3.5


def test_third_or_later_share_about_seven_and_a_half_percent(full):
    share = full.third_plus_share()
    assert share.min() >= 7.0 and share.max() <= 8.0
    assert share[YEARS.index(2016)] == pytest.approx(7.53, abs=0.3)


def test_son_preference_signature_by_order(full):
    boys, girls = full.by_order.sum(0)
    srb_by_order = 100 * boys / girls
    after_two_girls = full.after_two_girls.sum(0)
    assert srb_by_order[0] < srb_by_order[1] < srb_by_order[2]
    assert 100 * after_two_girls[0] / after_two_girls[1] > 130


def test_excess_communes_rise_after_their_start(full, profile):
    assert len(profile.excess) == 6
    ha_dong = profile.excess[0]
    assert "Hà Đông" in ha_dong.name and (ha_dong.start_year, ha_dong.end_year) == (2012, 2015)
    years = np.array(YEARS)
    for e in profile.excess:
        counts = full.by_commune[profile.communes.index(e.unit_code)]
        before = years < e.start_year
        during = np.array([e.active(y) for y in YEARS])
        srb_before = 100 * counts[before, 0].sum() / counts[before, 1].sum()
        srb_during = 100 * counts[during, 0].sum() / counts[during, 1].sum()
        assert srb_during > srb_before + 5, e


def test_wards_are_larger_than_rural_communes(full, profile):
    births = full.by_commune.sum((1, 2))
    urban = profile.communes.urban
    assert len(births) == 126 and births.min() > 0
    assert births[urban].mean() > births[~urban].mean()


def test_every_record_is_consistent(small):
    order = small["birth_order"].to_numpy()
    boys = small["prev_boys"].to_numpy()
    girls = small["prev_girls"].to_numpy()
    assert (order >= 1).all() and (boys >= 0).all() and (girls >= 0).all()
    assert (boys + girls == order - 1).all()
    year = pc.year(small["birth_date"]).to_numpy()
    age = year - small["mother_birth_year"].to_numpy()
    assert age.min() >= 17 and age.max() <= 47
    assert ((age >= 18) & (age <= 45)).mean() > 0.95
    assert set(pc.unique(small["sex"]).to_pylist()) == {"M", "F"}
    assert pc.count_distinct(small["birth_id"]).as_py() == small.num_rows
    assert all(i.startswith("SYN-") for i in small["birth_id"].slice(0, 100).to_pylist())
    facilities = set(pc.unique(small["facility_code"]).to_pylist())
    assert facilities == {"PUB1", "PUB2", "PRV1", None}
    months = pc.unique(pc.month(small["birth_date"])).to_pylist()
    assert sorted(months) == list(range(1, 13))


def test_tally_matches_the_records(profile):
    tally = BirthTally(YEARS, profile.communes.codes)
    table = pa.concat_tables(iter_births(profile, seed=DEMO_SEED, scale=0.01, tally=tally))
    by_sex = table.group_by("sex").aggregate([("sex", "count")]).to_pydict()
    counted = dict(zip(by_sex["sex"], by_sex["sex_count"], strict=True))
    assert counted["M"] == tally.by_order[:, 0].sum() and counted["F"] == tally.by_order[:, 1].sum()
    third = pc.sum(pc.greater_equal(table["birth_order"], 3)).as_py()
    assert third == tally.by_order[:, :, 2].sum()
    assert table.num_rows == sum(births_per_year(0.01).values())


def test_same_seed_same_records_other_seed_other_records(profile):
    a = pa.concat_tables(iter_births(profile, seed=DEMO_SEED, scale=0.005, years=[2016]))
    b = pa.concat_tables(iter_births(profile, seed=DEMO_SEED, scale=0.005, years=[2016]))
    c = pa.concat_tables(iter_births(profile, seed=DEMO_SEED + 1, scale=0.005, years=[2016]))
    assert a.equals(b)
    assert not a.equals(c)


def test_each_year_is_calibrated_in_expectation_even_when_small(profile):
    tally = BirthTally((2010, 2020), profile.communes.codes)
    for _ in iter_births(profile, seed=DEMO_SEED, scale=0.02, years=(2010, 2020), tally=tally):
        pass
    for cal in tally.calibration:
        assert cal.expected_srb == pytest.approx(TARGET_SRB[cal.year], abs=1e-6)
    assert tally.calibration[0].intensity > tally.calibration[1].intensity  # son preference eases

"""Target evaluation on the plan world: the figures trace back to the counts put in, the
statuses follow the rules, and unknown codes are refused."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sqlalchemy import select

from chitieu.stats.intervals import srb_interval
from chitieu.store.db import transaction
from chitieu.store.models import Target
from chitieu.targets.rules import Status, annual_change_goal, judge, prob_satisfies
from chitieu.targets.service import evaluate_pairs, evaluate_targets
from chitieu.units.queries import UnknownUnitError


def _hanoi_counts(births, year: int) -> tuple[int, int]:
    boys = sum(b for (_, y), (b, _) in births.items() if y == year)
    girls = sum(g for (_, y), (_, g) in births.items() if y == year)
    return boys, girls


@pytest.fixture
def hanoi(plan_world):
    with transaction(plan_world) as db:
        return {
            e.target_code: e
            for e in evaluate_targets(db, plan_code="HN-SRB-2026-2030", until_year=2026)
        }


def test_series_is_the_raw_srb_of_the_counts(hanoi, plan_world_counts):
    ev = hanoi["SRB_AT_MOST_109_BY_2030"]
    assert [p.year for p in ev.series] == list(range(2012, 2026))
    boys, girls = _hanoi_counts(plan_world_counts, 2025)
    raw = srb_interval(boys, girls)
    last = ev.series[-1]
    assert last.value == pytest.approx(100 * boys / girls)
    assert (last.lower, last.upper) == pytest.approx((float(raw.lower), float(raw.upper)))
    # the latest estimate is the smoothed 2025 value, inside the raw 2025 interval
    assert ev.latest.year == 2025 and raw.lower <= ev.latest.value <= raw.upper


def test_srb_109_by_2030_is_off_track(hanoi):
    ev = hanoi["SRB_AT_MOST_109_BY_2030"]
    # ~113 in 2025 falling ~0.25 a year cannot reach 109 by 2030: needs about -1 a year
    assert ev.required_annual_change == pytest.approx((109 - ev.latest.value) / 5)
    assert ev.prob_target_met < 0.2 and ev.status == Status.OFF_TRACK
    assert ev.p_now == pytest.approx(
        prob_satisfies(ev.latest.value, ev.latest.lower, ev.latest.upper, 109, "at_most")
    )
    assert [p.year for p in ev.projection] == [2026, 2027, 2028, 2029, 2030]


def test_annual_fall_is_a_glide_path_from_the_2025_estimate(hanoi):
    ev = hanoi["SRB_ANNUAL_FALL"]
    base = hanoi["SRB_AT_MOST_109_BY_2030"].latest.value  # the smoothed 2025 SRB
    assert (ev.baseline_year, ev.baseline_value) == (2025, pytest.approx(base))
    assert ev.goal_value == pytest.approx(base - 0.2 * 5)
    assert ev.required_annual_change == pytest.approx(-0.2)
    # the world falls about as fast as asked (0.25 a year in seven wards, none in the eighth):
    # neither certain nor hopeless. Judged jointly (the 2025 baseline is an estimate too), the
    # asked fall of 1.0 point by 2030 is below twice the change's standard error: the data
    # cannot tell, "inconclusive", with the detectable change reported beside it
    assert ev.observed_annual_change < 0 and 0.05 < ev.prob_target_met < 0.95
    assert ev.p_now is None  # nothing to judge in the baseline year itself
    assert ev.change_sd > 0.5 and ev.detectable_annual_change == pytest.approx(2 * ev.change_sd / 5)
    assert ev.status == Status.INCONCLUSIVE
    goal = annual_change_goal(
        annual_change=-0.2,
        baseline_value=base,
        baseline_year=2025,
        target_year=2030,
        start_year=2026,
    )
    verdict = judge(
        goal,
        latest_year=2025,
        p_now=ev.p_now,
        p_by=ev.prob_target_met,
        observed_change=ev.observed_annual_change,
        resolvable_by=2 * ev.change_sd <= 1.0,
    )
    assert ev.status == verdict.status and ev.status_reason == verdict.reason


def test_other_plans_and_context(plan_world):
    with transaction(plan_world) as db:
        found = {
            e.target_code: e
            for e in evaluate_targets(db, plan_code="HP-HEALTH-2026-2030", until_year=2025)
        }
    insurance = found["INSURANCE_ABOVE_95_FROM_2026"]
    # 90 % in 2019 rising 0.9 points a year: 95.4 % in 2025 (reported, not estimated)
    assert insurance.latest.year == 2025 and insurance.latest.value == pytest.approx(95.4)
    assert insurance.status == Status.ON_TRACK and insurance.method.startswith("trend")
    assert found["INSURANCE_100_BY_2030"].status == Status.OFF_TRACK
    # no check-ups or doctors reported at all: no data, not "0 %"
    assert found["CHECKUP_EVERY_YEAR_FROM_2026"].status == Status.NO_DATA
    assert found["DOCTORS_PER_10K_2025"].status == "context"


def test_any_unit_and_bad_codes(plan_world):
    with transaction(plan_world) as db:
        [fall, cap] = evaluate_targets(
            db, plan_code="HN-SRB-2026-2030", unit_code="00103", until_year=2025
        )
        assert cap.unit_code == "00103" and cap.latest.value > 120  # the excess ward
        with pytest.raises(UnknownUnitError):
            evaluate_targets(db, plan_code="HN-SRB-2026-2030", unit_code="99999")
        with pytest.raises(KeyError):
            evaluate_targets(db, plan_code="NO-SUCH-PLAN")
        # a unit with no births at all: no data, and nothing crashes
        empty = evaluate_targets(db, plan_code="HN-SRB-2026-2030", unit_code="00127")
        assert {e.status for e in empty} == {Status.NO_DATA}
    assert np.isfinite(fall.goal_value)


def test_communes_pool_with_their_province_large_units_stand_alone(plan_world):
    with transaction(plan_world) as db:
        [_, ward] = evaluate_targets(
            db, plan_code="HN-SRB-2026-2030", unit_code="00070", until_year=2025
        )
        [_, city] = evaluate_targets(db, plan_code="HN-SRB-2026-2030", until_year=2025)
    assert ward.method == "srb" and len(ward.smoothed) == len(ward.series) == 14
    # the smoother borrows strength from the other wards: a narrower interval than the raw one
    raw, smooth = ward.series[-1], ward.smoothed[-1]
    assert smooth.upper - smooth.lower < raw.upper - raw.lower
    # the latest point is the smoothed one, with the year's births completeness attached
    assert replace(ward.latest, completeness=None) == smooth and ward.latest.completeness
    # the city stands alone: the damped trend's level on its own counts. It allows for noise
    # beyond the binomial, so at the ends of the series (one neighbour year) its interval may be
    # a little wider than the raw one; in between, the neighbours make it narrower
    assert city.method == "srb" and len(city.smoothed) == len(city.series)
    assert replace(city.latest, completeness=None) == city.smoothed[-1]
    pairs = list(zip(city.series, city.smoothed, strict=True))
    for raw, fit in pairs:
        assert fit.year == raw.year and raw.lower <= fit.value <= raw.upper
        assert fit.upper - fit.lower <= 1.1 * (raw.upper - raw.lower)
    for raw, fit in pairs[1:-1]:
        assert fit.upper - fit.lower < raw.upper - raw.lower


def test_targets_sharing_reads_get_the_numbers_each_gets_alone(plan_world):
    """Targets evaluated together share their reads and the SRB engine's fit; each must come
    out exactly as when it is evaluated on its own."""
    with transaction(plan_world) as db:
        targets = db.scalars(select(Target).where(Target.indicator_code == "SRB")).all()
        assert len({t.plan_code for t in targets}) >= 2  # the Hanoi and the national plans
        pairs = [(t, "00070") for t in targets]
        together = evaluate_pairs(db, pairs, until_year=2025)
        alone = [evaluate_pairs(db, [pair], until_year=2025)[0] for pair in pairs]
    # alone, a target has no other to bind with: compare everything else
    unbound = [replace(e, binding=None, relation_vi=None, relation_en=None) for e in together]
    assert unbound == alone
    assert all(e.method == "srb" for e in together)


def test_srb_project_on_the_city_series_gives_the_same_2030_figure(
    plan_world, plan_world_counts, tmp_path
):
    """One function behind every place: ``chitieu srb project`` on a file of the city's yearly
    births gives the path and probability ``targets status`` gives (the dashboard, API and
    report print the latter)."""
    import json

    from typer.testing import CliRunner

    from chitieu.cli import app

    with transaction(plan_world) as db:
        [_, cap] = evaluate_targets(db, plan_code="HN-SRB-2026-2030", until_year=2025)
    lines = ["unit,year,male,female"]
    for point in cap.series:
        boys, girls = _hanoi_counts(plan_world_counts, point.year)
        lines.append(f"{cap.unit_code},{point.year},{boys},{girls}")
    path = tmp_path / "city.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["srb", "project", str(path), "--to", "2030", "--target", "109"])
    assert out.exit_code == 0, out.output
    [cli] = json.loads(out.stdout)
    assert cli["scenario"] == "transition"
    assert cli["path"][-1]["est"] == pytest.approx(cap.projection[-1].value, abs=1e-3)
    assert cli["path"][-1]["lower"] == pytest.approx(cap.projection[-1].lower, abs=1e-3)
    assert cli["prob_target_met"] == pytest.approx(cap.prob_target_met, abs=1e-4)

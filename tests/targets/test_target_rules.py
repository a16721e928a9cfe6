"""The status rules on constructed cases; every expected figure is worked out by hand."""

from __future__ import annotations

import math

import pytest

from chitieu.targets.rules import (
    Goal,
    Status,
    annual_change_goal,
    judge,
    prob_satisfies,
    required_annual_change,
)

# A 95 % interval of ±1.96 around the estimate is a normal spread of exactly 1.
Z95 = 1.959963984540054


def phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


SRB_109_BY_2030 = Goal(direction="at_most", value=109, year=2030, applies_from=2030)
INSURANCE_95_FROM_2026 = Goal(direction="at_least", value=95, year=2030, applies_from=2026)


def test_probability_from_a_symmetric_interval():
    # estimate 110, interval 110 ± 1.96: sd 1, so P(SRB <= 109) = Phi(-1) = 0.158655
    p = prob_satisfies(110, 110 - Z95, 110 + Z95, 109, "at_most")
    assert p == pytest.approx(0.158655, abs=1e-6)
    assert prob_satisfies(110, 110 - Z95, 110 + Z95, 109, "at_least") == pytest.approx(0.841345)


def test_probability_uses_the_side_of_the_interval_facing_the_goal():
    # skewed interval 100 (98.04, 103.92): above the estimate sd = 2, below sd = 1
    assert prob_satisfies(100, 100 - Z95, 100 + 2 * Z95, 102, "at_most") == pytest.approx(phi(1.0))
    assert prob_satisfies(100, 100 - Z95, 100 + 2 * Z95, 99, "at_most") == pytest.approx(phi(-1.0))


def test_probability_without_interval_is_the_point_verdict():
    assert prob_satisfies(96, None, None, 95, "at_least") == 1.0
    assert prob_satisfies(94, None, None, 95, "at_least") == 0.0
    assert prob_satisfies(95, None, None, 95, "at_least") == 0.5


def test_met_when_the_target_year_is_reached_and_satisfied():
    # 2030 estimate 108 (107.02, 108.98): sd 0.5, P(<=109) = Phi(2) = 0.977
    p = prob_satisfies(108, 108 - Z95 / 2, 108 + Z95 / 2, 109, "at_most")
    assert p == pytest.approx(phi(2.0))
    verdict = judge(SRB_109_BY_2030, latest_year=2030, p_now=p, p_by=p, observed_change=-0.5)
    assert verdict.status is Status.MET


def test_off_track_when_the_target_year_passed_unmet():
    # 2030 estimate 110 (108.04, 111.96): P(<=109) = Phi(-1) = 0.159 < 0.5
    p = prob_satisfies(110, 110 - Z95, 110 + Z95, 109, "at_most")
    verdict = judge(SRB_109_BY_2030, latest_year=2030, p_now=p, p_by=p, observed_change=-1.0)
    assert verdict.status is Status.OFF_TRACK


@pytest.mark.parametrize(
    ("p_by", "observed", "expected"),
    [
        (0.85, -0.5, Status.ON_TRACK),  # P >= 0.8
        (0.80, +0.3, Status.ON_TRACK),  # the threshold itself is on track
        (0.60, +0.3, Status.AT_RISK),  # between 0.5 and 0.8: at risk whatever the trend
        (0.40, -0.3, Status.AT_RISK),  # under even odds but moving towards the goal
        (0.40, +0.3, Status.OFF_TRACK),  # under even odds and moving away (up, for "at most")
        (0.19, -0.9, Status.OFF_TRACK),  # below 0.2
    ],
)
def test_before_the_target_year_the_projection_decides(p_by, observed, expected):
    verdict = judge(
        SRB_109_BY_2030, latest_year=2026, p_now=0.1, p_by=p_by, observed_change=observed
    )
    assert verdict.status is expected


def test_every_year_target_met_in_the_first_year():
    # insurance >= 95 % from 2026; 2026 estimate 96 (95.5, 96.5): sd 0.255, P = Phi(3.92) ~ 1
    p = prob_satisfies(96, 95.5, 96.5, 95, "at_least")
    assert p == pytest.approx(phi(1 / (0.5 / Z95)))
    verdict = judge(INSURANCE_95_FROM_2026, latest_year=2026, p_now=p, p_by=0.3, observed_change=0)
    assert verdict.status is Status.MET  # met this year, even if 2030 looks doubtful


def test_every_year_target_missed_this_year():
    # 2026 estimate 94.9 (94.4, 95.4): P(>=95) = 1 - Phi(0.1/0.2551) = 0.3475 -> at risk
    p = prob_satisfies(94.9, 94.4, 95.4, 95, "at_least")
    assert p == pytest.approx(1 - phi(0.1 / (0.5 / Z95)), abs=1e-9)
    assert (
        judge(INSURANCE_95_FROM_2026, latest_year=2026, p_now=p, p_by=0.9, observed_change=1).status
        is Status.AT_RISK
    )
    # 2026 estimate 94.0 (93.5, 94.5): P(>=95) = 1 - Phi(3.92) ~ 0 -> off track
    p = prob_satisfies(94.0, 93.5, 94.5, 95, "at_least")
    assert (
        judge(INSURANCE_95_FROM_2026, latest_year=2026, p_now=p, p_by=0.9, observed_change=1).status
        is Status.OFF_TRACK
    )


def test_not_yet_applying_target_is_not_met_early():
    # 108 in 2026 already satisfies "at most 109 by 2030", but only the projection can say
    # "on track" before 2030.
    verdict = judge(SRB_109_BY_2030, latest_year=2026, p_now=0.99, p_by=0.9, observed_change=-0.1)
    assert verdict.status is Status.ON_TRACK


def test_annual_change_target_is_a_glide_path():
    # "falls 0.2 a year" from 115.0 in 2025: 114.8 in 2026, 114.0 in 2030
    goal = annual_change_goal(
        annual_change=-0.2,
        baseline_value=115.0,
        baseline_year=2025,
        target_year=2030,
        start_year=2026,
    )
    assert goal.direction == "at_most" and goal.applies_from == 2026
    assert goal.level_in(2026) == pytest.approx(114.8)
    assert goal.level_in(2030) == pytest.approx(114.0)
    # 2026 estimate 114.5 (113.52, 115.48): sd 0.5, P(<= 114.8) = Phi(0.6) = 0.7257 -> met
    p = prob_satisfies(114.5, 114.5 - Z95 / 2, 114.5 + Z95 / 2, goal.level_in(2026), "at_most")
    assert p == pytest.approx(phi(0.6))
    assert judge(goal, latest_year=2026, p_now=p, p_by=0.5, observed_change=-0.3).status is (
        Status.MET
    )
    # 2026 estimate 115.3: P(<= 114.8) = Phi(-1) = 0.159 < 0.2 -> off track
    p = prob_satisfies(115.3, 115.3 - Z95 / 2, 115.3 + Z95 / 2, goal.level_in(2026), "at_most")
    assert p == pytest.approx(phi(-1.0))
    assert judge(goal, latest_year=2026, p_now=p, p_by=0.5, observed_change=0.1).status is (
        Status.OFF_TRACK
    )


def test_annual_change_before_the_plan_starts_uses_the_projection():
    goal = annual_change_goal(
        annual_change=-0.2, baseline_value=115.0, baseline_year=2025, target_year=2030
    )
    assert goal.applies_from == 2026
    verdict = judge(goal, latest_year=2025, p_now=0.5, p_by=0.85, observed_change=-0.4)
    assert verdict.status is Status.ON_TRACK


def test_required_annual_change():
    # from 112 in 2026 to at most 109 in 2030: (109 - 112) / 4 = -0.75 a year
    assert required_annual_change(112, 2026, SRB_109_BY_2030) == pytest.approx(-0.75)
    assert required_annual_change(112, 2030, SRB_109_BY_2030) is None


def test_no_data():
    assert (
        judge(SRB_109_BY_2030, latest_year=None, p_now=None, p_by=None, observed_change=None).status
        is Status.NO_DATA
    )

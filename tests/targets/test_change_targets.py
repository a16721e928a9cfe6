"""Change targets judged jointly: the probability against a simulation, the baseline's own
uncertainty counted, and "inconclusive" where the asked change is below what the data resolve.
Expected figures are worked out by hand or drawn here independently of chitieu."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from chitieu.targets.rules import (
    Status,
    annual_change_goal,
    change_inputs,
    judge,
    prob_change,
)

#: The Hanoi plan's "falls 0.2 points a year" from 112.0 in 2025: 111.0 in 2030.
FALL = annual_change_goal(
    annual_change=-0.2, baseline_value=112.0, baseline_year=2025, target_year=2030
)


@dataclass
class Joint:
    mean: tuple[float, float]
    cov: tuple[tuple[float, float], tuple[float, float]]


def _joint(base: float, later: float, sd0: float, sd1: float, rho: float) -> Joint:
    """Log-scale joint of two SRB levels (boys per 100 girls) with log sds and correlation."""
    c = rho * sd0 * sd1
    return Joint((math.log(base / 100), math.log(later / 100)), ((sd0**2, c), (c, sd1**2)))


def test_probability_of_a_change_matches_a_simulation():
    j = _joint(112.0, 110.5, 0.006, 0.012, 0.5)
    got = prob_change(j.mean, j.cov, -1.0, "at_most")
    draws = np.random.default_rng(3).multivariate_normal(j.mean, j.cov, 400_000)
    change = 100 * (np.exp(draws[:, 1]) - np.exp(draws[:, 0]))
    assert got.prob == pytest.approx(np.mean(change <= -1.0), abs=0.003)
    assert got.sd == pytest.approx(change.std(), rel=0.01)
    assert got.mean == pytest.approx(-1.5)
    rise = prob_change(j.mean, j.cov, -1.0, "at_least")
    assert rise.prob == pytest.approx(1 - got.prob)


def test_the_baseline_is_uncertain_so_p_now_is_not_one_half_by_construction():
    # 2026 observed at the path value exactly: the change 2025 -> 2026 is −0.2 on average, so
    # P(change <= −0.2) = 0.5 only when both are exact; with correlated errors the sd of the
    # change is sqrt(s0² + s1² − 2ρ s0 s1) and P stays 0.5 at the path; off the path it moves
    # by the joint spread, not the target year's alone.
    j = _joint(112.0, 111.3, 0.005, 0.005, 0.3)
    got = change_inputs(FALL, 2026, {2026: j})
    sd = 100 * math.sqrt(0.005**2 * (1.12**2 + 1.113**2) - 2 * 0.3 * 0.005**2 * 1.12 * 1.113)
    assert got.p_now == pytest.approx(0.5 * (1 + math.erf((-0.2 + 0.7) / sd / math.sqrt(2))))
    assert got.p_now != pytest.approx(0.5)


def test_a_fall_below_what_the_data_resolve_is_inconclusive():
    # baseline 112.0 (sd 0.6 points), 2030 at 111.5 (sd 1.5 points), correlation 0.2:
    # the change's sd is about 1.5 points, twice that is 3.0 > the asked 1.0
    j = _joint(112.0, 111.5, 0.6 / 112.0, 1.5 / 111.5, 0.2)
    got = change_inputs(FALL, 2025, {2030: j})
    assert got.p_now is None  # nothing to judge in the baseline year itself
    sd = math.sqrt(0.6**2 + 1.5**2 - 2 * 0.2 * 0.6 * 1.5)
    assert got.change_sd == pytest.approx(sd, rel=1e-3)
    assert got.detectable_annual_change == pytest.approx(2 * sd / 5, rel=1e-3)
    assert not got.resolvable_by
    verdict = judge(
        FALL,
        latest_year=2025,
        p_now=got.p_now,
        p_by=got.p_by,
        observed_change=-0.1,
        resolvable_by=got.resolvable_by,
    )
    assert 0.2 <= got.p_by < 0.8 and verdict.status is Status.INCONCLUSIVE


def test_a_clear_change_is_still_decided_by_the_data():
    # a fall of 4 points with the same spreads: P(change <= −1) = Phi(3 / 1.46) ≈ 0.98
    j = _joint(112.0, 108.0, 0.6 / 112.0, 1.5 / 108.0, 0.2)
    got = change_inputs(FALL, 2025, {2030: j})
    verdict = judge(
        FALL,
        latest_year=2025,
        p_now=None,
        p_by=got.p_by,
        observed_change=-0.8,
        resolvable_by=got.resolvable_by,
    )
    assert verdict.status is Status.ON_TRACK
    # and a well-measured change of the asked size is resolvable: sd 0.3 points
    tight = _joint(112.0, 111.0, 0.2 / 112.0, 0.2 / 111.0, 0.0)
    assert change_inputs(FALL, 2025, {2030: tight}).resolvable_by


def test_a_drift_within_its_error_does_not_run_away():
    from chitieu.targets.rules import Goal, runs_away

    goal = Goal(direction="at_most", value=109, year=2030, applies_from=2030)
    assert runs_away(0.02, "at_most") and not runs_away(0.02, "at_most", 0.30)
    assert runs_away(0.5, "at_most", 0.30) and not runs_away(-0.5, "at_most", 0.30)
    assert runs_away(-0.5, "at_least", 0.30)
    kept = judge(goal, latest_year=2025, p_now=0.3, p_by=0.4, observed_change=0.02)
    honest = judge(
        goal, latest_year=2025, p_now=0.3, p_by=0.4, observed_change=0.02, observed_change_se=0.3
    )
    assert (kept.status, honest.status) == (Status.OFF_TRACK, Status.AT_RISK)

"""The son-preference mechanism: odds by stratum, and the yearly calibration to the target."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chitieu.demo.mechanism import (
    BETA,
    O1,
    O2_AFTER_BOY,
    O3P_NO_BOY,
    P_NATURAL,
    TARGET_SRB,
    THIRD_PLUS_SHARE,
    boy_probability,
    expected_srb,
    p_male_of,
    solve_intensity,
    srb_of,
)

NATURAL_ODDS = 0.5146 / 0.4854  # SRB 106.0, written out by hand


def test_no_son_preference_gives_the_natural_ratio():
    p = boy_probability(0.0, np.ones(3), np.zeros(3))
    assert np.allclose(p, P_NATURAL)
    assert srb_of(P_NATURAL) == pytest.approx(100 * NATURAL_ODDS)
    assert srb_of(P_NATURAL) == pytest.approx(106.0, abs=0.05)


@pytest.mark.parametrize(
    ("stratum", "beta"), [(O1, 0.045), (O2_AFTER_BOY, 0.0), (O3P_NO_BOY, 0.45)]
)
def test_odds_multiply_by_exp_beta(stratum, beta):
    # SRB = 100 × odds of a boy; at full intensity the odds are the natural odds × e^beta.
    p = boy_probability(1.0, np.ones(1), np.zeros(1))[0, stratum]
    assert srb_of(p) == pytest.approx(100 * NATURAL_ODDS * math.exp(beta), rel=1e-9)


def test_third_births_after_two_girls_carry_the_strongest_selection():
    assert BETA.argmax() == O3P_NO_BOY
    assert srb_of(boy_probability(1.0, np.ones(1), np.zeros(1))[0, O3P_NO_BOY]) > 160


def test_excess_applies_only_to_families_without_a_son():
    base = boy_probability(1.0, np.ones(1), np.zeros(1))[0]
    more = boy_probability(1.0, np.ones(1), np.array([0.3]))[0]
    assert more[O2_AFTER_BOY] == base[O2_AFTER_BOY]
    assert more[O1] > base[O1] and more[O3P_NO_BOY] > base[O3P_NO_BOY]


def test_srb_and_proportion_are_inverse():
    assert p_male_of(114.4) == pytest.approx(114.4 / 214.4)
    assert srb_of(p_male_of(114.4)) == pytest.approx(114.4)


def test_solved_intensity_hits_the_target():
    rng = np.random.default_rng(0)
    counts = rng.integers(50, 500, size=(10, 5)).astype(float)
    strength = np.exp(rng.normal(0, 0.2, 10))
    excess = np.zeros(10)
    excess[3] = 0.25
    for target in (110.0, 114.4, 117.0):
        i = solve_intensity(counts, strength, excess, target)
        assert expected_srb(counts, i, strength, excess) == pytest.approx(target, abs=1e-9)


def test_unreachable_targets_clip_to_the_bracket():
    counts = np.full((2, 5), 100.0)
    ones, zeros = np.ones(2), np.zeros(2)
    assert solve_intensity(counts, ones, zeros, 100.0) == 0.0  # below natural
    assert solve_intensity(counts, ones, zeros, 400.0) == 6.0


def test_target_path_matches_the_seed():
    early = [TARGET_SRB[y] for y in range(2009, 2017)]
    assert min(early) >= 114 and max(early) <= 118  # seed 000: 114–118 since 2009
    assert TARGET_SRB[2017] == 114.4  # seed 000's "current" figure
    falls = np.diff([TARGET_SRB[y] for y in range(2017, 2026)])
    assert np.allclose(falls, -0.33)
    assert 111 <= TARGET_SRB[2025] <= 112
    assert all(7.0 <= s <= 8.0 for s in THIRD_PLUS_SHARE.values())

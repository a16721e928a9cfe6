"""The difference-in-differences on smoothed series, against a hand computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chitieu.stats.did import did_smoothed

AFTER = [False, False, False, True, True, True]


def test_did_matches_a_hand_computation():
    treated = [120, 121, 119, 112, 111, 110]
    controls = [
        [110, 111, 110, 110, 109, 110],
        [108, 108, 109, 108, 107, 108],
        [112, 111, 113, 112, 111, 112],
        [109, 110, 110, 108, 109, 109],
    ]
    r = did_smoothed(treated, controls, AFTER)
    # by hand, year by year
    lt = [math.log(v) for v in treated]
    d_t = sum(lt[3:]) / 3 - sum(lt[:3]) / 3
    d_c = [sum(map(math.log, row[3:])) / 3 - sum(map(math.log, row[:3])) / 3 for row in controls]
    mean_c = sum(d_c) / 4
    sd_c = math.sqrt(sum((d - mean_c) ** 2 for d in d_c) / 3)
    half = 3.182446305284263 * sd_c * math.sqrt(1 + 1 / 4)  # t(0.975, 3)
    assert r.did == pytest.approx(d_t - mean_c, abs=1e-12)
    assert (r.lower, r.upper) == pytest.approx((d_t - mean_c - half, d_t - mean_c + half))
    assert r.n_controls == 4 and r.p_placebo == 0.0  # no control fell as much
    assert r.before_level == pytest.approx(math.exp(sum(lt[:3]) / 3))
    assert r.points == pytest.approx(r.before_level * (math.exp(r.did) - 1))
    assert r.points < -7 and r.upper < 0  # a fall of about 8 points, interval below zero


def test_no_effect_when_the_treated_moves_like_the_controls():
    rng = np.random.default_rng(3)
    base = 110 + rng.normal(0, 1, size=(30, 6))
    r = did_smoothed(base[0], base[1:], AFTER)
    assert r.lower < 0 < r.upper


@pytest.mark.parametrize(
    ("treated", "controls", "after", "message"),
    [
        ([110] * 6, [[110] * 6] * 2, AFTER, "at least 3"),
        ([110] * 6, [[110] * 6] * 3, [True] * 6, "before and after"),
        ([110] * 5, [[110] * 6] * 3, AFTER, "share T"),
        ([110, 0, 110, 110, 110, 110], [[110] * 6] * 3, AFTER, "positive"),
    ],
)
def test_bad_input_is_refused_clearly(treated, controls, after, message):
    with pytest.raises(ValueError, match=message):
        did_smoothed(treated, controls, after)

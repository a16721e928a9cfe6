"""Funnel plot, missing female births and son-preference signatures against hand computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from chitieu.stats import funnel_plot, son_preference
from chitieu.stats.missing import NATURAL_SRB, missing_female_births, missing_girls_at_srb


def test_funnel_limits_by_hand() -> None:
    m, f = np.array([520, 60, 5100]), np.array([480, 50, 4900])
    fun = funnel_plot(m, f, centre=105.0, overdispersion=False)
    p0 = 1.05 / 2.05
    n = fun.grid_births
    lo, hi = fun.limits[0.95]
    assert hi == pytest.approx(105 * np.exp(1.959964 / np.sqrt(n * p0 * (1 - p0))), rel=1e-5)
    assert lo == pytest.approx(105 * np.exp(-1.959964 / np.sqrt(n * p0 * (1 - p0))), rel=1e-5)
    z0 = (np.log(520.5 / 480.5) - np.log(1.05)) * np.sqrt(1000 * p0 * (1 - p0))
    assert fun.z[0] == pytest.approx(z0)
    assert fun.tau == 0.0 and fun.centre == pytest.approx(105.0)
    assert fun.limits[0.998][1][0] > hi[0]  # the outer funnel is wider
    empty = funnel_plot([0, 10], [0, 9])
    assert np.isnan(empty.z[0]) and np.isnan(empty.srb[0])


def test_funnel_without_overdispersion_keeps_nominal_rates() -> None:
    rng = np.random.default_rng(2)
    n = np.exp(rng.uniform(np.log(50), np.log(20000), 4000)).astype(int)
    m = rng.binomial(n, 1.06 / 2.06)
    fun = funnel_plot(m, n - m)
    assert fun.tau < 0.01
    assert 0.035 <= np.mean(np.abs(fun.z) > 1.96) <= 0.065
    assert np.mean(np.abs(fun.z) > 3.09) < 0.006


def test_funnel_allows_for_overdispersion() -> None:
    rng = np.random.default_rng(3)
    n = np.exp(rng.uniform(np.log(50), np.log(20000), 3000)).astype(int)
    theta = np.log(1.08) + rng.normal(0, 0.05, len(n))
    m = rng.binomial(n, expit(theta))
    fun = funnel_plot(m, n - m)
    assert 0.035 <= fun.tau <= 0.065
    assert np.mean(np.abs(fun.z) > 3.09) < 0.01
    naive = funnel_plot(m, n - m, overdispersion=False)
    assert np.mean(np.abs(naive.z) > 3.09) > 0.05  # 0.2 % expected without overdispersion


def test_missing_female_births_by_hand() -> None:
    # Hanoi-like year: 80,000 boys and 69,930 girls (SRB 114.4).
    iv = missing_female_births(80_000, 69_930)
    assert float(iv.estimate) == pytest.approx(80_000 * 100 / 106.3 - 69_930)
    assert float(iv.lower) < float(iv.estimate) < float(iv.upper)
    assert NATURAL_SRB == 106.3
    conventional = missing_female_births(80_000, 69_930, natural_srb=105)
    assert float(conventional.estimate) == pytest.approx(80_000 / 1.05 - 69_930)
    # The map from SRB to missing girls reproduces the point estimate at the observed SRB.
    at_obs = missing_girls_at_srb(149_930, 100 * 80_000 / 69_930)
    assert float(at_obs) == pytest.approx(float(iv.estimate))
    none = missing_female_births([0, 10], [0, 0])
    assert np.isnan(none.estimate[0]) and none.estimate[1] == pytest.approx(1000 / 106.3)
    assert float(missing_female_births(1063, 1000).estimate) == pytest.approx(0.0)


def test_son_preference_signature_by_hand() -> None:
    rows = [  # birth_order, prev_boys, prev_girls, sex, births
        (1, 0, 0, "M", 106), (1, 0, 0, "F", 100),
        (2, 0, 1, "M", 60), (2, 0, 1, "F", 50), (2, 1, 0, "M", 50), (2, 1, 0, "F", 48),
        (3, 0, 2, "M", 30), (3, 0, 2, "F", 15), (3, 1, 1, "M", 20), (3, 1, 1, "F", 19),
        (4, 0, 2, "M", 8), (4, 0, 2, "F", 3), (4, 2, 1, "M", 4), (4, 2, 1, "F", 4),
    ]  # fmt: skip
    cols = list(zip(*rows, strict=True))
    sig = son_preference(*cols)
    col = sig.column
    assert sig.male[0, col("all")] == 106 + 60 + 50 + 30 + 20 + 8 + 4
    assert sig.srb.estimate[0, col("order_1")] == pytest.approx(106.0)
    assert sig.srb.estimate[0, col("order_2")] == pytest.approx(100 * 110 / 98)
    assert sig.srb.estimate[0, col("third_after_two_girls")] == pytest.approx(200.0)
    assert sig.srb.estimate[0, col("third_plus_no_boy")] == pytest.approx(100 * 38 / 18)
    assert sig.srb.estimate[0, col("third_plus_after_a_boy")] == pytest.approx(100 * 24 / 23)
    assert sig.srb.estimate[0, col("order_4plus")] == pytest.approx(100 * 12 / 7)
    assert float(sig.third_plus_share.estimate[0]) == pytest.approx(103 / 517)
    lo, hi = sig.srb.lower[0], sig.srb.upper[0]
    assert np.all(lo <= sig.srb.estimate[0]) and np.all(sig.srb.estimate[0] <= hi)


def test_son_preference_by_group_and_bad_input() -> None:
    sig = son_preference(
        [1, 1, 3, 3], [0, 0, 0, 0], [0, 0, 2, 2], ["M", "F", "M", "F"], [5, 4, 0, 0],
        group=["00070-2024", "00070-2024", "00073-2024", "00073-2024"],
    )  # fmt: skip
    assert list(sig.groups) == ["00070-2024", "00073-2024"]
    assert sig.srb.estimate[0, sig.column("order_1")] == pytest.approx(125.0)
    assert np.isnan(sig.srb.estimate[1, sig.column("third_after_two_girls")])
    with pytest.raises(ValueError):
        son_preference([1], [0], [0], ["X"], [3])
    with pytest.raises(ValueError):
        son_preference([1], [0], [0], ["M"], [-3])

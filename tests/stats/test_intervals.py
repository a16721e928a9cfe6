"""Intervals checked against hand formulas, published tables and scipy's binomtest."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from chitieu.stats.intervals import proportion_interval, rate_interval, srb_interval


def wilson_by_hand(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


@pytest.mark.parametrize(("x", "n"), [(0, 10), (3, 10), (10, 10), (512, 1000), (1, 2)])
def test_proportion_matches_binomtest(x: int, n: int) -> None:
    for method in ("wilson", "exact"):
        ours = proportion_interval(x, n, method=method)
        ref = binomtest(x, n).proportion_ci(confidence_level=0.95, method=method)
        assert float(ours.lower) == pytest.approx(ref.low, abs=1e-10)
        assert float(ours.upper) == pytest.approx(ref.high, abs=1e-10)


def test_wilson_hand_formula_vectorised() -> None:
    x = np.array([0, 1, 7, 50, 99])
    n = np.array([5, 20, 30, 100, 100])
    iv = proportion_interval(x, n, level=0.95)
    for i in range(len(x)):
        lo, hi = wilson_by_hand(int(x[i]), int(n[i]))
        assert iv.lower[i] == pytest.approx(max(lo, 0.0), abs=1e-12)
        assert iv.upper[i] == pytest.approx(min(hi, 1.0), abs=1e-12)
    assert iv.estimate == pytest.approx(x / n)


def test_published_values() -> None:
    # Clopper-Pearson with 0 successes: upper = 1 - (alpha/2)^(1/n); 0/10 -> 0.3085.
    cp = proportion_interval(0, 10, method="exact")
    assert float(cp.upper) == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-9)
    assert float(cp.upper) == pytest.approx(0.3085, abs=1e-4)
    # Wilson 0/10 upper 0.2775 (Brown, Cai & DasGupta 2001 style tables; also Newcombe 1998).
    assert float(proportion_interval(0, 10).upper) == pytest.approx(0.2775, abs=1e-4)
    # Garwood exact Poisson 95 % limits (e.g. Ulm 1990 tables): 0 -> (0, 3.689), 5 -> (1.623,
    # 11.668), 10 -> (4.795, 18.390).
    r = rate_interval([0, 5, 10], 1.0, per=1.0)
    assert r.lower == pytest.approx([0.0, 1.6235, 4.7954], abs=1e-3)
    assert r.upper == pytest.approx([3.6889, 11.6683, 18.3904], abs=1e-3)


def test_srb_interval_matches_design_note() -> None:
    # design.md: 200 births around a true 105 -> roughly 80-139; 2,000 -> 96-115; 20,000 -> 102-108.
    for births, lo, hi in [(200, 80, 139), (2000, 96, 115), (20000, 102, 108)]:
        m = births * 105 / 205
        iv = srb_interval(m, births - m)
        assert float(iv.lower) == pytest.approx(lo, abs=1.0)
        assert float(iv.upper) == pytest.approx(hi, abs=1.0)
        assert float(iv.estimate) == pytest.approx(105.0)


def test_srb_is_mapped_proportion_interval() -> None:
    m, f = np.array([30, 523, 11000]), np.array([25, 480, 10000])
    for method in ("wilson", "exact"):
        p = proportion_interval(m, m + f, method=method)
        s = srb_interval(m, f, method=method)
        assert s.lower == pytest.approx(100 * p.lower / (1 - p.lower))
        assert s.upper == pytest.approx(100 * p.upper / (1 - p.upper))
        assert s.estimate == pytest.approx(100 * m / f)


def test_zero_counts_do_not_crash() -> None:
    s = srb_interval([0, 5, 0], [0, 0, 5])
    assert np.isnan(s.estimate[0]) and np.isnan(s.lower[0]) and np.isnan(s.upper[0])
    assert s.estimate[1] == np.inf and s.upper[1] == np.inf and np.isfinite(s.lower[1])
    assert s.lower[1] > 100  # five boys, no girls: clearly above parity
    assert s.estimate[2] == 0 and s.lower[2] == 0 and 0 < s.upper[2] < np.inf
    e = srb_interval([0, 5], [0, 0], method="exact")
    assert np.isnan(e.estimate[0]) and e.upper[1] == np.inf
    p = proportion_interval([0, 0], [0, 4])
    assert np.isnan(p.lower[0]) and p.lower[1] == 0.0
    r = rate_interval([3, 0], [0, 0])
    assert np.all(np.isnan(r.estimate)) and np.all(np.isnan(r.upper))


def test_rate_units_and_level() -> None:
    # Hai Phong-like: 14.46 doctors per 10,000 from 1446 doctors in 1,000,000 people.
    r = rate_interval(1446, 1_000_000)
    assert float(r.estimate) == pytest.approx(14.46)
    assert float(r.lower) < 14.46 < float(r.upper)
    wider = rate_interval(1446, 1_000_000, level=0.99)
    assert float(wider.lower) < float(r.lower) and float(wider.upper) > float(r.upper)


def test_bad_input_refused() -> None:
    with pytest.raises(ValueError):
        proportion_interval(5, 3)
    with pytest.raises(ValueError):
        srb_interval(-1, 3)
    with pytest.raises(ValueError):
        rate_interval(1, -3)
    with pytest.raises(ValueError):
        srb_interval(1, 3, level=1.5)
    with pytest.raises(ValueError):
        proportion_interval(1, 3, method="wald")  # type: ignore[arg-type]


def test_raw_interval_coverage_by_simulation() -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(20, 5000, size=20000)
    p_true = 1.07 / 2.07
    m = rng.binomial(n, p_true)
    iv = srb_interval(m, n - m)
    covered = (iv.lower <= 107) & (iv.upper >= 107)
    assert 0.935 <= covered.mean() <= 0.965

"""project_trend and project_srb: hand-checked values, calibration by simulation, edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from chitieu.stats import project_srb, project_trend, simulate_srb, smooth_srb
from chitieu.stats.trend import fit_linear_trend


def test_line_without_noise_extrapolates_exactly() -> None:
    years = np.arange(2018, 2025)
    values = 80 + 2.5 * (years - 2018)
    p = project_trend(years, values, 2030, 100, "at_least")
    assert list(p.years) == list(range(2025, 2031))
    assert p.est == pytest.approx(80 + 2.5 * (p.years - 2018))
    assert p.lower == pytest.approx(p.est) and p.upper == pytest.approx(p.est)
    assert p.prob_target_met == 1.0  # 110 by 2030 on a perfect line
    assert p.annual_change_needed == pytest.approx((100 - 95) / 6)
    assert p.path[-1] == {"year": 2030, "est": pytest.approx(110), "lower": pytest.approx(110),
                          "upper": pytest.approx(110)}  # fmt: skip


def test_ols_prediction_interval_by_hand() -> None:
    years = np.array([2019, 2020, 2021, 2022, 2023])
    values = np.array([10.0, 12.0, 11.0, 14.0, 15.0])
    p = project_trend(years, values, 2025, 16, "at_least", level=0.9)
    # Textbook prediction interval for a new value at x0: ŷ ± t·s·√(1 + 1/n + (x0−x̄)²/Sxx).
    x = years - years.mean()
    b = (x * values).sum() / (x**2).sum()
    a = values.mean()
    s2 = ((values - a - b * x) ** 2).sum() / 3
    x0 = 2025 - years.mean()
    half = stats.t.ppf(0.95, 3) * np.sqrt(s2 * (1 + 1 / 5 + x0**2 / (x**2).sum()))
    assert p.est[-1] == pytest.approx(a + b * x0)
    assert p.lower[-1] == pytest.approx(a + b * x0 - half)
    assert p.upper[-1] == pytest.approx(a + b * x0 + half)
    pred_sd = half / stats.t.ppf(0.95, 3)
    assert p.prob_target_met == pytest.approx(stats.t.sf((16 - (a + b * x0)) / pred_sd, 3))


def test_trend_intervals_are_calibrated() -> None:
    rng = np.random.default_rng(1)
    years = np.arange(2016, 2024)
    hits, probs, met = [], [], []
    for _ in range(1500):
        a, b, tau = rng.normal(20, 5), rng.normal(0, 1), rng.uniform(0.2, 2)
        series = a + b * (years - 2016) + rng.normal(0, tau, len(years))
        truth = a + b * (2028 - 2016) + rng.normal(0, tau)
        p = project_trend(years, series, 2028, a + b * 12, "at_most")
        hits.append(p.lower[-1] <= truth <= p.upper[-1])
        probs.append(p.prob_target_met)
        met.append(truth <= a + b * 12)
    assert 0.93 <= np.mean(hits) <= 0.97
    assert np.mean(probs) == pytest.approx(np.mean(met), abs=0.04)


def test_scales_keep_values_in_range_and_use_se() -> None:
    years = np.arange(2019, 2025)
    cover = np.array([90.0, 93.0, 95.0, 96.5, 97.5, 98.7])
    p = project_trend(years, cover, 2030, 100, "at_least", scale="logit")
    assert np.all(p.upper < 100) and np.all(p.lower > 0)
    # A target at the bound is read as 99.99 %: nearly out of reach on the logit scale.
    assert 0.0 < p.prob_target_met < 0.01
    rate = project_trend(years, [14.0, 14.2, 14.5, 14.4, 14.9, 15.2], 2030, 16, scale="log")
    assert np.all(rate.lower > 0)
    base = project_trend(years, cover, 2030, 99, "at_least", scale="logit")
    with_se = project_trend(years, cover, 2030, 99, "at_least", scale="logit", se=np.full(6, 3.0))
    assert with_se.upper[-1] - with_se.lower[-1] > base.upper[-1] - base.lower[-1]
    # measurement error alone (a perfect line of noisy values) still gives an interval
    noisy = fit_linear_trend(years, 2.0 + 0.1 * (years - 2019), meas_cov=np.full(6, 0.04))
    assert noisy.noise_var == pytest.approx(0.0, abs=1e-6)
    assert noisy.predictive_var(np.array([2030]))[0] > 0


def test_too_few_years_give_no_interval() -> None:
    one = project_trend([2024], [95.23], 2030, 100, "at_least", scale="logit")
    assert one.est == pytest.approx(np.full(6, 95.23))
    assert np.isnan(one.prob_target_met) and np.all(np.isnan(one.lower))
    assert one.annual_change_needed == pytest.approx((100 - 95.23) / 6)
    two = project_trend([2023, 2024], [80.0, 99.0], 2026, 99, "at_least")
    assert two.est == pytest.approx([118.0, 137.0])
    with pytest.raises(ValueError):
        project_trend([2023, 2023, 2024], [1.0, 2.0, 3.0], 2030, 5)
    with pytest.raises(ValueError):
        project_trend([2023, 2024, 2025], [1.0, 2.0, 3.0], 2030, 5, "below")  # type: ignore[arg-type]


def test_project_srb_paths_and_probabilities() -> None:
    sim = simulate_srb(60, 10, 3, seed=21)
    res = smooth_srb(**sim.long())
    proj = project_srb(res.fit, 2030, 109)
    assert len(proj) == 60
    p = proj[0]
    assert list(p.years) == list(range(2020, 2031))
    assert np.all(np.diff(p.upper - p.lower) > 0)  # uncertainty grows with the horizon
    assert 0.0 <= p.prob_target_met <= 1.0
    last = res.fit.model.theta[0, -1]
    assert p.last_value == pytest.approx(100 * np.exp(last))
    assert p.annual_change_needed == pytest.approx((109 - p.last_value) / 11)
    strict = project_srb(res.fit, 2030, 100, units=[p.unit])[0]
    loose = project_srb(res.fit, 2030, 130, units=[p.unit])[0]
    assert strict.prob_target_met < p.prob_target_met < loose.prob_target_met
    up = project_srb(res.fit, 2030, 109, "at_least", units=[p.unit])[0]
    assert up.prob_target_met == pytest.approx(1 - p.prob_target_met)
    within = project_srb(res.fit, 2015, 109, units=[p.unit])[0]
    assert list(within.years) == [2015]
    assert within.est[0] == pytest.approx(100 * np.exp(res.fit.model.theta[0, 5]))
    with pytest.raises(KeyError):
        project_srb(res.fit, 2030, 109, units=["nope"])


def test_single_unit_series_projects() -> None:
    # Hanoi-like: one unit, SRB around 115 with ~150,000 births a year, falling slowly.
    rng = np.random.default_rng(5)
    years = np.arange(2010, 2025)
    srb = 116 - 0.15 * (years - 2010)
    n = np.full(len(years), 150_000)
    male = rng.binomial(n, srb / (100 + srb))
    res = smooth_srb(["01"] * len(years), years, male, n - male)
    p = project_srb(res.fit, 2030, 109)[0]
    assert p.unit == "01"
    assert 105 < p.est[-1] < 116
    assert p.lower[-1] < p.est[-1] < p.upper[-1]
    assert 0.0 <= p.prob_target_met < 0.5


def test_reml_noise_with_measurement_error_matches_a_grid_search() -> None:
    rng = np.random.default_rng(11)
    years = np.arange(2010, 2025).astype(float)
    meas = rng.uniform(0.01, 0.05, len(years))
    y = 0.1 + 0.01 * (years - 2010) + rng.normal(0, 0.1, len(years)) + rng.normal(0, np.sqrt(meas))
    fit = fit_linear_trend(years, y, meas_cov=meas)
    x = np.column_stack([np.ones_like(years), years - years.mean()])

    def reml(tau2: float) -> float:  # written out independently of chitieu.stats.trend
        v = np.diag(meas + tau2)
        vi = np.linalg.inv(v)
        info = x.T @ vi @ x
        beta = np.linalg.solve(info, x.T @ vi @ y)
        r = y - x @ beta
        return -0.5 * (np.linalg.slogdet(v)[1] + np.linalg.slogdet(info)[1] + r @ vi @ r)

    grid = np.linspace(0.0, 0.1, 20001)
    best = grid[np.argmax([reml(g) for g in grid])]
    assert fit.noise_var == pytest.approx(best, abs=1e-5)


def test_smoothed_values_match_the_gaussian_posterior_with_a_flat_line_prior():
    """The trend's smoothed values equal the exact posterior of θ = Xβ + e given y with a flat
    prior on β (the BLUP and Henderson's prediction-error variance), computed independently."""

    years = np.arange(2016, 2026, dtype=float)
    rng = np.random.default_rng(7)
    c = rng.uniform(0.2, 2.0, len(years))  # measurement variances
    y = 5.0 - 0.3 * (years - 2020) + rng.normal(0, 1.0, len(years)) + rng.normal(0, np.sqrt(c))
    fit = fit_linear_trend(years, y, c)
    mean, var = fit.smoothed(years, y, c)

    # Posterior of z = (β, e) with a flat prior on β and e ~ N(0, τ²I), in information form
    # (numerically stable); θ = A z with A = [X, I].
    x = fit.design(years)
    n = len(y)
    a = np.hstack([x, np.eye(n)])
    prior_precision = np.diag(np.r_[0.0, 0.0, np.full(n, 1.0 / fit.noise_var)])
    post_cov = np.linalg.inv(prior_precision + a.T @ np.diag(1.0 / c) @ a)
    theta_mean = a @ post_cov @ a.T @ (y / c)
    theta_cov = a @ post_cov @ a.T
    np.testing.assert_allclose(mean, theta_mean, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(var, np.diag(theta_cov), rtol=1e-6, atol=1e-10)
    # Shrinkage: every smoothed value lies between the line and the observation.
    line = fit.mean(years)
    assert np.all((mean - line) * (y - mean) >= -1e-12)
    assert np.all(var < c)


def test_project_trend_returns_smoothed_values_for_the_observed_years():
    years = np.arange(2018, 2026)
    values = 112.0 - 0.3 * (years - 2018)
    r = project_trend(years, values, 2030, 109, "at_most", scale="log", se=np.full(8, 0.6))
    assert list(r.fitted_years) == list(years)
    assert np.all(r.fitted_lower < r.fitted_est) and np.all(r.fitted_est < r.fitted_upper)
    np.testing.assert_allclose(r.fitted_est, values, atol=0.05)

"""The damped-trend forecast: the Kalman filter against dense Gaussian algebra, and the SRB
projection's calibration on regions going through the sex-ratio transition (seeded)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from chitieu.stats import project_srb, smooth_srb
from chitieu.stats import projection as projection_module
from chitieu.stats.simulate import simulate_transition
from chitieu.stats.statespace import (
    DEFAULT_HYPER,
    Forecast,
    Hyper,
    forecast,
    kalman_filter,
    kalman_smoother,
)
from chitieu.stats.trend import fit_linear_trend

DATA = Path(__file__).parent / "data"


def dense_moments(hyper: Hyper, t: int, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of (y_1..y_t, ℓ_{t+1}..) built by composing the state equation as
    matrices: x_{k} = F^k x_0 + Σ F^(k−j) w_j, independent of the filter's recursion."""
    f = np.array([[1.0, 1.0], [0.0, hyper.phi]])
    q = np.diag([hyper.level_sd**2, hyper.drift_sd**2])
    p0 = np.diag([1.0, 0.02**2])
    n = t
    # state covariance between times i and j (i, j < n): F^i P0 F^jᵀ + Σ_k F^(i−k−1) Q F^(j−k−1)ᵀ
    powers = [np.linalg.matrix_power(f, k) for k in range(n + 1)]
    cov = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            c = powers[i] @ p0 @ powers[j].T
            for k in range(min(i, j)):
                c += powers[i - k - 1] @ q @ powers[j - k - 1].T
            cov[i, j] = c[0, 0]
    cov += np.diag(v + hyper.noise_sd**2)
    return cov, powers[1]


def test_filter_likelihood_matches_the_dense_gaussian() -> None:
    hyper = Hyper(0.004, 0.002, 0.8, 0.005)
    rng = np.random.default_rng(3)
    y = np.log(1.1) + np.cumsum(rng.normal(0.002, 0.004, 12))
    v = rng.uniform(1e-5, 4e-5, 12)
    cov, _ = dense_moments(hyper, 12, v)
    mean = np.full(12, y[0])  # the filter's vague level is centred on the first value
    full = stats.multivariate_normal(mean, cov).logpdf(y)
    first = stats.norm(y[0], np.sqrt(cov[0, 0])).logpdf(y[0])
    got = kalman_filter(y[None], v[None], hyper).loglik[0]
    assert got == pytest.approx(full - first, rel=1e-9, abs=1e-9)


def test_forecast_is_the_conditional_gaussian() -> None:
    hyper = Hyper(0.004, 0.002, 0.8, 0.005)
    rng = np.random.default_rng(4)
    t, h = 10, 3
    y = np.log(1.1) + np.cumsum(rng.normal(0.001, 0.004, t))
    v = np.full(t, 2e-5)
    # y_{t+h} observed without sampling error: the forecast's variance is level + σ_ε².
    cov, _ = dense_moments(hyper, t + h, np.concatenate([v, np.zeros(h)]))
    mean = np.full(t + h, y[0])
    a, b = slice(0, t), slice(t, t + h)
    gain = cov[b, a] @ np.linalg.inv(cov[a, a])
    cond_mean = mean[b] + gain @ (y - mean[a])
    cond_var = np.diag(cov[b, b] - gain @ cov[a, b])
    fc = forecast(y[None], v[None], h, scenario="trend", hyper=hyper)
    assert fc.mean[0] == pytest.approx(cond_mean, abs=1e-10)
    assert fc.var[0] == pytest.approx(cond_var, rel=1e-6)  # the vague prior costs digits


def test_smoothed_level_is_the_gaussian_posterior() -> None:
    hyper = Hyper(0.004, 0.002, 0.8, 0.005)
    rng = np.random.default_rng(6)
    t = 9
    y = np.log(1.1) + np.cumsum(rng.normal(0.001, 0.004, t))
    v = rng.uniform(1e-5, 4e-5, t)
    state, _ = dense_moments(hyper, t, np.full(t, -(hyper.noise_sd**2)))  # no noise added
    cov_y = state + np.diag(v + hyper.noise_sd**2)
    gain = state @ np.linalg.inv(cov_y)
    mean = y[0] + gain @ (y - y[0])
    var = np.diag(state - gain @ state)
    got_mean, got_var = kalman_smoother(y[None], v[None], hyper)
    assert got_mean[0] == pytest.approx(mean, abs=1e-9)
    assert got_var[0] == pytest.approx(var, rel=1e-5)


def test_lone_series_uses_the_documented_defaults_and_says_so() -> None:
    y = np.log(np.array([[1.10, 1.11, 1.12, 1.12, 1.13, 1.12]]))
    fc = forecast(y, np.zeros_like(y), 4)
    assert fc.hyper.as_tuple() == DEFAULT_HYPER
    assert fc.hyper_source == "documented defaults"
    with pytest.raises(ValueError, match="scenario"):
        forecast(y, np.zeros_like(y), 4, scenario="hope")  # type: ignore[arg-type]


def line_regions(fit, horizon: int, scenario: str = "trend") -> Forecast:  # type: ignore[no-untyped-def]
    """The previous method, as a baseline: each region level on a straight line with noise
    fitted over all its years."""
    m = fit.model
    future = np.arange(fit.years[-1] + 1, fit.years[-1] + horizon + 1)
    mean = np.zeros((len(m.level), horizon))
    var = np.zeros_like(mean)
    for r in range(len(m.level)):
        tr = fit_linear_trend(fit.years, m.level[r], m.level_cov[r])
        mean[r] = tr.mean(future)
        w = tr.weights(future)
        var[r] = np.einsum("hi,ij,hj->h", w, m.level_cov[r], w)
        var[r] += tr.noise_var * (1 + (w**2).sum(axis=1))
    zero = np.zeros(len(m.level))
    return Forecast(mean, var, Hyper(*DEFAULT_HYPER), "line", scenario, zero, zero, zero, zero)


STAGES = ("rising", "turning", "declined", "mixed")


def _score(sim, fit):  # type: ignore[no-untyped-def]
    pr = project_srb(fit, 2030, 109.0, "at_most")
    truth = sim.srb[:, -6:]
    est = np.array([p.est for p in pr])
    inside = (np.array([p.lower for p in pr]) <= truth) & (truth <= np.array([p.upper for p in pr]))
    prob = np.array([p.prob_target_met for p in pr])
    brier = float(((prob - (truth[:, -1] <= 109)) ** 2).mean())
    return inside.mean(axis=0), (est - truth).mean(axis=0), brier


@pytest.fixture(scope="module")
def scores() -> dict[str, tuple]:
    out = {}
    for stage in STAGES:
        sim = simulate_transition(stage, seed=0)
        cols = sim.long(2024)
        fit = smooth_srb(cols["unit"], cols["year"], cols["male"], cols["female"], cols["parent"])
        new = _score(sim, fit.fit)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(projection_module, "region_forecast", line_regions)
            old = _score(sim, fit.fit)
        out[stage] = (new, old)
    return out


#: Measured on these seeded simulators (docs/methods.md): 95 % coverage per horizon 1–6,
#: |mean bias| at 6 years (SRB points), Brier of prob_target_met for "≤ 109 in 2030". The
#: bounds hold the figures with a small margin; where they fall short of the goals (coverage
#: 0.88–0.98, bias ≤ 1.5, Brier < 0.22 and below the straight line) the note says so.
GATES = {
    "rising": {"bias": 1.5, "brier": 0.19, "beats_line": True},
    "turning": {"bias": 2.4, "brier": 0.28, "beats_line": True},
    "declined": {"bias": 1.0, "brier": 0.16, "beats_line": True},
    "mixed": {"bias": 1.8, "brier": 0.22, "beats_line": True},
}


@pytest.mark.parametrize("stage", STAGES)
def test_projection_coverage_bias_and_brier(scores: dict, stage: str) -> None:
    (cover, bias, brier), (_, _, line_brier) = scores[stage]
    gate = GATES[stage]
    assert np.all(cover >= 0.88) and np.all(cover <= 1.0)
    assert abs(bias[-1]) <= gate["bias"]
    assert brier < gate["brier"]
    if gate["beats_line"]:
        assert brier < line_brier


def test_straight_line_is_what_failed_before(scores: dict) -> None:
    """The baseline reproduces the reported failure: past the peak, a line through every year
    keeps rising (turning regions: 6-year bias above 5 points, coverage far below 0.9)."""
    (_, _, _), (_, old_bias, old_brier) = scores["turning"]
    assert old_bias[-1] > 5 and old_brier > 0.4


def _published() -> tuple[np.ndarray, np.ndarray]:
    with (DATA / "vietnam_srb_published.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return np.array([int(r["year"]) for r in rows]), np.array([float(r["srb"]) for r in rows])


def backtest(scenario: str) -> tuple[float, float, np.ndarray]:
    """Rolling origins: fit Viet Nam's published SRB through each year 2012–2022 (as the CLI
    does: one unit, counts of a million births a year), project 1–6 years, score against what
    was published. Returns coverage, mean absolute error and mean error per horizon."""
    years, srb = _published()
    births = 1_000_000
    male = np.round(births * srb / (100 + srb))
    hits, errors = [], {h: [] for h in range(1, 7)}
    for origin in range(2012, 2023):
        keep = years <= origin
        fit = smooth_srb(["VN"] * keep.sum(), years[keep], male[keep], births - male[keep])
        [p] = project_srb(fit.fit, origin + 6, 109.0, scenario=scenario)  # type: ignore[arg-type]
        for h, (y, e, lo, hi) in enumerate(zip(p.years, p.est, p.lower, p.upper, strict=True), 1):
            if y in years:
                truth = srb[years == y][0]
                hits.append(lo <= truth <= hi)
                errors[h].append(e - truth)
    bias = np.array([np.mean(errors[h]) for h in range(1, 7)])
    mae = float(np.mean(np.abs(np.concatenate([errors[h] for h in errors]))))
    return float(np.mean(hits)), mae, bias


def test_backtest_on_vietnam_published_series_chooses_the_transition() -> None:
    cover, mae, bias = backtest("transition")
    _, trend_mae, _ = backtest("trend")
    assert 0.88 <= cover <= 1.0
    assert np.all(np.abs(bias) <= 1.5)
    assert mae <= trend_mae  # why the transition is the default

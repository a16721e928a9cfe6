"""The joint (baseline, target-year) levels against a brute-force reference: the whole linear
Gaussian model written out as one multivariate normal and conditioned on the data."""

from __future__ import annotations

import numpy as np
import pytest

from chitieu.stats.level_change import level_change
from chitieu.stats.statespace import Hyper, forecast

HYPER = Hyper(level_sd=0.004, drift_sd=0.002, phi=0.9, noise_sd=0.005)


def _brute_force(y, v, hyper, b, target):  # type: ignore[no-untyped-def]
    """Mean and covariance of (ℓ_b, ℓ_target) given y, from the joint normal of every state
    (index 0 is the first year; the vague start N((y_0, 0), diag(1, 0.02²)) as the filter's)."""
    n = target + 1
    dim = 2 * n  # (ℓ_t, d_t) for t = 0..target
    mean = np.zeros(dim)
    cov = np.zeros((dim, dim))
    mean[0], cov[0, 0], cov[1, 1] = y[0], 1.0, 0.02**2
    f = np.array([[1.0, 1.0], [0.0, hyper.phi]])
    q = np.diag([hyper.level_sd**2, hyper.drift_sd**2])
    # x_{t+1} = F x_t + w_t: build the linear map from (x_0, w_0..w_{n-2}) to all states
    lin = np.zeros((dim, 2 * n))
    lin[0:2, 0:2] = np.eye(2)
    for t in range(1, n):
        lin[2 * t : 2 * t + 2] = f @ lin[2 * t - 2 : 2 * t]
        lin[2 * t : 2 * t + 2, 2 * t : 2 * t + 2] += np.eye(2)
    base_cov = np.zeros((2 * n, 2 * n))
    base_cov[0:2, 0:2] = cov[0:2, 0:2]
    for t in range(1, n):
        base_cov[2 * t : 2 * t + 2, 2 * t : 2 * t + 2] = q
    base_mean = np.zeros(2 * n)
    base_mean[0] = y[0]
    s_mean, s_cov = lin @ base_mean, lin @ base_cov @ lin.T
    obs = [2 * t for t in range(len(y))]
    r = np.diag(np.asarray(v) + hyper.noise_sd**2)
    want = [2 * b, 2 * target]
    k = s_cov[np.ix_(want, obs)] @ np.linalg.inv(s_cov[np.ix_(obs, obs)] + r)
    m = s_mean[want] + k @ (np.asarray(y) - s_mean[obs])
    c = s_cov[np.ix_(want, want)] - k @ s_cov[np.ix_(obs, want)]
    return m, c


@pytest.mark.parametrize(("baseline", "horizon"), [(11, 5), (8, 5), (11, 0), (3, 2)])
def test_joint_levels_equal_the_brute_force_normal(baseline, horizon):
    rng = np.random.default_rng(7)
    years = np.arange(2014, 2026)
    y = np.log(1.12) - 0.002 * np.arange(12) + rng.normal(0, 0.006, 12)
    v = np.full(12, 0.005**2)
    got = level_change(
        years, y, v, int(years[baseline]), 2025 + horizon, scenario="trend", hyper=HYPER
    )
    mean, cov = _brute_force(y, v, HYPER, baseline, 11 + horizon)
    assert got.mean == pytest.approx(mean, abs=1e-9)
    assert got.cov == pytest.approx(cov, rel=1e-5, abs=1e-10)  # the vague start costs some digits
    if horizon:  # the target year's level variance is the forecast's, less the yearly noise
        ahead = forecast(y[None], v[None], horizon, scenario="trend", hyper=HYPER)
        assert got.cov[1, 1] == pytest.approx(ahead.var[0, -1] - HYPER.noise_sd**2, rel=1e-9)
        assert got.drift == pytest.approx(ahead.drift_now[0]) and got.drift_sd == pytest.approx(
            np.sqrt(ahead.drift_now_var[0])
        )
    # the baseline is uncertain; from the last year, the two levels are positively correlated
    # (the same persistent level), so the change is surer than the two levels apart
    assert got.cov[0, 0] > 0
    if baseline == 11 and horizon:
        assert got.cov[0, 1] > 0 and got.change_sd**2 < got.cov[0, 0] + got.cov[1, 1]


def test_the_transition_scenario_moves_the_mean_and_widens_only_the_target_year():
    """The transition's decline lowers the 2030 level; its uncertain onset and pace widen that
    year's variance by what the forecast adds, and leave the baseline's untouched."""
    years = np.arange(2010, 2026)
    y = np.log(1.13) - 0.001 * np.arange(16)
    v = np.full(16, 0.005**2)
    trend = level_change(years, y, v, 2025, 2030, scenario="trend", hyper=HYPER)
    transition = level_change(years, y, v, 2025, 2030, scenario="transition", hyper=HYPER)
    assert transition.mean[1] < trend.mean[1]
    ahead = [
        forecast(y[None], v[None], 5, scenario=s, hyper=HYPER) for s in ("trend", "transition")
    ]
    extra = ahead[1].var[0, -1] - ahead[0].var[0, -1]
    assert extra > 0
    assert transition.cov[1, 1] == pytest.approx(trend.cov[1, 1] + extra)
    assert transition.cov[0] == pytest.approx(trend.cov[0])
    with pytest.raises(ValueError, match="baseline"):
        level_change(years, y, v, 2026, 2030)

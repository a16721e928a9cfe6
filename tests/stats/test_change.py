"""The change model behind p_excess: exact enumeration by dense Gaussian algebra, detection on
an easy and a hard simulator (seeded), and where a step is placed."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, logsumexp

from chitieu.stats import simulate_srb, smooth_srb
from chitieu.stats.change import fit_change


def dense_posterior(y, v, sb, sd, phi, pi, step_sd):  # type: ignore[no-untyped-def]
    """P(positive step began by t) by enumerating the onsets with full covariance matrices:
    y ~ N(0, σ_b² 11ᵀ + s_d² Φ + diag v + σ_δ² s_τ s_τᵀ), and δ | y, τ by Gaussian conditioning."""
    t = len(y)
    lag = np.abs(np.subtract.outer(np.arange(t), np.arange(t)))
    base = sb**2 + sd**2 * phi**lag + np.diag(v)
    logs = [np.log1p(-pi) + stats.multivariate_normal(np.zeros(t), base).logpdf(y)]
    positive = []
    for tau in range(t):
        s = (np.arange(t) >= tau).astype(float)
        cov = base + step_sd**2 * np.outer(s, s)
        logs.append(np.log(pi / t) + stats.multivariate_normal(np.zeros(t), cov).logpdf(y))
        k = step_sd**2 * s @ np.linalg.inv(cov)
        mean, var = k @ y, step_sd**2 - k @ s * step_sd**2
        positive.append(stats.norm.cdf(mean / np.sqrt(var)))
    post = np.exp(np.array(logs) - logsumexp(logs))
    return np.cumsum(post[1:] * np.array(positive))


def test_p_excess_matches_exact_enumeration() -> None:
    rng = np.random.default_rng(5)
    u, t = 40, 9
    level = np.full((u, t), np.log(1.10))
    births = rng.integers(200, 3000, size=(u, t))
    truth = (
        level
        + rng.normal(0, 0.02, (u, 1))
        + np.where(np.arange(t) >= 5, 0.1, 0) * (np.arange(u) < 8)[:, None]
    )
    male = rng.binomial(births, expit(truth))
    female = births - male
    sb, sd, phi = np.full(u, 0.02), np.full(u, 0.015), np.full(u, 0.6)
    fit = fit_change(male, female, level, sb, sd, phi)
    y = np.log((male + 0.5) / (female + 0.5)) - level
    v = 1 / (births * expit(level) * (1 - expit(level)))
    for i in (0, 3, 20):
        exact = dense_posterior(y[i], v[i], 0.02, 0.015, 0.6, fit.pi, fit.step_sd)
        assert fit.p_excess[i] == pytest.approx(exact, abs=1e-8)
    assert fit.p_excess[:8, -1].mean() > 0.6 and np.median(fit.p_excess[8:, -1]) < 0.2


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    r = stats.rankdata(score)
    n1 = label.sum()
    return float((r[label].sum() - n1 * (n1 + 1) / 2) / (n1 * (len(label) - n1)))


CASES = {
    "easy": {"births": (200, 5000), "excess_size": (0.08, 0.15), "unit_sd": (0.01, 0.03)},
    "hard": {"births": (20, 20_000), "excess_size": (0.04, 0.15), "unit_sd": (0.01, 0.04)},
}


@pytest.mark.parametrize("case", CASES)
def test_detection_on_simulated_communes(case: str) -> None:
    sim = simulate_srb(600, 15, 6, seed=0, **CASES[case])  # type: ignore[arg-type]
    res = smooth_srb(**sim.long())
    hot = sim.excess[np.searchsorted(sim.units, res.unit), res.year - sim.years[0]]
    p = res.p_excess
    top = np.argsort(-p)[: int(0.05 * len(p))]
    flagged = res.flag == "high"
    assert _auc(p, hot) >= 0.90
    assert _auc(p, hot) > _auc(res.z, hot)  # the change model beats the level z
    assert hot[top].mean() >= 0.5
    assert flagged[hot].mean() >= 0.25
    assert flagged[~hot].mean() <= 0.03


def test_a_step_is_dated_and_not_smeared_backwards() -> None:
    """A commune whose SRB steps up in 2019 (a clinic starts disclosing the sex): before the
    onset p_excess stays low, after it the onset found is 2019 ± 1 and the step's interval holds
    the true size."""
    rng = np.random.default_rng(11)
    u, t = 60, 15
    years = np.arange(2010, 2025)
    births = np.full((u, t), 1500)
    truth = np.log(1.10) + rng.normal(0, 0.015, (u, 1)) + rng.normal(0, 0.01, (u, t))
    truth[0, years >= 2019] += np.log(1.25 / 1.10)
    male = rng.binomial(births, expit(truth))
    res = smooth_srb(np.repeat(np.arange(u).astype(str), t), np.tile(years, u),
                     male.ravel(), (births - male).ravel())  # fmt: skip
    mine = res.unit == "0"
    assert res.p_excess[mine][years <= 2016].max() < 0.2
    assert res.p_excess[mine][-1] > 0.95 and res.flag[mine][-1] == "high"
    assert abs(res.onset[mine][-1] - 2019) <= 1
    assert res.excess_lower[mine][-1] < 125 - 110 < res.excess_upper[mine][-1]


def _whitened_reference(y, v, phi, sd):  # type: ignore[no-untyped-def]
    """The products by whitening every column (data, constant, each step) with a Kalman filter
    over the AR(1) plus sampling noise: quadratic in years, the previous implementation."""
    u, t = y.shape
    steps = np.broadcast_to(np.tril(np.ones((t, t))), (u, t, t))
    cols = np.concatenate([y[..., None], np.ones((u, t, 1)), steps], axis=2)
    pred = np.zeros((u, t + 2))
    p = sd**2
    out = np.zeros_like(cols)
    logdet = np.zeros(u)
    q = sd**2 * (1 - phi**2)
    for k in range(t):
        ok = np.isfinite(v[:, k])
        f = p + np.where(ok, v[:, k], 0.0)
        innov = np.where(ok[:, None], cols[:, k] - pred, 0.0)
        out[:, k] = innov / np.sqrt(f)[:, None]
        logdet += np.where(ok, np.log(f), 0.0)
        gain = np.where(ok, p / f, 0.0)
        pred = phi[:, None] * (pred + gain[:, None] * innov)
        p = phi**2 * p * (1 - gain) + q
    wy, w1, ws = out[..., 0], out[..., 1], out[..., 2:]
    return ((wy**2).sum(axis=1), (wy * w1).sum(axis=1), (w1**2).sum(axis=1),
            np.einsum("ut,uts->us", wy, ws), np.einsum("ut,uts->us", w1, ws),
            (ws**2).sum(axis=1), logdet)  # fmt: skip


def test_noise_products_equal_whitening_every_column() -> None:
    """Linear-time products against whitening each step column, with years left out."""
    from chitieu.stats.change import _noise_products

    rng = np.random.default_rng(11)
    u, t = 50, 25
    y = rng.normal(0, 0.05, (u, t))
    v = 1 / (rng.uniform(20, 20_000, (u, t)) * 0.25)
    v[rng.random((u, t)) < 0.2] = np.inf  # years without births
    v[0, :3] = v[1, -4:] = np.inf
    phi, sd = rng.uniform(0.01, 0.97, u), rng.uniform(0.002, 0.3, u)
    y = np.where(np.isfinite(v), y, 0.0)
    new = _noise_products(y, v, phi, sd)
    ref = _whitened_reference(y, v, phi, sd)
    for a, b in zip(new, ref, strict=True):
        assert a == pytest.approx(b, rel=1e-8, abs=1e-8 * float(np.max(np.abs(b))))

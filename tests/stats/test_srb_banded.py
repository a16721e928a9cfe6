"""The banded (linear-in-years) algebra of the SRB model against the dense T×T reference."""

from __future__ import annotations

import numpy as np
import pytest

from chitieu.stats import simulate_srb, smooth_srb, srb_banded, srb_laplace
from chitieu.stats.srb_laplace import Panel


def _case(t: int, seed: int, *, strong: bool = False) -> tuple:
    """Random pseudo-data on a panel of 3 regions: zero-weight (birthless) years, a unit
    without any births, units left out of the levels, hyperparameters across their range."""
    rng = np.random.default_rng(seed)
    n_regions, u = 3, 30
    region_of = np.sort(rng.integers(0, n_regions, u))
    region_of[:n_regions] = np.arange(n_regions)
    region_of.sort()
    births = rng.uniform(2e4, 4e4, (u, t)) if strong else rng.uniform(0, 4000, (u, t))
    w = births * 0.25
    w[rng.random((u, t)) < 0.15] = 0.0  # years without births
    w[3] = 0.0  # a unit with no births at all
    z = rng.normal(0.06, 0.05, (u, t)) * (w > 0)
    include = rng.random(u) > 0.1
    eta = np.column_stack([rng.uniform(-5, -1.5, n_regions), rng.uniform(-5, -1.5, n_regions),
                           rng.uniform(-4, 4, n_regions)])  # fmt: skip
    if strong:
        eta[:, 1], eta[:, 2] = 0.0, -6.0  # wide AR noise, φ ≈ 0.002: tiny ρ, several chunks
    panel = Panel(np.zeros((u, t)), np.zeros((u, t)), region_of, n_regions)
    return panel, z, w, include, eta


def _close(new: np.ndarray, ref: np.ndarray, rel: float = 1e-8) -> None:
    scale = max(float(np.max(np.abs(ref))), 1e-300)
    assert float(np.max(np.abs(new - ref))) <= rel * scale


CASES = [(1, 0), (2, 1), (7, 2), (15, 3), (40, 4)]


@pytest.mark.parametrize(("t", "seed"), CASES)
def test_banded_evaluation_equals_the_dense_one(
    t: int, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(srb_banded, "_BLOCK", 7)  # several blocks of units in the posterior
    panel, z, w, include, eta = _case(t, seed)
    dense = srb_laplace.evaluate(eta, z, w, panel, include, with_info=True, jitter=0.0)
    banded = srb_banded.evaluate(eta, z, w, panel, include, with_info=True)
    for name in ("value", "grad", "info", "level", "level_info", "x"):
        _close(getattr(banded, name), getattr(dense, name))
    post_d = srb_laplace.posterior(dense, panel)
    post_b = srb_banded.posterior(banded, panel)
    for name in ("level_cov", "deviation", "deviation_var", "theta", "theta_var", "prior_var"):
        _close(post_b[name], post_d[name])
    _close(post_b["unit_posterior"].covariance(), post_d["unit_posterior"].covariance())


def test_tiny_autocorrelation_with_strong_data_restarts_the_products() -> None:
    panel, z, w, include, eta = _case(60, 5, strong=True)
    f = srb_banded.factor(eta, w, panel.region_of)
    assert len(srb_banded._chunks(f.rho)) > 1  # the products would underflow in one run
    dense = srb_laplace.evaluate(eta, z, w, panel, include, jitter=0.0)
    banded = srb_banded.evaluate(eta, z, w, panel, include)
    for name in ("value", "grad", "level", "level_info", "x"):
        _close(getattr(banded, name), getattr(dense, name))


def test_banded_gradient_matches_finite_differences() -> None:
    panel, z, w, include, eta = _case(9, 6)
    grad = srb_banded.evaluate(eta, z, w, panel, include).grad
    numeric = np.zeros_like(eta)
    for r in range(3):
        for k in range(3):
            up, down = eta.copy(), eta.copy()
            up[r, k] += 1e-5
            down[r, k] -= 1e-5
            diff = (srb_banded.evaluate(up, z, w, panel, include).value
                    - srb_banded.evaluate(down, z, w, panel, include).value)  # fmt: skip
            numeric[r, k] = diff[r] / 2e-5
    assert grad == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_the_whole_estimate_equals_the_dense_fit() -> None:
    """Zero-birth years and missing years included; the dense path's only difference is its
    1e-9 diagonal jitter, so the two agree far inside any figure shown."""
    sim = simulate_srb(60, 12, 3, births=(20, 5000), seed=9)
    cols = sim.long()
    keep = np.ones(len(cols["unit"]), bool)
    keep[::17] = False  # unit-years missing from the file
    cols = {k: v[keep] for k, v in cols.items()}
    cols["male"][::23] = 0
    cols["female"][::23] = 0  # years without births
    banded = smooth_srb(**cols)
    dense = smooth_srb(**cols, dense=True)
    for name in ("est", "est_lower", "est_upper", "z", "p_excess"):
        assert getattr(banded, name) == pytest.approx(getattr(dense, name), rel=1e-5, abs=1e-5)
    assert banded.fit.model.eta == pytest.approx(dense.fit.model.eta, abs=1e-4)

"""The linearised model's derivatives (dense reference): gradient and information against brute
force."""

from __future__ import annotations

import numpy as np
import pytest

from chitieu.stats import simulate_srb
from chitieu.stats.srb_laplace import Panel, evaluate, linearise, prior_matrices, rw_penalty


@pytest.fixture(scope="module")
def setup() -> tuple[Panel, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    sim = simulate_srb(45, 7, 3, seed=1)
    order = np.argsort(sim.parent, kind="stable")
    region_of = np.unique(sim.parent[order], return_inverse=True)[1]
    panel = Panel(sim.male[order].astype(float), sim.female[order].astype(float), region_of, 3)
    theta = np.log((panel.male + 0.5) / (panel.female + 0.5))
    z, w = linearise(theta, panel)
    w[0, 2] = 0.0  # a unit-year without births
    include = np.ones(45, bool)
    include[4] = False
    eta = np.array([[-3.0, -3.5, 0.4], [-2.5, -4.0, -0.3], [-3.3, -3.1, 1.2]])
    return panel, z, w, include, eta


def test_gradient_matches_finite_differences(setup: tuple) -> None:
    panel, z, w, include, eta = setup
    work = evaluate(eta, z, w, panel, include)
    numeric = np.zeros_like(eta)
    for r in range(3):
        for k in range(3):
            up, down = eta.copy(), eta.copy()
            up[r, k] += 1e-5
            down[r, k] -= 1e-5
            diff = (
                evaluate(up, z, w, panel, include).value
                - evaluate(down, z, w, panel, include).value
            )
            numeric[r, k] = diff[r] / 2e-5
    assert work.grad == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_information_is_the_average_information(setup: tuple) -> None:
    """½ (∂_iΣ α)ᵀ P (∂_jΣ α) per region, P the restricted projection built whole."""
    panel, z, w, include, eta = setup
    work = evaluate(eta, z, w, panel, include, with_info=True)
    _, prec, _, dcov = prior_matrices(eta, 7)
    rw = rw_penalty(7)
    expected = np.zeros((3, 3, 3))
    for r in range(3):
        units = np.flatnonzero(include & (panel.region_of == r))
        n = len(units)
        k_big = np.zeros((7 * n, 7 * n))
        for i, u in enumerate(units):
            q_inv = np.linalg.inv(prec[r] + np.diag(w[u]))
            block = np.diag(w[u]) - np.diag(w[u]) @ q_inv @ np.diag(w[u])  # (Σ + W⁻¹)⁻¹
            k_big[7 * i : 7 * i + 7, 7 * i : 7 * i + 7] = block
        x = np.tile(np.eye(7), (n, 1))
        a = x.T @ k_big @ x + rw
        p = k_big - k_big @ x @ np.linalg.solve(a, x.T @ k_big)
        alpha = p @ z[units].ravel()
        ds = [np.kron(np.eye(n), dcov[r, j]) @ alpha for j in range(3)]
        for i in range(3):
            for j in range(3):
                expected[r, i, j] = 0.5 * ds[i] @ p @ ds[j]
    assert work.info == pytest.approx(expected, rel=1e-8)


def test_units_must_be_sorted_by_region(setup: tuple) -> None:
    panel, z, w, include, eta = setup
    shuffled = Panel(panel.male, panel.female, panel.region_of[::-1].copy(), 3)
    with pytest.raises(ValueError, match="sorted"):
        evaluate(eta, z, w, shuffled, include)

"""The fast (Laplace) fit against full MCMC (NumPyro NUTS) of the same model on a small case.

The MCMC samples the region levels and every unit's path exactly (binomial likelihood, no
Gaussian approximation), with the hyperparameters fixed at the fast fit's estimates: what is
compared is the approximation the fast fit makes. (``bench/bench_srb.py`` also compares with
an MCMC that samples the hyperparameters too, and records the figures.)
"""

from __future__ import annotations

import numpy as np
import pytest

from chitieu.stats import simulate_srb, smooth_srb

pytest.importorskip("numpyro")


@pytest.mark.slow
def test_fast_fit_matches_mcmc() -> None:
    from chitieu.stats.mcmc_reference import fit_mcmc

    sim = simulate_srb(30, 8, 1, births=(200, 5000), seed=4)
    fit = smooth_srb(**sim.long()).fit
    mc = fit_mcmc(fit.male, fit.female, fit.region_of, warmup=300, samples=600, eta=fit.model.eta)

    theta, sd = fit.model.theta, np.sqrt(fit.model.theta_var)
    est = 100 * np.exp(theta)
    width = 100 * (np.exp(theta + 1.96 * sd) - np.exp(theta - 1.96 * sd))
    lo, hi = mc.srb_interval(0.95)
    big = (fit.male + fit.female) >= 1000
    assert big.sum() > 50
    assert np.abs(est - mc.srb_mean)[big].max() <= 1.0
    assert np.abs(est - mc.srb_mean).mean() <= 0.3
    ratio = width / (hi - lo)
    assert 0.9 <= np.median(ratio) <= 1.1
    assert ratio.min() >= 0.7 and ratio.max() <= 1.35

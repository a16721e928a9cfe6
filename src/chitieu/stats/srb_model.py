"""The hierarchical model behind the smoothed SRB, fitted by a Laplace approximation.

For unit ``u`` in region ``r`` and year ``t``, with ``m`` boys among ``n`` births::

    m_ut ~ Binomial(n_ut, p_ut),      logit p_ut = log(SRB_ut / 100) = a_rt + x_ut
    x_u  ~ Normal(0, Σ_r),            Σ_r = σ_b² J + s_d² Φ(φ)   (Φ_ij = φ^|i−j|)

``a_rt`` is the region's level in each year (a fixed effect with a weak random-walk penalty
that only matters for a region-year without births), ``σ_b`` the spread of unit effects, and
``s_d``, ``φ`` the size and persistence of a unit's stationary AR(1) deviation. Hyperparameters
``η = (log σ_b, log s_d, logit(φ/φ_max))`` are estimated by restricted maximum likelihood of the
Laplace approximation (penalised quasi-likelihood: the binomial likelihood is replaced by a
Gaussian around the current mode, Breslow & Clayton 1993), first shared by all regions and then
per region shrunk toward the shared value. Each unit's algebra is banded in years
(:mod:`chitieu.stats.srb_banded`: time and memory linear in years, all units at once);
``dense=True`` runs the same fit with every unit as a dense T×T block
(:mod:`chitieu.stats.srb_laplace`), the slow reference the tests and benchmarks compare with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from chitieu.stats import srb_banded, srb_laplace
from chitieu.stats.srb_laplace import (
    PHI_MAX,
    REGION_RW_SD,
    Panel,
    hyper_values,
    linearise,
    prior_matrices,
    region_matrix,
)

__all__ = [
    "LOG_SIGMA_BOUNDS",
    "PHI_MAX",
    "REGION_RW_SD",
    "REGION_SHRINK_SD",
    "ModelFit",
    "Panel",
    "fit_model",
    "hyper_values",
]

#: Log-scale bounds of the two spreads: 0.001 to 1 on the log-SRB scale.
LOG_SIGMA_BOUNDS = (np.log(1e-3), 0.0)
#: Prior SD of a region's hyperparameters around the shared ones (log σ, log σ, logit φ).
REGION_SHRINK_SD = np.array([0.5, 0.5, 1.0])


@dataclass(frozen=True, slots=True)
class ModelFit:
    """Posterior summaries on the log scale, log(SRB/100)."""

    eta: np.ndarray  # (R, 3)
    level: np.ndarray  # a: (R, T) region levels
    level_cov: np.ndarray  # (R, T, T)
    deviation: np.ndarray  # x̂: (U, T) posterior mean of the unit deviation
    deviation_var: np.ndarray  # (U, T) posterior variance of x (region level known)
    prior_var: np.ndarray  # (U, T) prior variance of x, diag Σ_r
    theta: np.ndarray  # (U, T) a + x̂
    theta_var: np.ndarray  # (U, T) including the region level's uncertainty
    prior_cov: np.ndarray  # (R, T, T)
    # x̂ / √(Var x − Var(x | data)) at the estimated η: standard normal for a unit that follows
    # the model (the excess z; see chitieu.stats.excess).
    standardised: np.ndarray  # (U, T)
    unit_posterior: Any  # per-unit posterior pieces: .covariance() (U, T, T), .take(idx)

    @property
    def post_cov(self) -> np.ndarray:
        """(U, T, T) posterior covariance of x given the level (formed when asked: quadratic in
        years)."""
        cov: np.ndarray = self.unit_posterior.covariance()
        return cov


_BOUNDS = (
    np.array([LOG_SIGMA_BOUNDS[0], LOG_SIGMA_BOUNDS[0], -6.0]),
    np.array([LOG_SIGMA_BOUNDS[1], LOG_SIGMA_BOUNDS[1], 6.0]),
)


def _optimise_eta(
    eta0: np.ndarray,
    z: np.ndarray,
    w: np.ndarray,
    panel: Panel,
    include: np.ndarray,
    *,
    centre: np.ndarray | None = None,
    iterations: int = 10,
    tol: float = 0.02,
    value_tol: float = 0.01,
    evaluate: Callable[..., Any] = srb_banded.evaluate,
) -> np.ndarray:
    """Maximise the restricted likelihood in ``η`` by Fisher scoring with step halving.

    ``centre=None``: one ``η`` shared by all regions. Otherwise one per region, each with a
    normal prior around ``centre``; the regions are independent given the linearisation, so
    every region takes its own step in the same batched evaluation."""
    lo, hi = _BOUNDS
    shared = centre is None
    prior_info = np.zeros((3, 3)) if shared else np.diag(1 / REGION_SHRINK_SD**2)

    def f(eta: np.ndarray, with_info: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        work = evaluate(eta, z, w, panel, include, with_info=with_info)
        val, grad, info = work.value, work.grad, work.info
        if shared:
            info = info.sum(axis=0)[None] if with_info else info
            return val.sum(keepdims=True), grad.sum(axis=0, keepdims=True), info
        dev = (eta - centre) / REGION_SHRINK_SD
        info = info + prior_info if with_info else info
        return val - 0.5 * (dev**2).sum(axis=1), grad - dev / REGION_SHRINK_SD, info

    def spread(x: np.ndarray) -> np.ndarray:
        return np.repeat(x, panel.n_regions, axis=0) if shared else x

    cur = np.clip(eta0.mean(axis=0, keepdims=True) if shared else eta0, lo, hi)
    val, grad, info = f(spread(cur), True)
    # Per-region damping: expected information can understate the curvature, so a region whose
    # step failed, or reversed the previous one, takes shorter steps.
    damp = np.ones(len(cur))
    active = np.ones(len(cur), bool)
    last_step = np.zeros_like(cur)
    for _ in range(iterations):
        before, before_val = cur, val
        # A tiny ridge keeps the step finite where a spread sits at its bound (no information).
        step = np.linalg.solve(info + 1e-3 * np.eye(3), grad[..., None])[..., 0]
        step *= np.minimum(1.0, 1.0 / np.maximum(np.abs(step).max(axis=1), 1e-12))[:, None]
        damp = np.where((step * last_step).sum(axis=1) < 0, damp / 2, damp)
        step = np.where(active[:, None], damp[:, None] * step, 0.0)
        todo = active.copy()
        for _half in range(4):
            trial = np.clip(cur + step, lo, hi)
            t_val, t_grad, t_info = f(spread(trial), True)
            better = todo & (t_val >= val - 1e-9)
            cur = np.where(better[:, None], trial, cur)
            val = np.where(better, t_val, val)
            grad = np.where(better[:, None], t_grad, grad)
            info = np.where(better[:, None, None], t_info, info)
            todo &= ~better
            if not todo.any():
                break
            damp = np.where(todo, damp / 3, damp)
            step = np.where(todo[:, None], step / 3, 0.0)
        last_step = cur - before
        # Done where η barely moved or the likelihood barely rose (bounds stop some steps).
        active &= (np.abs(last_step).max(axis=1) >= tol) & (val - before_val >= value_tol)
        if not active.any():
            break
    return spread(cur)


def _start_theta(panel: Panel) -> np.ndarray:
    g = region_matrix(panel.region_of, panel.n_regions)
    m = g @ panel.male
    f = g @ panel.female
    level = np.log((m + 0.5) / (f + 0.5))
    theta: np.ndarray = level[panel.region_of]
    return theta


def fit_model(
    panel: Panel,
    *,
    include: np.ndarray | None = None,
    start: ModelFit | None = None,
    per_region: bool = True,
    tol: float = 1e-5,
    max_newton: int = 30,
    dense: bool = False,
) -> ModelFit:
    """Fit the model: alternate re-estimating ``η`` (shared, then per region) with Newton steps
    toward the posterior mode, then iterate the mode with ``η`` fixed; the last pass gives the
    posterior. ``include`` marks the units that inform ``η`` and the region levels (every unit
    gets a posterior); ``start`` warm-starts from an earlier fit of the same panel (its ``η``
    then needs only one more regional round). ``dense=True``: the dense T×T reference algebra
    (slow; tests and benchmarks)."""
    u, _ = panel.shape
    ev = srb_laplace if dense else srb_banded
    include = np.ones(u, bool) if include is None else include
    order = np.argsort(panel.region_of, kind="stable")
    if np.any(order != np.arange(u)):  # work with units sorted by region, then put them back
        back = np.argsort(order)
        ordered = Panel(
            panel.male[order], panel.female[order], panel.region_of[order], panel.n_regions
        )
        begun = None if start is None else _permute(start, order)
        fit = fit_model(
            ordered, include=include[order], start=begun, per_region=per_region, tol=tol,
            max_newton=max_newton, dense=dense,
        )  # fmt: skip
        return _permute(fit, back)
    if start is None:
        theta = _start_theta(panel)
        eta = np.tile([np.log(0.03), np.log(0.03), 1.0], (panel.n_regions, 1))
    else:
        theta, eta = start.theta, start.eta

    def newton(eta: np.ndarray, theta: np.ndarray, steps: int) -> tuple[np.ndarray, float]:
        step = np.inf
        for _ in range(steps):
            z, w = linearise(theta, panel)
            work = ev.evaluate(eta, z, w, panel, include, light=True)
            new = work.level[panel.region_of] + work.x
            step = float(np.max(np.abs(new - theta)))
            theta = new
            if step < tol:
                break
        return theta, step

    regional = per_region and panel.n_regions > 1
    if start is None:
        theta, _ = newton(eta, theta, 2)
        for _ in range(2):
            z, w = linearise(theta, panel)
            eta = _optimise_eta(eta, z, w, panel, include, evaluate=ev.evaluate)
            theta, _ = newton(eta, theta, 2)
    centre = eta.mean(axis=0)
    for _ in range((1 if start is not None else 2) if regional else 0):
        z, w = linearise(theta, panel)
        eta = _optimise_eta(eta, z, w, panel, include, centre=centre, evaluate=ev.evaluate)
        theta, _ = newton(eta, theta, 2)
    theta, _ = newton(eta, theta, max_newton)
    return _summarise(eta, panel, include, theta, ev)


def _permute(fit: ModelFit, order: np.ndarray) -> ModelFit:
    """The same fit with its unit axis reordered."""
    per_unit = (
        "deviation", "deviation_var", "prior_var", "theta", "theta_var", "standardised",
    )  # fmt: skip
    moved = {name: getattr(fit, name)[order] for name in per_unit}
    return replace(fit, unit_posterior=fit.unit_posterior.take(order), **moved)


def _summarise(
    eta: np.ndarray, panel: Panel, include: np.ndarray, theta: np.ndarray, ev: Any
) -> ModelFit:
    """Posterior moments at the estimated ``η`` (empirical Bayes: with hundreds of units the
    hyperparameters are pinned down; see the MCMC reference test for how close this is)."""
    z, w = linearise(theta, panel)
    work = ev.evaluate(eta, z, w, panel, include, light=True)
    m = ev.posterior(work, panel)
    shrink_var = m["prior_var"] - m["deviation_var"]
    with np.errstate(invalid="ignore", divide="ignore"):
        standardised = np.where(shrink_var > 1e-12, work.x / np.sqrt(shrink_var), 0.0)
    prior_cov = prior_matrices(eta, panel.shape[1])[0]
    return ModelFit(eta=eta, prior_cov=prior_cov, standardised=standardised, **m)

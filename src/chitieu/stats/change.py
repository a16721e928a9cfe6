"""Excess found as a change: a step in a unit's SRB from an unknown onset year.

For unit ``u`` with region level ``a_t`` (the robust fit of :mod:`chitieu.stats.excess`, which
leaves hot units out), on the log scale ``y_t = log((m+½)/(f+½)) − a_t``::

    y_t = μ + e_t + δ·[t ≥ τ] + ε_t,     μ ~ N(0, σ_b²),  e ~ AR(1)(φ, s_d²),  ε_t ~ N(0, v_t)
    δ ~ N(0, σ_δ²),   τ ∈ {first..last year} with prior π / T each, or no step (prior 1 − π)

``v_t = 1/(n p(1−p))`` is the binomial variance at the region's level; ``σ_b, s_d, φ`` are the
region's hyperparameters from the robust smoother fit (hot units do not widen them). Given the
onset the model is Gaussian and linear in ``(μ, δ)``: a Kalman pass over the years whitens the
data and every step regressor at once (the AR noise's covariance is never formed), so the
marginal likelihood of each onset is closed-form (Bayesian regression evidence with two
coefficients). The noise precision is a band matrix plus ``W``, so every product the evidence
needs — with the data, the constant and all step regressors at once — is one band solve and
running sums: the cost is linear in units and in years. ``π`` and ``σ_δ`` are
estimated by empirical Bayes: they maximise the marginal likelihood of all units (a grid).

Per unit-year: ``p_excess`` = P(a step with δ > 0 began by year t | data); ``onset`` = the most
probable such onset; ``excess`` = the posterior mean of the step given that it began by ``t``
(SRB points at the region's level), with an interval from the mixture's mean and variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logsumexp, ndtr, ndtri

from chitieu.stats.band import band_solve, ldl, phi_inv_band

#: Grids of the empirical-Bayes hyperparameters: prior share of units with a step, step SD.
PI_GRID = np.array([0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3])
STEP_SD_GRID = np.array([0.03, 0.05, 0.08, 0.12, 0.18, 0.25])
#: ``flag = "high"`` at or above this posterior probability of an excess.
FLAG_P = 0.5


@dataclass(frozen=True, slots=True)
class ChangeFit:
    """(U, T) arrays: ``p_excess``, ``onset`` (year index, −1 where none), ``excess`` and its
    ``excess_lower``/``excess_upper`` (SRB points); ``pi`` and ``step_sd`` the fitted prior."""

    p_excess: np.ndarray
    onset: np.ndarray
    excess: np.ndarray
    excess_lower: np.ndarray
    excess_upper: np.ndarray
    pi: float
    step_sd: float


def _noise_products(
    y: np.ndarray, v: np.ndarray, phi: np.ndarray, sd: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Inner products under the noise precision K = (s_d² Φ + diag v)⁻¹ (AR(1) plus sampling
    noise, years with v = ∞ left out), per unit, in time linear in years: ``yy = yᵀKy``,
    ``y1 = 1ᵀKy``, ``o1 = 1ᵀK1``; per onset τ with step s_τ = [t ≥ τ]: ``ys = s_τᵀKy``,
    ``s1 = s_τᵀK1``, ``ss = s_τᵀKs_τ`` (U, T); and log|s_d² Φ + diag v| over the observed
    years (U,). K = W − W B⁻¹ W with W = diag(1/v) and the tridiagonal B = Φ⁻¹/s_d² + W
    (:mod:`chitieu.stats.srb_banded`), so every product is a band solve or a running sum."""
    u, t = y.shape
    w = np.where(np.isfinite(v), 1 / np.where(np.isfinite(v), v, 1.0), 0.0)
    sd2 = sd**2
    diag, off = phi_inv_band(phi, t)
    piv, rho = ldl(diag / sd2[:, None] + w, off / sd2)
    var_b = 1 / piv
    for k in range(t - 2, -1, -1):
        var_b[k] += rho[k] ** 2 * var_b[k + 1]
    # K a = W (a − B⁻¹ W a) for a = y and a = 1.
    both = np.stack([y, np.ones_like(y)], axis=2)
    k_both = w[..., None] * (both - band_solve(piv, rho, w[..., None] * both))
    ky, k1 = k_both[..., 0], k_both[..., 1]
    yy, y1, o1 = (y * ky).sum(axis=1), ky.sum(axis=1), k1.sum(axis=1)
    ys = np.cumsum(ky[:, ::-1], axis=1)[:, ::-1]
    s1 = np.cumsum(k1[:, ::-1], axis=1)[:, ::-1]
    # s_τᵀ K s_τ = s_{τ+1}ᵀ K s_{τ+1} + K_ττ + 2 Σ_{t>τ} K_τt, with Σ_{t>τ} (B⁻¹)_τt w_t = h_τ.
    wv = (w * var_b.T).T  # (T, U): w_t (B⁻¹)_tt
    ss = np.zeros((t, u))
    h = np.zeros(u)
    ss[-1] = w[:, -1] - w[:, -1] * wv[-1]
    for k in range(t - 2, -1, -1):
        h = rho[k] * (wv[k + 1] + h)
        ss[k] = ss[k + 1] + w[:, k] - w[:, k] * wv[k] - 2 * w[:, k] * h
    with np.errstate(divide="ignore"):
        log_w = np.where(w > 0, np.log(w), 0.0).sum(axis=1)
    logdet = (np.log(piv).sum(axis=0) + t * np.log(sd2) + (t - 1) * np.log(1 - phi**2)
              - log_w)  # fmt: skip
    return yy, y1, o1, ys, s1, ss.T, logdet


def robust_unit_sd(
    mean: np.ndarray, var: np.ndarray, region_of: np.ndarray, unit_sd: np.ndarray
) -> np.ndarray:
    """The spread of units' permanent levels that hot units cannot widen: per region, from the
    median absolute deviation of each unit's mean (GLS under its noise) less the median
    sampling variance; never above the smoother's ``unit_sd`` and at least 0.001. With a
    few units one hot commune can double a REML spread and then look ordinary against it."""
    out = unit_sd.copy()
    for r in np.unique(region_of):
        mine = (region_of == r) & np.isfinite(mean) & (var < 1e6)
        if mine.sum() < 3:
            continue
        centre = np.median(mean[mine])
        mad = 1.4826 * np.median(np.abs(mean[mine] - centre))
        spread = np.sqrt(max(mad**2 - np.median(var[mine]), 1e-6))
        out[region_of == r] = np.minimum(unit_sd[region_of == r], spread)
    return out


def fit_change(
    male: np.ndarray,
    female: np.ndarray,
    level: np.ndarray,
    unit_sd: np.ndarray,
    deviation_sd: np.ndarray,
    phi: np.ndarray,
    *,
    region_of: np.ndarray | None = None,
    level_ci: float = 0.95,
) -> ChangeFit:
    """Posterior of a step per unit (see the module docstring). ``male``/``female`` (U, T),
    ``level`` (U, T) the unit's region level on the log scale, ``unit_sd``, ``deviation_sd``,
    ``phi`` (U,) the region's hyperparameters; ``region_of`` (U,) lets the spread of permanent
    levels be re-estimated robustly within each region (:func:`robust_unit_sd`)."""
    n = male + female
    has = n > 0
    y = np.where(has, np.log((male + 0.5) / (female + 0.5)) - level, 0.0)
    p0 = expit(level)
    with np.errstate(divide="ignore"):
        v = np.where(has, 1.0 / (np.maximum(n, 1) * p0 * (1 - p0)), np.inf)
    u, t = y.shape
    yy, y1, o1, ys, s1, ss, logdet = _noise_products(y, v, phi, deviation_sd)
    if region_of is not None:
        unit_sd = robust_unit_sd(y1 / np.maximum(o1, 1e-12), 1 / np.maximum(o1, 1e-12),
                                 region_of, unit_sd)  # fmt: skip
    sb2 = unit_sd**2
    # No step: one coefficient μ.
    a0 = 1 / sb2 + o1
    ll0 = -0.5 * (logdet + np.log(sb2 * a0) + yy - y1**2 / a0)
    observed = has.any(axis=1)
    first = np.where(observed, np.argmax(has, axis=1), 0)
    last = np.where(observed, t - 1 - np.argmax(has[:, ::-1], axis=1), -1)
    allowed = (np.arange(t)[None, :] >= first[:, None]) & (np.arange(t)[None, :] <= last[:, None])
    n_onsets = np.maximum(allowed.sum(axis=1), 1)

    def onset_terms(step_sd: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per (unit, onset): log evidence, posterior mean and variance of δ."""
        d2 = step_sd**2
        # Posterior precision of (μ, δ): [[1/σ_b² + 1ᵀ1, 1ᵀs], [1ᵀs, 1/σ_δ² + sᵀs]].
        p11 = (1 / sb2 + o1)[:, None]
        p12 = s1
        p22 = 1 / d2 + ss
        det = p11 * p22 - p12**2
        quad = (p22 * y1[:, None] ** 2 - 2 * p12 * y1[:, None] * ys + p11 * ys**2) / det
        ll = -0.5 * (logdet[:, None] + np.log(sb2[:, None] * d2 * det) + yy[:, None] - quad)
        mean = (p11 * ys - p12 * y1[:, None]) / det
        return np.where(allowed, ll, -np.inf), mean, p11 / det

    best = (-np.inf, PI_GRID[0], STEP_SD_GRID[0])
    for step_sd in STEP_SD_GRID:
        ll, _, _ = onset_terms(step_sd)
        any_step = logsumexp(ll, axis=1) - np.log(n_onsets)
        for pi in PI_GRID:
            total = np.logaddexp(np.log1p(-pi) + ll0, np.log(pi) + any_step)[observed].sum()
            if total > best[0]:
                best = (total, pi, step_sd)
    _, pi, step_sd = best
    ll, mean, var = onset_terms(step_sd)
    log_post = np.log(pi) - np.log(n_onsets)[:, None] + ll
    norm = np.logaddexp(np.log1p(-pi) + ll0, logsumexp(log_post, axis=1))
    post = np.exp(log_post - norm[:, None])  # P(onset τ, step | data); rows sum to ≤ 1
    positive = post * ndtr(mean / np.sqrt(var))
    by_t = np.cumsum(positive, axis=1)  # P(positive step began by t)
    p_excess = np.where(observed[:, None], np.minimum(by_t, 1.0), np.nan)
    # Mixture of the onsets up to t: its mean and variance, and the most probable onset.
    w_cum = np.cumsum(post, axis=1)
    m1 = np.cumsum(post * mean, axis=1)
    m2 = np.cumsum(post * (var + mean**2), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mix_mean = m1 / w_cum
        mix_sd = np.sqrt(np.maximum(m2 / w_cum - mix_mean**2, 0.0))
    running = np.maximum.accumulate(np.where(allowed, positive, -1.0), axis=1)
    onset = np.empty((u, t), dtype=int)
    best_idx = np.zeros(u, dtype=int)
    for k in range(t):
        better = np.where(allowed[:, k], positive[:, k] >= running[:, k], False)
        best_idx = np.where(better, k, best_idx)
        onset[:, k] = np.where(allowed[:, : k + 1].any(axis=1), best_idx, -1)
    q = float(ndtri(0.5 + level_ci / 2))
    scale = 100 * np.exp(level)

    def points(d: np.ndarray) -> np.ndarray:
        return np.where(w_cum > 0, scale * np.expm1(d), np.nan)

    return ChangeFit(
        p_excess=p_excess,
        onset=onset,
        excess=points(mix_mean),
        excess_lower=points(mix_mean - q * mix_sd),
        excess_upper=points(mix_mean + q * mix_sd),
        pi=float(pi),
        step_sd=float(step_sd),
    )

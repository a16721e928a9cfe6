"""The linearised SRB model's algebra in time linear in years: no T×T matrix per unit.

A unit's prior ``Σ = σ_b² J + s_d² Φ(φ)`` is a permanent effect ``μ`` plus a stationary AR(1)
``e``, whose precision ``Φ⁻¹/s_d²`` is tridiagonal. Given ``μ``, the posterior precision of
``e`` under the pseudo-data precision ``W`` is the tridiagonal ``B = Φ⁻¹/s_d² + W``; ``μ`` is
one more scalar. One LDLᵀ pass over ``B`` (a Kalman filter and Rauch–Tung–Striebel smoother
written as a band solve), vectorised across units, then gives what the fit needs, exactly:

- the posterior mean of the deviation ``x = μ1 + e``: ``x̂ = B⁻¹W r + m_μ g`` with
  ``g = B⁻¹Φ⁻¹1/s_d²`` (= 1 − B⁻¹W1) and ``μ | data ~ N(m_μ, v_μ)``,
  ``v_μ⁻¹ = 1/σ_b² + Σ w g``; its variance ``diag B⁻¹ + v_μ g²``;
- ``K = (Σ + W⁻¹)⁻¹ = W − W B⁻¹ W − v_μ (Wg)(Wg)ᵀ`` applied to a vector, and
  ``K r = W (r − x̂)``;
- ``log|Σ| + log|Σ⁻¹ + W| = Σ log D_t + T log s_d² + (T−1) log(1−φ²) + log(1 + σ_b² Σ w g)``.

The region levels' information ``Σ_u K_u`` is a T×T matrix per region; its ``W B⁻¹ W`` part is
summed from the inverse's semiseparable generators (``(B⁻¹)_ij = ρ_i⋯ρ_{j−1} (B⁻¹)_jj``, i ≤ j)
with one matrix product per region, the products restarted in chunks of years so that none
underflows. The gradient in ``η`` is closed-form except the derivative of log|A| along s_d and
φ, a complex-step derivative (every operation here is analytic), and the curvature is the
average information (:func:`chitieu.stats.srb_laplace.evaluate` computes the same quantities
with dense matrices; the tests hold the two together).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chitieu.stats.band import band_matvec, band_solve, dphi_inv_band, ldl, phi_inv_band
from chitieu.stats.srb_laplace import PHI_MAX, Panel, Work, blocks, region_matrix, rw_penalty

#: Complex-step size: the derivative's error is of order h², with no cancellation.
_STEP = 1e-30
#: A chunk of years restarts the generators' products before they fall below this.
_SMALLEST = 1e-150
#: Units per block where a step holds T columns per unit.
_BLOCK = 256


def _hyper(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(σ_b², s_d², φ) per row of ``η`` (complex-safe)."""
    return np.exp(2 * eta[:, 0]), np.exp(2 * eta[:, 1]), PHI_MAX / (1 + np.exp(-eta[:, 2]))


@dataclass(frozen=True, slots=True)
class Factor:
    """LDLᵀ of each unit's B and the posterior pieces that do not depend on the data."""

    w: np.ndarray  # (U, T)
    sb2: np.ndarray  # (U,)
    sd2: np.ndarray  # (U,)
    phi: np.ndarray  # (U,)
    band: tuple[np.ndarray, np.ndarray]  # Φ⁻¹ band
    piv: np.ndarray  # (T, U) pivots D (time first: every step of a pass reads one row)
    rho: np.ndarray  # (T−1, U) ρ_t = −B_{t,t+1} / D_t
    var_b: np.ndarray  # (U, T) diag B⁻¹
    g: np.ndarray  # (U, T) B⁻¹ Φ⁻¹ 1 / s_d²
    v_mu: np.ndarray  # (U,) posterior variance of the permanent effect
    wg: np.ndarray  # (U,) Σ w g

    def solve(self, b: np.ndarray) -> np.ndarray:
        """B⁻¹ b for b (U, T, k)."""
        return band_solve(self.piv, self.rho, b)

    def resid(self, r: np.ndarray, prior_prec_r: np.ndarray | None = None) -> np.ndarray:
        """r − x̂(r) for pseudo-data columns r (U, T, k): K r = W · resid (and, applied to a
        change of the region level, how much of it reaches θ = level + x̂).
        ``prior_prec_r``: Φ⁻¹ r / s_d² when the caller has it."""
        if prior_prec_r is None:
            prior_prec_r = band_matvec(*self.band, r) / self.sd2[:, None, None]
        e = self.solve(prior_prec_r)  # r − B⁻¹W r
        m_mu = self.v_mu[:, None] * np.einsum("ut,utk->uk", self.w, e)
        out: np.ndarray = e - m_mu[:, None, :] * self.g[..., None]
        return out

    def mean(self, r: np.ndarray) -> np.ndarray:
        """Posterior mean x̂ of the deviation given pseudo-data r (U, T)."""
        both = np.stack([band_matvec(*self.band, r[..., None])[..., 0] / self.sd2[:, None],
                         self.w * r], axis=2)  # fmt: skip
        e, y = self.solve(both).transpose(2, 0, 1)
        m_mu = self.v_mu * (self.w * e).sum(axis=1)
        out: np.ndarray = y + m_mu[:, None] * self.g
        return out

    def logdet(self) -> np.ndarray:
        """log|Σ| + log|Σ⁻¹ + W| per unit."""
        t = self.piv.shape[0]
        out: np.ndarray = (
            np.log(self.piv).sum(axis=0) + t * np.log(self.sd2)
            + (t - 1) * np.log(1 - self.phi**2) + np.log(1 + self.sb2 * self.wg)
        )  # fmt: skip
        return out

    def variance(self) -> np.ndarray:
        """Posterior variance of each year's deviation (U, T)."""
        out: np.ndarray = self.var_b + self.v_mu[:, None] * self.g**2
        return out

    def covariance(self) -> np.ndarray:
        """Full posterior covariance of the deviation (U, T, T): quadratic in years, for the
        projection only."""
        u, t = self.var_b.shape
        cov = np.zeros((u, t, t), dtype=self.var_b.dtype)
        cov[:, -1, -1] = self.var_b[:, -1]
        for k in range(t - 2, -1, -1):
            cov[:, k, k + 1 :] = self.rho[k, :, None] * cov[:, k + 1, k + 1 :]
            cov[:, k, k] = self.var_b[:, k]
        upper = np.triu(cov, 1)
        full: np.ndarray = cov + upper.transpose(0, 2, 1)
        full += self.v_mu[:, None, None] * self.g[:, :, None] * self.g[:, None, :]
        return full

    def take(self, idx: np.ndarray) -> Factor:
        band = (self.band[0][idx], self.band[1][idx])
        return Factor(self.w[idx], self.sb2[idx], self.sd2[idx], self.phi[idx], band,
                      self.piv[:, idx], self.rho[:, idx], self.var_b[idx], self.g[idx],
                      self.v_mu[idx], self.wg[idx])  # fmt: skip


def factor(eta: np.ndarray, w: np.ndarray, region_of: np.ndarray) -> Factor:
    """Each unit's LDLᵀ of B = Φ⁻¹/s_d² + W under its region's ``η`` (complex-safe)."""
    t = w.shape[1]
    sb2, sd2, phi = (a[region_of] for a in _hyper(eta))
    band = phi_inv_band(phi, t)
    piv, rho = ldl(band[0] / sd2[:, None] + w, band[1] / sd2)
    var_t = 1 / piv
    for k in range(t - 2, -1, -1):
        var_t[k] += rho[k] ** 2 * var_t[k + 1]
    var_b = var_t.T
    p = np.repeat(((1 - phi) / (1 + phi) / sd2)[:, None], t, axis=1)  # Φ⁻¹1 / s_d²
    if t == 1:
        p[:] = (1 / sd2)[:, None]
    else:
        p[:, 0] = p[:, -1] = 1 / ((1 + phi) * sd2)
    g = band_solve(piv, rho, p[..., None])[..., 0]
    wg = (w * g).sum(axis=1)
    v_mu = 1 / (1 / sb2 + wg)
    return Factor(w, sb2, sd2, phi, band, piv, rho, var_b, g, v_mu, wg)


def _chunks(rho: np.ndarray) -> list[tuple[int, int]]:
    """Runs of years [s, e) over which no unit's product ρ_s⋯ρ_{e−2} falls below _SMALLEST."""
    t = rho.shape[0] + 1
    if t == 1:
        return [(0, 1)]
    logs = np.log(np.maximum(np.abs(rho.real), 1e-300)).min(axis=1)
    out, start, run = [], 0, 0.0
    for k in range(t - 1):
        run += logs[k]
        if run < np.log(_SMALLEST):
            out.append((start, k + 1))
            start, run = k + 1, 0.0
    out.append((start, t))
    return out


def _grouped_outer(left: np.ndarray, right: np.ndarray, region_of: np.ndarray,
                   n_regions: int) -> np.ndarray:  # fmt: skip
    """Σ_u leftᵤ rightᵤᵀ over each region's units (R, a, b): one matrix product per region
    (units sorted by region)."""
    bounds = blocks(region_of, n_regions)
    out = np.zeros((n_regions, left.shape[1], right.shape[1]), np.result_type(left, right))
    for r in range(n_regions):
        lo, hi = bounds[r], bounds[r + 1]
        if lo < hi:
            out[r] = left[lo:hi].T @ right[lo:hi]
    return out


def region_information(f: Factor, include: np.ndarray, region_of: np.ndarray,
                       n_regions: int) -> np.ndarray:  # fmt: skip
    """Σ_u K_u over each region's included units plus the levels' random-walk penalty (R, T, T)."""
    u, t = f.w.shape
    inc = include.astype(float)
    w = f.w * inc[:, None]
    wg = w * f.g * np.sqrt(f.v_mu)[:, None]
    wbw = np.zeros((n_regions, t, t), dtype=f.piv.dtype)
    for s, e in _chunks(f.rho):
        prod = np.ones((u, t - s), dtype=f.piv.dtype)
        if t - s > 1:
            prod[:, 1:] = np.cumprod(f.rho[s:], axis=0).T
        left = w[:, s:e] / prod[:, : e - s]
        right = prod * w[:, s:] * f.var_b[:, s:]
        keep = np.triu(np.ones((e - s, t - s), bool))
        wbw[:, s:e, s:] += np.where(keep, _grouped_outer(left, right, region_of, n_regions), 0.0)
    diag = np.arange(t)
    out = -(wbw + np.triu(wbw, 1).transpose(0, 2, 1))
    out[:, diag, diag] += _region_sum(w, region_of, n_regions)
    out -= _grouped_outer(wg, wg, region_of, n_regions)
    result: np.ndarray = out + rw_penalty(t)
    return result


def _region_sum(values: np.ndarray, region_of: np.ndarray, n_regions: int) -> np.ndarray:
    u = values.shape[0]
    flat = region_matrix(region_of, n_regions) @ values.reshape(u, -1)
    out: np.ndarray = np.asarray(flat).reshape((n_regions, *values.shape[1:]))
    return out


@dataclass
class BandedState:
    """What :func:`posterior` needs from an evaluation."""

    factor: Factor
    eta: np.ndarray


def _dsigma(f: Factor, alpha: np.ndarray) -> np.ndarray:
    """∂Σ/∂η_k α for k = 1..3 (U, T, 3): σ_b, s_d on the log scale, logit(φ/φ_max)."""
    t = alpha.shape[1]
    sb2, sd2, phi = f.sb2, f.sd2, f.phi
    prior = ldl(f.band[0] / sd2[:, None], f.band[1] / sd2)  # Φ⁻¹/s_d² alone

    def phi_times(v: np.ndarray) -> np.ndarray:
        out: np.ndarray = band_solve(*prior, v[..., None])[..., 0] / sd2[:, None]
        return out

    phi_a = phi_times(alpha)
    d_diag, d_off = dphi_inv_band(phi, t)
    dphi_a = -phi_times(band_matvec(d_diag, d_off, phi_a[..., None])[..., 0])  # Φ' α = −Φ D' Φ α
    dphi = phi * (1 - phi / PHI_MAX)
    return np.stack([
        np.repeat((2 * sb2 * alpha.sum(axis=1))[:, None], t, axis=1),
        2 * sd2[:, None] * phi_a,
        (sd2 * dphi)[:, None] * dphi_a,
    ], axis=2)  # fmt: skip


def evaluate(
    eta: np.ndarray,
    z: np.ndarray,
    w: np.ndarray,
    panel: Panel,
    include: np.ndarray,
    *,
    light: bool = False,
    with_info: bool = False,
) -> Work:
    """As :func:`chitieu.stats.srb_laplace.evaluate`, in time linear in years."""
    ri = panel.region_of
    blocks(ri, panel.n_regions)  # units must be sorted by region
    inc = include.astype(float)
    f = factor(eta, w, ri)
    a_info = region_information(f, include, ri, panel.n_regions)
    kz = w * f.resid(z[..., None])[..., 0] * inc[:, None]
    level = np.linalg.solve(a_info, _region_sum(kz, ri, panel.n_regions)[..., None])[..., 0]
    r = z - level[ri]
    x = f.mean(r)
    state = BandedState(f, eta)
    nothing = np.zeros(0)
    if light:
        return Work(nothing, nothing, nothing, level, a_info, x, state)
    resid = f.resid(r[..., None])[..., 0]
    alpha = w * resid * inc[:, None]  # α = P z, 0 for units left out
    dsa = _dsigma(f, alpha)
    value, grad = _value_and_gradient(eta, f, a_info, level, r, resid, dsa, panel, include)
    info = _average_information(f, a_info, dsa, panel, inc) if with_info else nothing
    return Work(value, grad, info, level, a_info, x, state)


def _value_and_gradient(
    eta: np.ndarray,
    f: Factor,
    a_info: np.ndarray,
    level: np.ndarray,
    r: np.ndarray,
    resid: np.ndarray,
    dsa: np.ndarray,
    panel: Panel,
    include: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Restricted log likelihood per region and its gradient in ``η``:
    ½ Σ_u [αᵀ∂Σα − tr(K ∂Σ)] − ½ ∂ log|A| (the levels at their GLS value, so they do not move).

    The traces are closed forms in the band pieces (``KΣ = W Q⁻¹``, ``ΣK1 = x̂(1)``, and
    ``tr(K Φ') = −tr(ΦKΦ D')`` with ``D' = ∂Φ⁻¹/∂φ`` tridiagonal, so only the band of ΦKΦ
    counts); ∂ log|A| along σ_b is ``−2σ_b² Σ (K1)ᵀA⁻¹(K1)``, along s_d and φ the imaginary
    part of log|A| at ``η`` nudged by i·h (complex step, exact to rounding)."""
    ri, n_regions = panel.region_of, panel.n_regions
    inc = include.astype(float)
    t = r.shape[1]
    logabs = np.linalg.slogdet(a_info)[1]
    per_unit = -0.5 * (f.logdet() + (f.w * r * resid).sum(axis=1)) * inc
    rw = rw_penalty(t)
    value = (_region_sum(per_unit, ri, n_regions) - 0.5 * logabs
             - 0.5 * np.einsum("ri,ij,rj->r", level, rw, level))  # fmt: skip
    sb2, sd2, phi = f.sb2, f.sd2, f.phi
    alpha = f.w * resid
    k11 = f.wg * f.v_mu / sb2  # 1ᵀK1
    var = f.variance()
    omega = f.mean(np.ones_like(r))  # ΣK1 = Q⁻¹W1
    near = sb2**2 * k11
    scale = (1 / sd2**2)[:, None]
    band_diag = ((sb2 + sd2)[:, None] - var - 2 * sb2[:, None] * omega + near[:, None]) * scale
    cov_next = f.rho.T * f.var_b[:, 1:] + f.v_mu[:, None] * f.g[:, :-1] * f.g[:, 1:]
    band_off = (
        (sb2 + sd2 * phi)[:, None] - cov_next - sb2[:, None] * (omega[:, :-1] + omega[:, 1:])
        + near[:, None]
    ) * scale  # fmt: skip
    d_diag, d_off = dphi_inv_band(phi, t)
    tr_nd = (band_diag * d_diag).sum(axis=1) + 2 * d_off * band_off.sum(axis=1)
    dphi = phi * (1 - phi / PHI_MAX)
    traces = np.stack([
        2 * sb2 * k11,
        2 * ((f.w * var).sum(axis=1) - sb2 * k11),
        -sd2 * dphi * tr_nd,
    ], axis=1)  # fmt: skip
    quads = np.einsum("ut,utk->uk", alpha, dsa)
    grad = _region_sum(0.5 * (quads - traces) * inc[:, None], ri, n_regions)
    k1 = f.w * f.g * (f.v_mu / sb2 * inc)[:, None]
    a_inv = np.linalg.inv(a_info)
    s11 = _grouped_outer(k1, k1, ri, n_regions)
    grad[:, 0] += np.exp(2 * eta[:, 0]) * np.einsum("rij,rji->r", a_inv, s11)
    nudged = np.concatenate([eta + 1j * _STEP * np.eye(3)[k] for k in (1, 2)])
    twice = np.concatenate([ri, ri + n_regions])
    fc = factor(nudged, np.tile(f.w, (2, 1)), twice)
    sign_c, logabs_c = np.linalg.slogdet(
        region_information(fc, np.tile(include, 2), twice, 2 * n_regions)
    )
    del logabs_c  # real: the derivative is the phase of the (positive) determinant
    grad[:, 1:] -= 0.5 * (np.angle(sign_c) / _STEP).reshape(2, n_regions).T
    return value, grad


def _average_information(f: Factor, a_info: np.ndarray, v: np.ndarray, panel: Panel,
                         inc: np.ndarray) -> np.ndarray:  # fmt: skip
    """½ (∂_iΣ α)ᵀ P (∂_jΣ α) summed over each region's included units, α = P z;
    ``v`` = ∂Σ α (U, T, 3)."""
    ri = panel.region_of
    kv = f.w[..., None] * f.resid(v) * inc[:, None, None]
    shift = np.linalg.solve(a_info[:, None], _region_sum(kv, ri, panel.n_regions)
                            .transpose(0, 2, 1)[..., None])[..., 0]  # fmt: skip
    pv = f.w[..., None] * f.resid(v - shift[ri].transpose(0, 2, 1)) * inc[:, None, None]
    per_unit = np.einsum("uti,utj->uij", v, pv)
    out: np.ndarray = 0.5 * _region_sum(per_unit, ri, panel.n_regions)
    return out


def posterior(work: Work, panel: Panel) -> dict[str, Any]:
    """Posterior moments at one ``η`` from an evaluation at the mode's linearisation."""
    state: BandedState = work.unit
    f = state.factor
    ri = panel.region_of
    level_cov = np.linalg.inv(work.level_info)
    chol = np.linalg.cholesky(level_cov)
    sb2, sd2, phi = _hyper(state.eta)
    # (I − Q⁻¹W) L: how the levels' uncertainty reaches θ; Φ⁻¹L/s_d² is the region's. Units
    # in blocks, so memory stays linear in years (each block holds T columns per unit).
    prec_chol = band_matvec(*phi_inv_band(phi, f.w.shape[1]), chol) / sd2[:, None, None]
    from_level = np.empty_like(f.w)
    for lo in range(0, len(ri), _BLOCK):
        part = slice(lo, lo + _BLOCK)
        reach = f.take(np.arange(len(ri))[part]).resid(chol[ri[part]], prec_chol[ri[part]])
        from_level[part] = (reach**2).sum(axis=2)
    dev_var = f.variance()
    return {
        "level": work.level,
        "level_cov": level_cov,
        "deviation": work.x,
        "deviation_var": dev_var,
        "theta": work.level[ri] + work.x,
        "theta_var": dev_var + from_level,
        "prior_var": np.repeat((sb2 + sd2)[ri][:, None], f.w.shape[1], axis=1),
        "unit_posterior": f,
    }


__all__ = [
    "Factor",
    "band_solve",
    "evaluate",
    "factor",
    "ldl",
    "phi_inv_band",
    "posterior",
    "region_information",
]

"""One evaluation of the linearised (Laplace) SRB model: the pieces every fitting step needs.

Around the current mode the binomial likelihood of each unit-year is replaced by a Gaussian
pseudo-observation ``z`` with precision ``w`` (:func:`linearise`). Given the hyperparameters
``η`` and that linearisation, :func:`evaluate` returns, for all units at once: the restricted
log likelihood of each region, its gradient and expected information in ``η``, the region
levels (generalised least squares) and each unit's posterior deviation. The model is described
in :mod:`chitieu.stats.srb_model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit

PHI_MAX = 0.98
#: Random-walk SD of the region level between years: weak, only fills region-years without data.
REGION_RW_SD = 0.5
_JITTER = 1e-9


@dataclass(frozen=True, slots=True)
class Panel:
    """Counts on a dense grid: ``male``/``female`` are (units × years); absent cells are 0."""

    male: np.ndarray
    female: np.ndarray
    region_of: np.ndarray  # (U,) region index
    n_regions: int

    @property
    def births(self) -> np.ndarray:
        births: np.ndarray = self.male + self.female
        return births

    @property
    def shape(self) -> tuple[int, int]:
        return self.male.shape


def region_matrix(region_of: np.ndarray, n_regions: int) -> sparse.csr_matrix:
    u = len(region_of)
    return sparse.csr_matrix((np.ones(u), (region_of, np.arange(u))), shape=(n_regions, u))


def hyper_values(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(σ_b, s_d, φ) from ``η`` rows."""
    eta = np.atleast_2d(eta)
    return np.exp(eta[:, 0]), np.exp(eta[:, 1]), PHI_MAX * expit(eta[:, 2])


def prior_matrices(
    eta: np.ndarray, t: int, *, jitter: float = _JITTER
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Σ, Σ⁻¹, log|Σ| and ∂Σ/∂η for each region's ``η``.

    Shapes (R,T,T), (R,T,T), (R,), (R,3,T,T)."""
    sb, sd, phi = hyper_values(eta)
    lag = np.abs(np.subtract.outer(np.arange(t), np.arange(t))).astype(float)
    ph = phi[:, None, None]
    corr = ph**lag
    cov = sb[:, None, None] ** 2 + sd[:, None, None] ** 2 * corr + jitter * np.eye(t)
    d_corr = np.where(lag > 0, lag * ph ** np.maximum(lag - 1, 0), 0.0)
    dphi = (phi * (1 - phi / PHI_MAX))[:, None, None]
    dcov = np.stack(
        [
            2 * sb[:, None, None] ** 2 * np.ones_like(corr),
            2 * sd[:, None, None] ** 2 * corr,
            sd[:, None, None] ** 2 * d_corr * dphi,
        ],
        axis=1,
    )
    chol = np.linalg.cholesky(cov)
    logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    prec = np.linalg.inv(cov)
    return cov, prec, logdet, dcov


def rw_penalty(t: int) -> np.ndarray:
    diff = np.diff(np.eye(t), axis=0)
    return diff.T @ diff / REGION_RW_SD**2


@dataclass
class Work:
    """The pieces one evaluation shares between the objective, its gradient and the update."""

    value: np.ndarray  # (R,) restricted log likelihood per region
    grad: np.ndarray  # (R, 3)
    info: np.ndarray  # (R, 3, 3) average information
    level: np.ndarray  # (R, T)
    level_info: np.ndarray  # (R, T, T)
    x: np.ndarray  # (U, T)
    unit: Any  # what the evaluator's ``posterior`` needs (per-unit posterior pieces)


def evaluate(
    eta: np.ndarray,
    z: np.ndarray,
    w: np.ndarray,
    panel: Panel,
    include: np.ndarray,
    *,
    light: bool = False,
    with_info: bool = False,
    jitter: float = _JITTER,
) -> Work:
    """Gaussian (linearised) restricted log likelihood per region, its gradient in ``η``, and the
    region levels (generalised least squares) and unit deviations it implies.

    Only ``include``-d units inform the levels and the likelihood; all units get a posterior.
    ``light`` skips the likelihood and gradient (a plain Newton step); ``with_info`` adds the
    average information of ``η``. Every unit is a dense T×T block (cubic in years): the
    reference for :mod:`chitieu.stats.srb_banded`, which computes the same in linear time."""
    u, t = z.shape
    cov, prec, logdet, dcov = prior_matrices(eta, t, jitter=jitter)
    g = region_matrix(panel.region_of, panel.n_regions)
    ri = panel.region_of
    diag = np.arange(t)
    q = prec[ri]
    q[:, diag, diag] += w
    q_inv = np.linalg.inv(q)
    # K = (Σ + W⁻¹)⁻¹ written with W only, so years without births (w = 0) drop out.
    k = q_inv * w[:, None, :]
    k *= -w[:, :, None]
    k[:, diag, diag] += w
    inc = include.astype(float)
    gi = g @ sparse.diags(inc)
    rw = rw_penalty(t)
    a_info = (gi @ k.reshape(u, -1)).reshape(-1, t, t) + rw
    kz = (k @ z[..., None])[..., 0]
    level = np.linalg.solve(a_info, (gi @ kz)[..., None])[..., 0]
    r = z - level[ri]
    wr = w * r
    x = (q_inv @ wr[..., None])[..., 0]
    unit = (q_inv, cov, prec)
    if light:
        nothing = np.zeros(0)
        return Work(nothing, nothing, nothing, level, a_info, x, unit)
    chol = np.linalg.cholesky(q)
    logdet_q = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    alpha = (w * (r - x)) * inc[:, None]
    quad = (wr * (r - x)).sum(axis=1)
    per_unit = -0.5 * (logdet[ri] + logdet_q + quad) * inc
    a_chol = np.linalg.cholesky(a_info)
    a_logdet = 2 * np.log(np.diagonal(a_chol, axis1=1, axis2=2)).sum(axis=1)
    value = g @ per_unit - 0.5 * a_logdet - 0.5 * np.einsum("ri,ij,rj->r", level, rw, level)
    # d/dη of the restricted likelihood: ½ tr[(ααᵀ − K + K A⁻¹ K) ∂Σ] summed over units, each
    # region's sums formed as matrix products over its (contiguous) block of units.
    a_inv = np.linalg.inv(a_info)
    s_region = rw - a_info  # −Σ K over included units
    bounds = blocks(ri, panel.n_regions)
    k_inc = k * inc[:, None, None]
    for reg in range(panel.n_regions):
        lo, hi = bounds[reg], bounds[reg + 1]
        if lo == hi:
            continue
        block = k_inc[lo:hi]
        ka = (block.reshape(-1, t) @ a_inv[reg]).reshape(hi - lo, t, t)
        s_region[reg] += alpha[lo:hi].T @ alpha[lo:hi] + np.tensordot(ka, block, ([0, 2], [0, 1]))
    grad = 0.5 * np.einsum("rij,rkij->rk", s_region, dcov)
    info = information(k_inc, dcov, bounds, alpha, a_info, ri) if with_info else np.zeros(0)
    return Work(value, grad, info, level, a_info, x, unit)


def blocks(region_of: np.ndarray, n_regions: int) -> np.ndarray:
    """Start of each region's block of units (units sorted by region), and the end."""
    if np.any(np.diff(region_of) < 0):
        raise ValueError("units must be sorted by region")
    return np.searchsorted(region_of, np.arange(n_regions + 1))


def information(
    k: np.ndarray,
    dcov: np.ndarray,
    bounds: np.ndarray,
    alpha: np.ndarray,
    a_info: np.ndarray,
    region_of: np.ndarray,
) -> np.ndarray:
    """Average information of ``η`` per region (Gilmour, Thompson & Cullis 1995):
    ½ Σ_u (∂_iΣ α_u)ᵀ (P ∂_jΣ α)_u with ``α = P z`` and P the restricted projection
    (``(P v)_u = K_u (v_u − A⁻¹ Σ_u' K_u' v_u')``): the mean of the observed and the expected
    information, from the data's residuals alone. ``k`` is K_u for included units, 0 else."""
    u, t = alpha.shape
    n_regions = dcov.shape[0]
    v = np.zeros((u, t, 3))
    for r in range(n_regions):
        lo, hi = bounds[r], bounds[r + 1]
        for j in range(3):
            v[lo:hi, :, j] = alpha[lo:hi] @ dcov[r, j].T
    kv = k @ v
    g = region_matrix(region_of, n_regions)
    summed = (g @ kv.reshape(u, -1)).reshape(n_regions, t, 3)
    shift = np.linalg.solve(a_info, summed)
    pv = k @ (v - shift[region_of])
    per_unit = np.einsum("uti,utj->uij", v, pv)
    info: np.ndarray = 0.5 * (g @ per_unit.reshape(u, -1)).reshape(n_regions, 3, 3)
    return info


def posterior(work: Work, panel: Panel) -> dict[str, Any]:
    """Posterior moments at one ``η`` from an evaluation at the mode's linearisation."""
    q_inv, prior_cov, prior_prec = work.unit
    ri = panel.region_of
    level_cov = np.linalg.inv(work.level_info)
    # θ = a + x̂(a) = (I − P W) a + …, and I − P W = P Σ⁻¹: how much of a's uncertainty reaches θ.
    b = q_inv @ prior_prec[ri]
    from_level = np.einsum("uij,ujk,uik->ui", b, level_cov[ri], b)
    dev_var = np.diagonal(q_inv, axis1=1, axis2=2).copy()
    return {
        "level": work.level,
        "level_cov": level_cov,
        "deviation": work.x,
        "deviation_var": dev_var,
        "theta": work.level[ri] + work.x,
        "theta_var": dev_var + from_level,
        "prior_var": np.diagonal(prior_cov, axis1=1, axis2=2)[ri].copy(),
        "unit_posterior": DenseCovariance(q_inv),
    }


@dataclass(frozen=True, slots=True)
class DenseCovariance:
    """Each unit's posterior covariance of its deviation, stored whole (U, T, T)."""

    cov: np.ndarray

    def covariance(self) -> np.ndarray:
        return self.cov

    def take(self, idx: np.ndarray) -> DenseCovariance:
        return DenseCovariance(self.cov[idx])


def linearise(theta: np.ndarray, panel: Panel) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian pseudo-data (z, w) whose likelihood matches the binomial's curvature at θ."""
    n = panel.births
    p = expit(theta)
    w = n * p * (1 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(w > 0, theta + (panel.male - n * p) / w, 0.0)
    return z, w

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
    eta: np.ndarray, t: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Σ, Σ⁻¹, log|Σ| and ∂Σ/∂η for each region's ``η``.

    Shapes (R,T,T), (R,T,T), (R,), (R,3,T,T)."""
    sb, sd, phi = hyper_values(eta)
    lag = np.abs(np.subtract.outer(np.arange(t), np.arange(t))).astype(float)
    ph = phi[:, None, None]
    corr = ph**lag
    cov = sb[:, None, None] ** 2 + sd[:, None, None] ** 2 * corr + _JITTER * np.eye(t)
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
    info: np.ndarray  # (R, 3, 3) expected information
    level: np.ndarray  # (R, T)
    level_info: np.ndarray  # (R, T, T)
    x: np.ndarray  # (U, T)
    q_inv: np.ndarray  # (U, T, T)
    prior_cov: np.ndarray
    prior_prec: np.ndarray


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
    """Gaussian (linearised) restricted log likelihood per region, its gradient in ``η``, and the
    region levels (generalised least squares) and unit deviations it implies.

    Only ``include``-d units inform the levels and the likelihood; all units get a posterior.
    ``light`` skips the likelihood and gradient (a plain Newton step); ``with_info`` adds the
    expected information of ``η`` (the costliest part, so only when asked)."""
    u, t = z.shape
    cov, prec, logdet, dcov = prior_matrices(eta, t)
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
    if light:
        nothing = np.zeros(0)
        return Work(nothing, nothing, nothing, level, a_info, x, q_inv, cov, prec)
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
    info = information(k_inc, dcov, bounds) if with_info else np.zeros(0)
    return Work(value, grad, info, level, a_info, x, q_inv, cov, prec)


def blocks(region_of: np.ndarray, n_regions: int) -> np.ndarray:
    """Start of each region's block of units (units sorted by region), and the end."""
    if np.any(np.diff(region_of) < 0):
        raise ValueError("units must be sorted by region")
    return np.searchsorted(region_of, np.arange(n_regions + 1))


def information(k: np.ndarray, dcov: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Expected information of ``η`` per region: ½ Σ_u tr(K_u ∂Σ_i K_u ∂Σ_j).

    Units sorted by region (``bounds`` from :func:`blocks`): each region's ``K_u ∂Σ_j`` is then
    one matrix product."""
    t = k.shape[1]
    n_regions = dcov.shape[0]
    info = np.zeros((n_regions, 3, 3))
    for r in range(n_regions):
        lo, hi = bounds[r], bounds[r + 1]
        if lo == hi:
            continue
        rows = k[lo:hi].reshape(-1, t)
        kd = [(rows @ dcov[r, j]).reshape(hi - lo, t, t) for j in range(3)]
        for i in range(3):
            for j in range(i, 3):
                # tr(XY) = Σ X ∘ Yᵀ, with Y = K ∂Σ_j.
                info[r, i, j] = info[r, j, i] = 0.5 * np.vdot(kd[i], kd[j].transpose(0, 2, 1))
    return info


def linearise(theta: np.ndarray, panel: Panel) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian pseudo-data (z, w) whose likelihood matches the binomial's curvature at θ."""
    n = panel.births
    p = expit(theta)
    w = n * p * (1 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(w > 0, theta + (panel.male - n * p) / w, 0.0)
    return z, w

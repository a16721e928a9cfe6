"""Symmetric tridiagonal algebra, vectorised over many small systems (one per unit).

The AR(1) correlation matrix Φ(φ) has a tridiagonal inverse; with a diagonal added (the
precision of noisy observations) it stays tridiagonal, and an LDLᵀ pass solves it in time
linear in its size. Arrays are (units, years); the factor is stored time first so that each
step of a pass reads one contiguous row. Every function is analytic (no absolute values or
comparisons on the values), so it also runs on complex input for complex-step derivatives.
"""

from __future__ import annotations

import numpy as np


def phi_inv_band(phi: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal (U, T) and off-diagonal (U,) of the AR(1) correlation's inverse Φ⁻¹."""
    one = 1 - phi**2
    diag = np.repeat(((1 + phi**2) / one)[:, None], t, axis=1)
    if t == 1:
        diag[:] = 1.0
    else:
        diag[:, 0] = diag[:, -1] = 1 / one
    return diag, -phi / one


def band_matvec(diag: np.ndarray, off: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Symmetric tridiagonal (diag (U, T), constant off (U,)) times v (U, T, k)."""
    out: np.ndarray = diag[..., None] * v
    out[:, 1:] += off[:, None, None] * v[:, :-1]
    out[:, :-1] += off[:, None, None] * v[:, 1:]
    return out


def ldl(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pivots D (T, U) and ρ (T−1, U), time first, of the LDLᵀ of a tridiagonal with diagonal
    d (U, T) and constant off-diagonal e (U,): L's subdiagonal is −ρ."""
    u, t = d.shape
    piv = np.ascontiguousarray(d.T)
    rho = np.empty((max(t - 1, 0), u), dtype=d.dtype)
    for k in range(t - 1):
        rho[k] = -e / piv[k]
        piv[k + 1] += e * rho[k]
    return piv, rho


def band_solve(piv: np.ndarray, rho: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The tridiagonal's inverse times b (U, T, k), from its LDLᵀ (time-first ``piv``, ``rho``)."""
    t = b.shape[1]
    y = np.array(b.transpose(1, 0, 2), dtype=np.result_type(b, piv), order="C")
    for k in range(t - 1):
        y[k + 1] += rho[k, :, None] * y[k]
    y[-1] /= piv[-1, :, None]
    for k in range(t - 2, -1, -1):
        y[k] = y[k] / piv[k, :, None] + rho[k, :, None] * y[k + 1]
    out: np.ndarray = y.transpose(1, 0, 2)
    return out


def dphi_inv_band(phi: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Band of D' = ∂Φ⁻¹/∂φ: diagonal (U, T), off-diagonal (U,)."""
    one = 1 - phi**2
    d_diag = np.repeat((4 * phi / one**2)[:, None], t, axis=1)
    if t > 1:
        d_diag[:, 0] = d_diag[:, -1] = 2 * phi / one**2
    else:
        d_diag[:] = 0.0
    return d_diag, -(1 + phi**2) / one**2

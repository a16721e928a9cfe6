"""A straight-line trend with noise around it, for projecting a short annual series.

Model: ``y_t = β₀ + β₁ (t − t̄) + e_t + ε_t`` with trend noise ``e_t ~ N(0, τ²)`` (the true value
wanders around the line) and known measurement error ``ε ~ N(0, C)`` (sampling error, if given).
``τ²`` is estimated by restricted maximum likelihood (Patterson & Thompson 1971); the line by
generalised least squares. A prediction's variance is the line's estimation variance plus
``τ²``, so an interval covers the true value in a future year, not just the line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class TrendFit:
    """A fitted line ``coef[0] + coef[1]·(year − centre)`` with its covariance and noise."""

    coef: np.ndarray
    coef_cov: np.ndarray
    noise_var: float  # τ²
    centre: float
    df: int  # residual degrees of freedom (n − 2)
    weights_design: np.ndarray  # (2, n): coef = weights_design @ y

    def design(self, years: np.ndarray) -> np.ndarray:
        years = np.asarray(years, dtype=float)
        return np.column_stack([np.ones_like(years), years - self.centre])

    def mean(self, years: np.ndarray) -> np.ndarray:
        mean: np.ndarray = self.design(years) @ self.coef
        return mean

    def predictive_var(self, years: np.ndarray) -> np.ndarray:
        """Variance of the true value in ``years``: line uncertainty plus trend noise."""
        x = self.design(years)
        var: np.ndarray = np.einsum("hi,ij,hj->h", x, self.coef_cov, x) + self.noise_var
        return var

    def smoothed(
        self, years: np.ndarray, values: np.ndarray, meas_var: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the true values in the fitted ``years`` given the observed
        ``values`` and their measurement variances: the best linear unbiased predictor, each
        value shrunk towards the line by ``τ² / (τ² + c)``, with Henderson's prediction-error
        variance (which counts the line's own uncertainty)."""
        x = self.design(years)
        c = np.asarray(meas_var, dtype=float)
        total = self.noise_var + c
        # Where neither the trend nor the measurement has noise the line is the value: k = 0.
        k = np.divide(self.noise_var, total, out=np.zeros_like(total), where=total > 0)
        line = x @ self.coef
        mean = line + k * (np.asarray(values, dtype=float) - line)
        shrink = (1.0 - k)[:, None] * x
        var = self.noise_var * (1.0 - k) + np.einsum("hi,ij,hj->h", shrink, self.coef_cov, shrink)
        return mean, var

    def weights(self, years: np.ndarray) -> np.ndarray:
        """(H, n) weights: ``mean(years) = weights @ y`` (how each input reaches a prediction)."""
        weights: np.ndarray = self.design(years) @ self.weights_design
        return weights


def _gls(
    x: np.ndarray, y: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    v_inv = np.linalg.inv(v)
    xtv = x.T @ v_inv
    info = xtv @ x
    cov = np.linalg.inv(info)
    w = cov @ xtv
    coef = w @ y
    r = y - x @ coef
    quad = float(r @ v_inv @ r)
    logdet = float(np.linalg.slogdet(v)[1] + np.linalg.slogdet(info)[1])
    return coef, cov, w, quad, logdet


def _golden_min(f: Callable[[float], float], lo: float, hi: float, tol: float = 1e-6) -> float:
    """Minimiser of ``f`` on [lo, hi] by golden-section search (f unimodal there). Kept here
    rather than importing scipy.optimize, whose import alone costs a third of a second."""
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = lo, hi
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(d)
    return (a + b) / 2.0


def fit_linear_trend(
    years: np.ndarray, values: np.ndarray, meas_cov: np.ndarray | None = None
) -> TrendFit:
    """Fit the line with REML trend noise. ``meas_cov`` is the (n × n) or (n,) measurement-error
    covariance of ``values`` (zeros when ``None``). Needs at least three points."""
    t = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    n = len(y)
    if n < 3:
        raise ValueError("a trend with noise needs at least three years")
    if meas_cov is None:
        c = np.zeros((n, n))
    else:
        mc = np.asarray(meas_cov, dtype=float)
        c = np.diag(mc) if mc.ndim == 1 else mc
    centre = float(t.mean())
    x = np.column_stack([np.ones(n), t - centre])
    if not np.any(c):
        # No measurement error: REML is ordinary least squares with τ² = RSS / (n − 2).
        w = np.linalg.solve(x.T @ x, x.T)
        coef = w @ y
        tau2 = float(((y - x @ coef) ** 2).sum() / (n - 2))
        return TrendFit(coef, tau2 * np.linalg.inv(x.T @ x), tau2, centre, n - 2, w)
    scale = max(float(np.var(y)), float(np.mean(np.diag(c))), 1e-12)

    def neg_reml(log_tau2: float) -> float:
        _, _, _, quad, logdet = _gls(x, y, c + scale * np.exp(log_tau2) * np.eye(n))
        return 0.5 * (logdet + quad)

    best = _golden_min(neg_reml, -20.0, 5.0)
    tau2 = scale * float(np.exp(best)) if neg_reml(best) < neg_reml(-20.0) else 0.0
    coef, cov, w, _, _ = _gls(x, y, c + (tau2 + 1e-10 * scale) * np.eye(n))
    return TrendFit(coef, cov, tau2, centre, n - 2, w)

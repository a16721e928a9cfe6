"""The transition scenario: when does the decline begin? A posterior over its onset year.

The sex-ratio transition (Chao, Gerland, Cook & Alkema, PNAS 2019) is a rise, a plateau and a
decline towards the natural level :data:`~chitieu.stats.statespace.BASELINE_SRB`. A series that
has just turned looks, in its last few noisy years, much like one on its plateau; a damped trend
keeps extrapolating its past drift either way. Here the decline is a change in slope at an
unknown year ``τ`` on top of the damped local linear trend of :mod:`chitieu.stats.statespace`::

    y_t = z_t + β·(t − τ)₊,   z: the damped local linear trend,   β ~ N(μ_β, s_β²)

The onset is equally likely in every year from the third year of a series to ``A`` years after
its last (the last of them in part): the transition is assumed to complete (a series with an
imbalance turns at the latest within ``A`` years), and an onset after the data is invisible in
it, so it shows in the forecast only through this prior.

For each onset the model is Gaussian and linear in ``β``: one Kalman pass (the same gains for
the data and for every onset's regressor) whitens them all, so each onset's marginal likelihood
is closed-form (one-coefficient Bayesian regression evidence) and so is the forecast given the
onset (``β`` from its posterior). The forecast is the mixture over onsets weighted by their
posterior: a series that has just turned is forecast to decline
as far as its data favour it; one still rising keeps its damped drift, with the chance that the
decline starts within the forecast in its mean and its spread. No decline is forecast below
the natural level.

``(μ_β, s_β, A)`` maximise the mixture's marginal likelihood pooled over the series fitted
together, jointly with the damped trend's hyperparameters (:func:`fit_jointly`; weak priors
around :data:`DEFAULT_ONSET`, ``A`` within 0.5–:data:`AHEAD_MAX` years): the pool says how soon
after its data the decline may begin. A lone series uses the documented defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chitieu.stats.statespace import Hyper

#: Documented defaults (μ_β, s_β, A): a decline of about half an SRB point a year once begun
#: (log scale), give or take 0.3 point, beginning at the latest 6 years after the data.
DEFAULT_ONSET = (-0.005, 0.003, 6.0)
#: Weak priors for the pooled fit: log-scale SDs around the defaults.
ONSET_PRIOR_SD = (1.0, 1.0, 1.0)
#: The latest onset ``A`` can allow, in years after the last year of data.
AHEAD_MAX = 15
#: The first possible onset, in years after a series' first year.
FIRST_ONSET = 2


@dataclass(frozen=True, slots=True)
class OnsetHyper:
    slope_mean: float  # μ_β, log scale per year (negative: a decline)
    slope_sd: float  # s_β
    ahead: float  # A: onsets are uniform from the third year to A years after the last


@dataclass(frozen=True, slots=True)
class Whitened:
    """One Kalman pass over the data and every onset's regressor: per series the sufficient
    statistics of each onset's evidence (``a`` = Σ e_x²/f, ``b`` = Σ e_x e_y/f, shapes (S, C)),
    the damped trend's forecast of the data (``mean_y`` (S, H)) and ``gap``, each regressor's
    future value less its forecast (S, H, C); ``allowed`` (S, C) the onsets a series can have;
    ``visible`` (C,) the onsets with a regressor that is not zero on the data."""

    a: np.ndarray
    b: np.ndarray
    mean_y: np.ndarray
    gap: np.ndarray
    allowed: np.ndarray
    visible: np.ndarray
    loglik: np.ndarray  # (S,) the damped trend's diffuse log likelihood ("no onset")


def whiten(
    y: np.ndarray, v: np.ndarray, hyper: tuple[float, float, float, float], horizon: int
) -> Whitened:
    """Filter ``y`` (S, T) with sampling variances ``v`` under the damped trend ``hyper``
    (σ_ℓ, σ_d, φ, σ_ε), the onset regressors ``(t − τ)₊`` alongside with the same gains, and
    carry both ``horizon`` years past the data."""
    from chitieu.stats.statespace import _DRIFT0_SD, _LEVEL0_VAR

    s_n, t_n = y.shape
    sl2, sd2, phi, se2 = hyper[0] ** 2, hyper[1] ** 2, hyper[2], hyper[3] ** 2
    grid = np.arange(t_n + horizon)
    onsets = np.arange(FIRST_ONSET - 1, t_n - 1 + AHEAD_MAX)  # x_t = (t − τ)₊, first > 0 at τ+1
    x = np.maximum(grid[:, None] - onsets[None, :], 0).astype(float)  # (T+H, C)
    ok_all = np.isfinite(y) & np.isfinite(v)
    first = np.argmax(ok_all, axis=1)
    data = np.concatenate(
        [np.nan_to_num(y)[:, :, None], np.broadcast_to(x[None, :t_n], (s_n, t_n, x.shape[1]))],
        axis=2,
    )
    start = data[np.arange(s_n), first]  # (S, 1+C): the vague level starts at the first value
    lev, dri = start.copy(), np.zeros_like(start)
    p = np.zeros((s_n, 2, 2))
    p[:, 0, 0], p[:, 1, 1] = _LEVEL0_VAR, _DRIFT0_SD**2
    a_sum = np.zeros((s_n, x.shape[1]))
    b_sum = np.zeros_like(a_sum)
    loglik = np.zeros(s_n)
    seen = np.zeros(s_n, bool)
    for t in range(t_n):
        ok = ok_all[:, t]
        f = p[:, 0, 0] + np.where(ok, v[:, t], 0.0) + se2
        e = np.where(ok[:, None], data[:, t] - lev, 0.0)
        k0 = np.where(ok, p[:, 0, 0] / f, 0.0)[:, None]
        k1 = np.where(ok, p[:, 1, 0] / f, 0.0)[:, None]
        lev, dri = lev + k0 * e, dri + k1 * e
        k = np.stack([k0[:, 0], k1[:, 0]], axis=1)
        p = p - k[:, :, None] * p[:, None, 0, :]
        w = np.where(ok & seen, 1.0 / f, 0.0)[:, None]
        a_sum += w * e[:, 1:] ** 2
        b_sum += w * e[:, 1:] * e[:, :1]
        loglik -= np.where(ok & seen, 0.5 * (np.log(2 * np.pi * f) + e[:, 0] ** 2 / f), 0.0)
        seen |= ok
        if t < t_n - 1:
            lev, dri = lev + dri, phi * dri
            p = _cov_ahead(p, sl2, sd2, phi)
    means = np.empty((s_n, horizon, 1 + x.shape[1]))
    for h in range(horizon):
        lev, dri = lev + dri, phi * dri
        means[:, h] = lev
    gap = x[None, t_n:, :] - means[:, :, 1:]
    allowed = onsets[None, :] >= first[:, None] + FIRST_ONSET - 1
    visible = onsets < t_n - 1
    return Whitened(a_sum, b_sum, means[:, :, 0], gap, allowed, visible, loglik)


def _cov_ahead(p: np.ndarray, sl2: float, sd2: float, phi: float) -> np.ndarray:
    q = np.empty_like(p)
    p00, p01, p11 = p[:, 0, 0], p[:, 0, 1], p[:, 1, 1]
    q[:, 0, 0] = p00 + 2 * p01 + p11 + sl2
    q[:, 0, 1] = q[:, 1, 0] = phi * (p01 + p11)
    q[:, 1, 1] = phi**2 * p11 + sd2
    return q


def log_evidence(w: Whitened, oh: OnsetHyper) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per series and onset: the log evidence relative to "no onset" (S, C), and the
    posterior mean and variance of ``β`` given that onset (S, C) each."""
    mu, s2 = oh.slope_mean, oh.slope_sd**2
    a, b = w.a, w.b
    rel = mu * b - 0.5 * mu**2 * a + 0.5 * s2 * (b - mu * a) ** 2 / (1 + s2 * a)
    rel -= 0.5 * np.log1p(s2 * a)
    prec = 1 / s2 + a
    return rel, (mu / s2 + b) / prec, 1 / prec


def log_prior(w: Whitened, ahead: float) -> np.ndarray:
    """Log prior of each onset (S, C): uniform over the allowed years from the third year of
    the series to ``ahead`` years after its last (the last of them in part)."""
    future = np.cumsum(~w.visible) - 1  # 0 for the first year after the data
    share = np.where(w.visible, 1.0, np.clip(ahead - future, 0.0, 1.0))
    weight = np.where(w.allowed, share[None, :], 0.0)
    with np.errstate(divide="ignore"):
        prior: np.ndarray = np.log(weight) - np.log(weight.sum(axis=1, keepdims=True))
    return prior


def pooled_loglik(w: Whitened, oh: OnsetHyper) -> float:
    """The mixture's log marginal likelihood of the data relative to the damped trend alone,
    summed over series; an onset after the data leaves it as the trend alone."""
    rel, _, _ = log_evidence(w, oh)
    parts = log_prior(w, oh.ahead) + np.where(w.visible[None, :], rel, 0.0)
    return float(_logsumexp(parts).sum())


def fit_onset(w: Whitened) -> OnsetHyper:
    """``(μ_β, s_β, A)`` for a given damped trend, by maximum pooled marginal likelihood with
    weak priors."""
    from scipy.optimize import minimize

    centre = _pack(OnsetHyper(*DEFAULT_ONSET))
    sd = np.array(ONSET_PRIOR_SD)

    def objective(z: np.ndarray) -> float:
        return -pooled_loglik(w, _unpack(z)) + 0.5 * float((((z - centre) / sd) ** 2).sum())

    best = minimize(objective, centre, method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-4})
    return _unpack(best.x)


def fit_jointly(y: np.ndarray, v: np.ndarray) -> tuple[Hyper, OnsetHyper]:
    """The damped trend's ``(σ_ℓ, σ_d, φ, σ_ε)`` and the onset's ``(μ_β, s_β, A)`` together,
    by maximum marginal likelihood of the mixture pooled over the series ``y`` (S, T), with the
    weak priors of both (:data:`~chitieu.stats.statespace.PRIOR`, :data:`ONSET_PRIOR_SD`)."""
    from scipy.optimize import minimize

    from chitieu.stats.statespace import DEFAULT_HYPER, PRIOR, _pack_hyper, _unpack_hyper

    centre = np.concatenate([_pack_hyper(Hyper(*DEFAULT_HYPER)), _pack(OnsetHyper(*DEFAULT_ONSET))])
    sd = np.array([PRIOR["log_sd"]] * 2 + [PRIOR["logit_phi_sd"], PRIOR["log_sd"], *ONSET_PRIOR_SD])

    def objective(z: np.ndarray) -> float:
        w = whiten(y, v, _unpack_hyper(z[:4]).as_tuple(), 1)
        ll = float(w.loglik.sum()) + pooled_loglik(w, _unpack(z[4:]))
        return -ll + 0.5 * float((((z - centre) / sd) ** 2).sum())

    best = minimize(
        objective, centre, method="Nelder-Mead",
        options={"xatol": 1e-2, "fatol": 1e-2, "maxiter": 1500, "adaptive": True},
    )  # fmt: skip
    return _unpack_hyper(best.x[:4]), _unpack(best.x[4:])


def _pack(oh: OnsetHyper) -> np.ndarray:
    return np.array([np.log(-oh.slope_mean), np.log(oh.slope_sd), np.log(oh.ahead)])


def _unpack(z: np.ndarray) -> OnsetHyper:
    ahead = min(max(float(np.exp(z[2])), 0.5), float(AHEAD_MAX))
    return OnsetHyper(-float(np.exp(z[0])), float(np.exp(z[1])), ahead)


def _logsumexp(x: np.ndarray) -> np.ndarray:
    top = np.max(x, axis=1)
    top = np.where(np.isfinite(top), top, 0.0)
    out: np.ndarray = top + np.log(np.exp(x - top[:, None]).sum(axis=1))
    return out


def onset_mixture(
    w: Whitened, oh: OnsetHyper, trend_var: np.ndarray, floor: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The forecast mixed over onsets: mean and variance (S, H) of log SRB, and the posterior
    probability (S,) that the decline has begun by the last year of data. ``trend_var``
    (S, H): the damped trend's forecast variance; no component goes below ``floor`` (the
    natural level) by its decline."""
    rel, beta, beta_var = log_evidence(w, oh)
    logw = log_prior(w, oh.ahead) + np.where(w.visible[None, :], rel, 0.0)
    post = np.exp(logw - _logsumexp(logw)[:, None])  # (S, C)
    base = w.mean_y[:, :, None]
    comp = base + beta[:, None, :] * w.gap  # (S, H, C)
    comp = np.maximum(comp, np.minimum(base, floor))
    comp_var = trend_var[:, :, None] + w.gap**2 * beta_var[:, None, :]
    pw = post[:, None, :]
    mean = (pw * comp).sum(axis=2)
    var = (pw * (comp_var + comp**2)).sum(axis=2) - mean**2
    begun = (post * w.visible[None, :]).sum(axis=1)
    return mean, np.maximum(var, trend_var), begun

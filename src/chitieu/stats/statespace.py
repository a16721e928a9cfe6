"""A damped local linear trend for log SRB, filtered, fitted and projected in closed form.

For each series (a region's level, a province, the country) on the log scale ``y_t``::

    y_t       = ℓ_t + ε_t,            ε_t ~ N(0, v_t + σ_ε²)
    ℓ_{t+1}   = ℓ_t + d_t + η_t,      η_t ~ N(0, σ_ℓ²)
    d_{t+1}   = φ d_t + ζ_t,          ζ_t ~ N(0, σ_d²)

``v_t`` is the known sampling variance of ``y_t`` (binomial, or the smoother's variance of a
region level); ``σ_ε`` the extra-binomial noise (survey design, year-to-year shocks that do not
persist); ``ℓ`` the level with persistence; ``d`` a drift that decays at rate ``φ``. Two
scenarios:

- ``"transition"`` (the default: it won the rolling backtests, see ``docs/methods.md``) follows
  the sex-ratio transition of Chao, Gerland, Cook & Alkema (PNAS 2019) — rise, plateau, decline
  towards the natural baseline :data:`BASELINE_SRB` (106.3): the decline is a change of slope
  at an onset year learnt from the data, the forecast a mixture over onsets weighted by their
  posterior (:mod:`chitieu.stats.onset`); its hyperparameters are fitted jointly with the
  trend's;
- ``"trend"``: today's drift fades at rate ``φ`` and the series levels off (only this
  scenario's forecast is the plain damped trend below).

The Kalman filter gives the exact Gaussian likelihood; the hyperparameters
``(σ_ℓ, σ_d, φ, σ_ε)`` maximise it POOLED over all series passed together (every region or
province shares them) with weak priors (:data:`PRIOR`) that only matter for short pools. The
initial state is vague (level N(y₁, 1), drift N(0, 0.02²)), so the first year's innovation is
left out of the likelihood (a diffuse, REML-style likelihood). With fewer than
:data:`MIN_POOL_SERIES` series the hyperparameters are not fitted: the documented defaults
:data:`DEFAULT_HYPER` are used (the centre of the priors; checked by the backtest on Viet
Nam's published national series, ``docs/methods.md``), and the
result says so (``hyper_source``).

A forecast starts from the filtered state at the last year — today's level and drift with their
uncertainty — and carries both forward, plus the noises: the interval is for the SRB in that year
(level plus the non-persistent noise ``σ_ε``), not for the sampling error of a future count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from chitieu.stats.onset import OnsetHyper

Scenario = Literal["trend", "transition"]
SCENARIOS: tuple[str, ...] = ("trend", "transition")

#: Natural SRB (boys per 100 girls) the transition declines to: Chao et al. (PNAS 2019).
BASELINE_SRB = 106.3
#: Fewer series than this and the hyperparameters are the documented defaults, not fitted.
MIN_POOL_SERIES = 3
#: Documented defaults (σ_ℓ, σ_d, φ, σ_ε) on the log scale; see the module docstring.
DEFAULT_HYPER = (0.003, 0.0015, 0.95, 0.006)
#: Weak priors for the pooled fit: log-normal around the defaults with these log-scale SDs, and
#: a normal prior on logit φ; they keep a short pool away from degenerate corners.
PRIOR = {"log_sd": 1.5, "logit_phi_sd": 0.5}
_LEVEL0_VAR = 1.0
_DRIFT0_SD = 0.02
_PHI_MAX = 0.99


@dataclass(frozen=True, slots=True)
class Hyper:
    level_sd: float
    drift_sd: float
    phi: float
    noise_sd: float

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.level_sd, self.drift_sd, self.phi, self.noise_sd)


@dataclass(frozen=True, slots=True)
class Filtered:
    """Filtered state at each year: ``mean`` (S, T, 2) = (level, drift), ``cov`` (S, T, 2, 2);
    ``loglik`` (S,) the diffuse log likelihood of each series."""

    mean: np.ndarray
    cov: np.ndarray
    loglik: np.ndarray


@dataclass(frozen=True, slots=True)
class Forecast:
    """Per series and horizon ``h = 1..H``: mean and variance of the log SRB in that year
    (level plus non-persistent noise), shapes (S, H); the hyperparameters used and their
    source (``"pooled over N series"`` or ``"documented defaults"``) and the scenario."""

    mean: np.ndarray
    var: np.ndarray
    hyper: Hyper
    hyper_source: str
    scenario: str
    level_now: np.ndarray  # (S,) filtered level in the last year
    level_now_var: np.ndarray  # (S,)
    drift_now: np.ndarray  # (S,) filtered drift in the last year (log scale per year)
    drift_now_var: np.ndarray  # (S,)


def kalman_filter(y: np.ndarray, v: np.ndarray, hyper: Hyper) -> Filtered:
    """Filter every series at once. ``y``, ``v``: (S, T) observations and their sampling
    variances; NaN ``y`` (or infinite ``v``) is a year without data."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    v = np.broadcast_to(np.asarray(v, dtype=float), y.shape)
    s_n, t_n = y.shape
    sl2, sd2, phi, se2 = hyper.level_sd**2, hyper.drift_sd**2, hyper.phi, hyper.noise_sd**2
    first = np.where(np.isfinite(y), y, np.nan)
    start = np.nanmean(first, axis=1) if s_n else np.zeros(0)
    first_idx = np.argmax(np.isfinite(y), axis=1)
    start = np.where(np.isfinite(start), y[np.arange(s_n), first_idx], 0.0)
    a = np.stack([start, np.zeros(s_n)], axis=1)  # predicted state
    p = np.zeros((s_n, 2, 2))
    p[:, 0, 0], p[:, 1, 1] = _LEVEL0_VAR, _DRIFT0_SD**2
    means = np.empty((s_n, t_n, 2))
    covs = np.empty((s_n, t_n, 2, 2))
    loglik = np.zeros(s_n)
    seen = np.zeros(s_n, bool)
    for t in range(t_n):
        ok = np.isfinite(y[:, t]) & np.isfinite(v[:, t])
        f = p[:, 0, 0] + np.where(ok, v[:, t], 0.0) + se2
        innov = np.where(ok, y[:, t] - a[:, 0], 0.0)
        k = p[:, :, 0] / f[:, None]
        k = np.where(ok[:, None], k, 0.0)
        a = a + k * innov[:, None]
        p = p - k[:, :, None] * p[:, None, 0, :]
        # The first observation of a series only places its vague level: no likelihood term.
        counted = ok & seen
        loglik -= np.where(counted, 0.5 * (np.log(2 * np.pi * f) + innov**2 / f), 0.0)
        seen |= ok
        means[:, t], covs[:, t] = a, p
        a, p = _predict(a, p, sl2, sd2, phi)
    return Filtered(means, covs, loglik)


def kalman_smoother(y: np.ndarray, v: np.ndarray, hyper: Hyper) -> tuple[np.ndarray, np.ndarray]:
    """The level ``ℓ_t`` given all years (Rauch–Tung–Striebel): mean and variance, (S, T) each.
    This is a lone series' smoothed SRB (log scale): the persistent level, without the
    non-persistent noise ``σ_ε``."""
    filt = kalman_filter(y, v, hyper)
    m, c = filt.mean, filt.cov
    s_n, t_n = m.shape[:2]
    phi = hyper.phi
    f = np.array([[1.0, 1.0], [0.0, phi]])
    mean = np.empty((s_n, t_n, 2))
    cov = np.empty((s_n, t_n, 2, 2))
    mean[:, -1], cov[:, -1] = m[:, -1], c[:, -1]
    for t in range(t_n - 2, -1, -1):
        pred_m, pred_c = _predict(m[:, t], c[:, t], hyper.level_sd**2, hyper.drift_sd**2, phi)
        gain = c[:, t] @ f.T @ np.linalg.inv(pred_c)
        mean[:, t] = m[:, t] + (gain @ (mean[:, t + 1] - pred_m)[..., None])[..., 0]
        cov[:, t] = c[:, t] + gain @ (cov[:, t + 1] - pred_c) @ gain.transpose(0, 2, 1)
    return mean[..., 0], cov[..., 0, 0]


def _predict(
    a: np.ndarray, p: np.ndarray, sl2: float, sd2: float, phi: float
) -> tuple[np.ndarray, np.ndarray]:
    """One year ahead: ℓ += d, d = φ d, covariances through F P Fᵀ + Q."""
    level = a[:, 0] + a[:, 1]
    drift = phi * a[:, 1]
    p00, p01, p11 = p[:, 0, 0], p[:, 0, 1], p[:, 1, 1]
    q = np.empty_like(p)
    q[:, 0, 0] = p00 + 2 * p01 + p11 + sl2
    q[:, 0, 1] = q[:, 1, 0] = phi * (p01 + p11)
    q[:, 1, 1] = phi**2 * p11 + sd2
    return np.stack([level, drift], axis=1), q


def _unpack_hyper(x: np.ndarray) -> Hyper:
    return Hyper(
        float(np.exp(x[0])),
        float(np.exp(x[1])),
        float(_PHI_MAX / (1 + np.exp(-x[2]))),
        float(np.exp(x[3])),
    )


def _pack_hyper(h: Hyper) -> np.ndarray:
    phi = min(max(h.phi, 1e-3), _PHI_MAX - 1e-3) / _PHI_MAX
    return np.array(
        [np.log(h.level_sd), np.log(h.drift_sd), np.log(phi / (1 - phi)), np.log(h.noise_sd)]
    )


def fit_hyper(y: np.ndarray, v: np.ndarray) -> tuple[Hyper, str]:
    """Hyperparameters for the series ``y`` (S, T) with sampling variances ``v``: maximum pooled
    likelihood with the weak :data:`PRIOR` when there are :data:`MIN_POOL_SERIES` series or
    more, else :data:`DEFAULT_HYPER`. Returns them and their source."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    informative = (np.isfinite(y).sum(axis=1) >= 4).sum()
    if informative < MIN_POOL_SERIES:
        return Hyper(*DEFAULT_HYPER), "documented defaults"
    from scipy.optimize import minimize

    centre = _pack_hyper(Hyper(*DEFAULT_HYPER))
    prior_sd = np.array([PRIOR["log_sd"]] * 2 + [PRIOR["logit_phi_sd"], PRIOR["log_sd"]])

    def objective(x: np.ndarray) -> float:
        ll = kalman_filter(y, v, _unpack_hyper(x)).loglik.sum()
        return float(-ll + 0.5 * (((x - centre) / prior_sd) ** 2).sum())

    best = minimize(
        objective,
        centre,
        method="Nelder-Mead",
        options={"xatol": 1e-3, "fatol": 1e-4, "maxiter": 600},
    )
    return _unpack_hyper(best.x), f"pooled over {int(informative)} series"


def forecast(
    y: np.ndarray,
    v: np.ndarray,
    horizon: int,
    *,
    scenario: Scenario = "trend",
    hyper: Hyper | None = None,
    hyper_source: str | None = None,
    onset: OnsetHyper | None = None,
) -> Forecast:
    """Forecast every series ``horizon`` years past its last column (see the module
    docstring). ``hyper`` given: used as is (``hyper_source`` says where it came from); the
    transition's ``onset`` hyperparameters likewise (else fitted with ``hyper`` when enough
    series are pooled, else the documented defaults)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
    y = np.atleast_2d(np.asarray(y, dtype=float))
    v = np.broadcast_to(np.asarray(v, dtype=float), y.shape)
    informative = int((np.isfinite(y).sum(axis=1) >= 4).sum())
    pooled = informative >= MIN_POOL_SERIES
    if scenario == "transition":
        from chitieu.stats.onset import DEFAULT_ONSET, OnsetHyper, fit_jointly, fit_onset

        if hyper is None and pooled:
            hyper, onset = fit_jointly(y, v)
            hyper_source = f"pooled over {informative} series with the onset"
        elif onset is None:
            onset = OnsetHyper(*DEFAULT_ONSET)
            if hyper is not None and pooled:
                from chitieu.stats.onset import whiten

                onset = fit_onset(whiten(y, v, hyper.as_tuple(), 1))
    if hyper is None:
        hyper, hyper_source = fit_hyper(y, v)
    filt = kalman_filter(y, v, hyper)
    a, p = filt.mean[:, -1], filt.cov[:, -1]
    sl2, sd2, phi, se2 = hyper.level_sd**2, hyper.drift_sd**2, hyper.phi, hyper.noise_sd**2
    mean = np.empty((len(a), horizon))
    var = np.empty((len(a), horizon))
    state, cov = a, p
    for h in range(horizon):
        state, cov = _predict(state, cov, sl2, sd2, phi)
        mean[:, h] = state[:, 0]
        var[:, h] = cov[:, 0, 0] + se2
    source = hyper_source or "given"
    if scenario == "transition" and onset is not None:
        from chitieu.stats.onset import onset_mixture, whiten

        w = whiten(y, v, hyper.as_tuple(), horizon)
        mean, var, _ = onset_mixture(w, onset, var, np.log(BASELINE_SRB / 100))
    return Forecast(
        mean, var, hyper, source, scenario,
        a[:, 0], p[:, 0, 0], a[:, 1], p[:, 1, 1],
    )  # fmt: skip

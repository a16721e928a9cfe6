"""Full-MCMC reference fit of the smoothing model (NumPyro NUTS), to check the fast fit.

Same model as :mod:`chitieu.stats.srb_model` with priors on what the fast fit estimates:
region-year levels start from a wide normal and follow the same weak random walk; each region's
``η = (log σ_b, log s_d, logit(φ/φ_max))`` is normal around a shared ``η₀`` with the fast fit's
shrinkage SDs, and ``η₀`` has weak priors (log σ ~ N(log 0.03, 1), logit ~ N(0, 1.5)). Needs
the ``dev`` extra (numpyro, jax); it is slow by design and used only by tests and
``bench/bench_srb.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chitieu.stats.srb_model import PHI_MAX, REGION_RW_SD, REGION_SHRINK_SD


@dataclass(frozen=True, slots=True)
class McmcFit:
    """Posterior draws of θ = log(SRB/100), shape (draws, units, years)."""

    theta: np.ndarray
    seconds: float

    @property
    def srb_mean(self) -> np.ndarray:
        srb: np.ndarray = (100 * np.exp(self.theta)).mean(axis=0)
        return srb

    def srb_interval(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = np.quantile(100 * np.exp(self.theta), [(1 - level) / 2, (1 + level) / 2], axis=0)
        return lo, hi


def fit_mcmc(
    male: np.ndarray,
    female: np.ndarray,
    region_of: np.ndarray,
    *,
    warmup: int = 500,
    samples: int = 500,
    seed: int = 0,
    eta: np.ndarray | None = None,
) -> McmcFit:
    """NUTS fit on (units × years) counts; ``region_of`` gives each unit's region index.

    With ``eta`` (regions × 3, as in :class:`chitieu.stats.srb_model.ModelFit`) the
    hyperparameters are fixed there and only the levels and unit paths are sampled: the exact
    posterior that the fast fit approximates given its hyperparameter estimates."""
    import time

    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    jax.config.update("jax_enable_x64", True)
    u, t = male.shape
    n_regions = int(region_of.max()) + 1
    births = jnp.asarray(male + female)
    boys = jnp.asarray(male)
    observed = births > 0
    lag = jnp.arange(t)[:, None] - jnp.arange(t)[None, :]
    lower = lag >= 0
    start = np.log((male.sum() + 0.5) / (female.sum() + 0.5))
    fixed = None if eta is None else jnp.asarray(eta)

    def model() -> None:
        if fixed is None:
            centre = jnp.array([np.log(0.03), np.log(0.03), 0.0])
            prior = dist.Normal(centre, jnp.array([1.0, 1.0, 1.5])).to_event(1)
            eta0 = numpyro.sample("eta0", prior)
            e = numpyro.sample("eta_z", dist.Normal(0, 1).expand([n_regions, 3]).to_event(2))
            eta = eta0 + jnp.asarray(REGION_SHRINK_SD) * e
        else:
            eta = fixed
        sb = jnp.exp(eta[:, 0])[region_of]
        sd = jnp.exp(eta[:, 1])[region_of]
        phi = PHI_MAX * jax.nn.sigmoid(eta[:, 2])[:, None, None]
        a0 = numpyro.sample("a0", dist.Normal(start, 1.0).expand([n_regions, 1]).to_event(2))
        steps = numpyro.sample(
            "a_steps", dist.Normal(0, REGION_RW_SD).expand([n_regions, t - 1]).to_event(2)
        )
        a = jnp.concatenate([a0, a0 + jnp.cumsum(steps, axis=1)], axis=1)
        zb = numpyro.sample("zb", dist.Normal(0, 1).expand([u]).to_event(1))
        zd = numpyro.sample("zd", dist.Normal(0, 1).expand([u, t]).to_event(2))
        # Cholesky factor of the AR(1) correlation in closed form: L[i, j] = φ^(i−j)·c_j with
        # c_0 = 1 and c_j = √(1−φ²), below the diagonal.
        scale = jnp.where(jnp.arange(t) == 0, 1.0, jnp.sqrt(1 - phi**2))
        chol = jnp.where(lower, phi ** jnp.maximum(lag, 0) * scale, 0.0)[region_of]
        dev = jnp.einsum("uij,uj->ui", chol, zd)
        theta = a[region_of] + (sb * zb)[:, None] + sd[:, None] * dev
        numpyro.deterministic("theta", theta)
        with numpyro.handlers.mask(mask=observed):
            numpyro.sample("m", dist.Binomial(births, logits=theta), obs=boys)

    began = time.perf_counter()
    mcmc = MCMC(NUTS(model), num_warmup=warmup, num_samples=samples, progress_bar=False)
    mcmc.run(jax.random.PRNGKey(seed))
    theta = np.asarray(mcmc.get_samples()["theta"])
    return McmcFit(theta, time.perf_counter() - began)

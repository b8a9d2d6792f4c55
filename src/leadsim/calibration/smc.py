"""Batched ABC-SMC: adaptive population Monte Carlo ABC, a whole generation at a time.

The algorithm is APMC (Lenormand, Jabot & Deffuant 2013, *Adaptive approximate
Bayesian computation for complex models*, Comput. Stat. 28: 2777-2796), the
population Monte Carlo ABC of Beaumont et al. (2009) with the adaptive, quantile
thresholds of Del Moral et al. (2012). It suits a batched simulator because each
generation is one fixed block of simulations:

1. generation 0 draws ``population`` parameter vectors from the prior and simulates
   them; the threshold ε₀ is the distance that keeps the best ``keep·population``;
2. generation t draws ``population − kept`` new vectors from the kept ones (chosen by
   weight, moved by a Gaussian kernel with twice their weighted covariance, redrawn
   until inside the prior's support) and simulates them **all at once**;
3. the new importance weight of a vector θ is ``π(θ) / Σⱼ w̄ⱼ K(θ | θⱼ)``; kept
   vectors keep theirs. Old and new together, ε_t is again the distance that keeps
   the best ``keep·population``;
4. it stops when fewer than ``min_acceptance`` of a generation's new vectors are kept
   (the threshold no longer falls much), or the budget of simulations, minutes or
   generations is spent.

With ``replicates`` runs per vector, a vector is kept while its closest replicate is
within ε, and its weight is multiplied by the share of its replicates within ε (an
unbiased estimate of the ABC likelihood, as in Del Moral et al. 2012).

Distances are on the scale of each target's uncertainty: ``√Σ ((s + e − y) / σ)²``,
where a target with a standard error σ adds observation noise ``e ~ N(0, σ²)`` to the
simulated value ``s`` ("noisy ABC", Wilkinson 2013: the ABC posterior then targets the
posterior under that measurement model as ε falls), and a target with a tolerance has
no noise and σ the tolerance. Every random number comes from ``numpy`` generators
seeded by (master seed, generation), so a calibration is reproducible from its seed,
and one resumed after generation t continues exactly as if it had not stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from leadsim.calibration.targets import Calibration, Prior

# draws of the perturbation kernel redrawn at most this many times to fall inside the
# prior's support; a vector still outside after that is replaced by its parent
MAX_REDRAWS = 100
PREDICTIVE_STREAM = 1_000_003  # the generator for posterior predictive draws


@dataclass(frozen=True)
class Population:
    """The kept parameter vectors of a generation, with what the next one needs."""

    generation: int
    draws: np.ndarray  # (kept, parameters)
    log_importance: np.ndarray  # (kept,): log π(θ)/q(θ) when the vector was drawn
    distances: np.ndarray  # (kept, replicates)
    epsilon: float
    acceptance: float  # share of this generation's new vectors that were kept
    simulations: int  # runs so far, all generations
    seconds: float  # time so far, all generations

    @property
    def weights(self) -> np.ndarray:
        """Normalised importance weights at this generation's threshold."""
        return importance_weights(self.log_importance, self.distances, self.epsilon)


def importance_weights(
    log_importance: np.ndarray, distances: np.ndarray, epsilon: float
) -> np.ndarray:
    """``π/q`` times the share of replicates within ``epsilon``, normalised to sum to 1."""
    share = (distances <= epsilon).mean(axis=1)
    raw = np.exp(log_importance - np.max(log_importance)) * share
    return raw / raw.sum()


def log_prior(priors: tuple[Prior, ...], draws: np.ndarray) -> np.ndarray:
    """The joint log prior density of each row of ``draws`` (independent priors)."""
    return sum(prior.logpdf(draws[:, k]) for k, prior in enumerate(priors))


def sample_prior(priors: tuple[Prior, ...], rng: np.random.Generator, size: int) -> np.ndarray:
    """``(size, parameters)`` draws from the priors."""
    return np.column_stack([prior.sample(rng, size) for prior in priors])


def target_distances(
    calibration: Calibration, values: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Distances ``(draws, replicates)`` of simulated target values ``(draws, replicates, targets)``.

    Targets with a standard error get Gaussian observation noise first; a run that
    failed (NaN) is infinitely far.
    """
    observed = np.array([t.observed for t in calibration.targets])
    scale = np.array([t.scale for t in calibration.targets])
    noisy = np.array([t.standard_error is not None for t in calibration.targets])
    noise = rng.standard_normal(values.shape) * np.where(noisy, scale, 0.0)
    scaled = (values + noise - observed) / scale
    distance = np.sqrt(np.sum(scaled**2, axis=-1))
    return np.where(np.isfinite(distance), distance, np.inf)


def kernel_covariance(
    draws: np.ndarray, weights: np.ndarray, priors: tuple[Prior, ...]
) -> np.ndarray:
    """Twice the weighted covariance of the kept vectors (Beaumont et al. 2009).

    A floor of a millionth of each prior's width keeps it positive definite when a
    population has collapsed onto one value.
    """
    mean = weights @ draws
    centred = draws - mean
    cov = 2.0 * (centred * weights[:, None]).T @ centred
    floor = np.array([(1e-6 * prior.width) ** 2 for prior in priors])
    return cov + np.diag(floor)


def perturb(
    population: Population, priors: tuple[Prior, ...], rng: np.random.Generator, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """``size`` new vectors from the kept ones, inside the priors' support; and ``log q`` of each.

    ``q`` is the mixture ``Σⱼ w̄ⱼ N(θ | θⱼ, Σ)``; its truncation to the support is
    ignored (as in Beaumont et al. 2009 and APMC), which is exact away from the bounds.
    """
    weights = population.weights
    cov = kernel_covariance(population.draws, weights, priors)
    chol = np.linalg.cholesky(cov)
    low = np.array([p.low for p in priors])
    high = np.array([p.high for p in priors])
    parents = population.draws[rng.choice(len(weights), size=size, p=weights)]
    new = parents + rng.standard_normal(parents.shape) @ chol.T
    for _ in range(MAX_REDRAWS):
        outside = np.any((new < low) | (new > high), axis=1)
        if not outside.any():
            break
        new[outside] = parents[outside] + rng.standard_normal((outside.sum(), len(priors))) @ chol.T
    else:
        outside = np.any((new < low) | (new > high), axis=1)
        new[outside] = parents[outside]
    return new, log_mixture_density(new, population.draws, weights, chol)


def log_mixture_density(
    x: np.ndarray, centres: np.ndarray, weights: np.ndarray, chol: np.ndarray
) -> np.ndarray:
    """``log Σⱼ wⱼ N(x | centresⱼ, L Lᵀ)`` for each row of ``x``."""
    dims = x.shape[1]
    inverse = np.linalg.inv(chol)
    z_x, z_c = x @ inverse.T, centres @ inverse.T
    squared = (z_x**2).sum(1)[:, None] + (z_c**2).sum(1)[None, :] - 2.0 * z_x @ z_c.T
    log_norm = -0.5 * dims * math.log(2 * math.pi) - np.log(np.diag(chol)).sum()
    terms = np.log(weights)[None, :] - 0.5 * np.maximum(squared, 0.0)
    top = terms.max(axis=1)
    return top + np.log(np.exp(terms - top[:, None]).sum(axis=1)) + log_norm


def threshold(distances: np.ndarray, kept: int) -> float:
    """The distance that keeps ``kept`` vectors: the ``kept``-th smallest closest replicate."""
    closest = np.sort(distances.min(axis=1))
    return float(closest[min(kept, closest.size) - 1])


def generation_rng(seed: int, generation: int) -> np.random.Generator:
    """The generator of one generation, a function of the master seed and the generation."""
    return np.random.default_rng([seed, generation])


Simulate = Callable[[np.ndarray, np.ndarray], np.ndarray]


def kept_count(calibration: Calibration) -> int:
    """How many vectors each generation keeps: ``keep × population``, leaving room for new ones."""
    return min(
        max(2, math.ceil(calibration.keep * calibration.population)), calibration.population - 1
    )


def run_generation(
    calibration: Calibration,
    simulate: Simulate,
    previous: Population | None,
    started: float,
) -> Population:
    """One generation: draw (from the prior, or by perturbing ``previous``), simulate, select.

    ``simulate(draws, seeds)`` returns the targets' values ``(draws, replicates, targets)``.
    """
    generation = 0 if previous is None else previous.generation + 1
    rng = generation_rng(calibration.seed, generation)
    kept = kept_count(calibration)
    replicates = calibration.replicates
    if previous is None:
        new = sample_prior(calibration.priors, rng, calibration.population)
        log_importance = np.zeros(len(new))
    else:
        new, log_q = perturb(previous, calibration.priors, rng, calibration.population - kept)
        log_importance = log_prior(calibration.priors, new) - log_q
    seeds = rng.integers(0, 2**63 - 1, size=len(new) * replicates, dtype=np.int64)
    values = simulate(new, seeds)
    distances = target_distances(calibration, values, rng)
    if previous is not None:
        draws = np.vstack([previous.draws, new])
        log_importance = np.concatenate([previous.log_importance, log_importance])
        distances = np.vstack([previous.distances, distances])
    else:
        draws = new
    epsilon = threshold(distances, kept)
    keep = distances.min(axis=1) <= epsilon
    order = np.flatnonzero(keep)[:kept] if keep.sum() > kept else np.flatnonzero(keep)
    is_new = np.arange(len(draws)) >= len(draws) - len(new)
    acceptance = float(keep[is_new].mean())
    return Population(
        generation=generation,
        draws=draws[order],
        log_importance=log_importance[order],
        distances=distances[order],
        epsilon=epsilon,
        acceptance=acceptance,
        simulations=(0 if previous is None else previous.simulations) + len(new) * replicates,
        seconds=(0.0 if previous is None else previous.seconds) + time.perf_counter() - started,
    )


def stop_reason(calibration: Calibration, population: Population) -> str | None:
    """Why the calibration stops after ``population`` (None: run another generation)."""
    kept = kept_count(calibration)
    cost = (calibration.population - kept) * calibration.replicates
    if population.generation > 0 and population.acceptance < calibration.min_acceptance:
        return f"acceptance {population.acceptance:.3f} below min_acceptance"
    if population.generation + 1 >= calibration.generations:
        return "generations spent"
    if population.simulations + cost > calibration.simulations:
        return "simulations spent"
    if population.seconds >= 60 * calibration.minutes:
        return "minutes spent"
    if not np.isfinite(population.epsilon):
        return "no run close enough (every kept run failed)"
    return None


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted empirical CDF, interpolated)."""
    order = np.argsort(values)
    values, weights = np.asarray(values)[order], np.asarray(weights)[order]
    cumulative = np.cumsum(weights) - 0.5 * weights
    cumulative /= weights.sum()
    return np.interp(q, cumulative, values)


def credible_interval(values: np.ndarray, weights: np.ndarray, level: float) -> tuple[float, float]:
    """The central ``level`` credible interval of a weighted sample."""
    tail = (1.0 - level) / 2.0
    low, high = weighted_quantile(values, weights, np.array([tail, 1.0 - tail]))
    return float(low), float(high)


def resample(population: Population, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` vectors drawn from the posterior (by weight, with replacement)."""
    index = rng.choice(len(population.draws), size=size, p=population.weights)
    return population.draws[index]

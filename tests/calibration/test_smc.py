"""The pieces of the batched ABC-SMC: kernel density, perturbation, weights, quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from leadsim.calibration.smc import (
    Population,
    credible_interval,
    importance_weights,
    log_mixture_density,
    perturb,
    threshold,
    weighted_quantile,
)
from leadsim.calibration.targets import Prior

PRIORS = (Prior("containment", "uniform", 0.2, 1.0), Prior("peer_trust_mean", "uniform", 0.1, 0.8))


def test_the_mixture_density_is_the_weighted_sum_of_gaussians():
    rng = np.random.default_rng(0)
    centres, x = rng.random((7, 2)), rng.random((5, 2))
    weights = rng.random(7)
    weights /= weights.sum()
    cov = np.array([[0.04, 0.01], [0.01, 0.02]])
    expected = sum(
        w * stats.multivariate_normal(c, cov).pdf(x) for w, c in zip(weights, centres, strict=True)
    )
    got = log_mixture_density(x, centres, weights, np.linalg.cholesky(cov))
    np.testing.assert_allclose(np.exp(got), expected, rtol=1e-10)


def test_perturbed_draws_stay_inside_the_priors_and_near_their_parents():
    rng = np.random.default_rng(1)
    draws = np.column_stack([rng.uniform(0.9, 1.0, 50), rng.uniform(0.1, 0.15, 50)])
    population = Population(0, draws, np.zeros(50), rng.random((50, 1)), 1.0, 1.0, 50, 0.0)
    new, log_q = perturb(population, PRIORS, rng, 2000)
    assert new.shape == (2000, 2)
    assert np.all((new[:, 0] >= 0.2) & (new[:, 0] <= 1.0))
    assert np.all((new[:, 1] >= 0.1) & (new[:, 1] <= 0.8))
    assert abs(new[:, 0].mean() - 0.93) < 0.05
    assert np.all(np.isfinite(log_q))


def test_weights_count_the_share_of_replicates_within_the_threshold():
    distances = np.array([[0.1, 0.2, 5.0, 5.0], [0.1, 0.1, 0.1, 0.1], [9.0, 9.0, 9.0, 9.0]])
    weights = importance_weights(np.zeros(3), distances, 1.0)
    np.testing.assert_allclose(weights, [1 / 3, 2 / 3, 0.0])
    assert threshold(distances, 2) == pytest.approx(0.1)


def test_weighted_quantiles_match_the_unweighted_ones_for_equal_weights():
    values = np.random.default_rng(2).normal(size=20_000)
    weights = np.ones_like(values)
    low, high = credible_interval(values, weights, 0.9)
    assert low == pytest.approx(-1.645, abs=0.05)
    assert high == pytest.approx(1.645, abs=0.05)
    doubled = np.where(values > 0, 3.0, 1.0)  # three times the weight above 0
    assert weighted_quantile(values, doubled, 0.25) == pytest.approx(0.0, abs=0.03)


def test_a_draws_weight_is_its_importance_times_its_share_of_replicates_within_epsilon():
    distances = np.array(
        [
            [0.1, 0.2, 0.3, 0.4],  # all four replicates within 0.45
            [0.1, 0.9, 0.9, 0.9],  # one of four
            [0.3, 0.4, 0.9, 0.9],  # two of four
        ]
    )
    log_importance = np.log([1.0, 2.0, 1.0])
    weights = importance_weights(log_importance, distances, epsilon=0.45)
    raw = np.array([1.0 * 4 / 4, 2.0 * 1 / 4, 1.0 * 2 / 4])
    assert weights == pytest.approx(raw / raw.sum())


def test_the_threshold_keeps_the_closest_draws():
    distances = np.array([[4.0, 9.0], [1.0, 7.0], [3.0, 0.5], [2.0, 8.0]])  # closest: 4, 1, 0.5, 2
    assert threshold(distances, kept=2) == 1.0  # the two closest: 0.5 and 1
    assert threshold(distances, kept=3) == 2.0
    assert threshold(distances, kept=10) == 4.0  # more than there are: all of them

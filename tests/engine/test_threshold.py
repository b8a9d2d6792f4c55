"""Take-up with only social proof, at infinite sharpness, is Granovetter's threshold model.

``p = σ(β·(γ·L̄ − θ))`` with authority, trust, anxiety and dependency switched off;
as β → ∞ this is 1 where γ·L̄ > θ and 0 where γ·L̄ < θ (on the boundary, σ(∞·0) is undefined).
"""

from __future__ import annotations

import numpy as np
import pytest

from leadsim.engine import rules
from leadsim.engine.network import block_adjacency, organisation_edges
from leadsim.params import Parameters


def takeup_social_only(share, threshold, gamma):
    n = np.broadcast(share, threshold).shape
    zeros = np.zeros(n)
    return rules.takeup_probability(
        authority=zeros,
        social_proof_share=share,
        trust=np.full(n, 0.8),  # values present, weights 0
        anxiety=zeros,
        dependency=np.full(n, 0.6),
        threshold=threshold,
        sharpness=np.inf,
        proof_weight=gamma,
        trust_weight=0.0,
        dependency_weight=0.0,
    )


def granovetter(adjacency_lists, led, threshold, gamma):
    """Direct threshold rule: active iff γ·(share of neighbours who led) > θ."""
    out = np.empty(len(adjacency_lists))
    for i, neighbours in enumerate(adjacency_lists):
        share = sum(bool(led[j]) for j in neighbours) / len(neighbours) if neighbours else 0.0
        drive = gamma * share
        out[i] = 1.0 if drive > threshold[i] else 0.0 if drive < threshold[i] else 0.5
    return out


def test_threshold_grid_exact():
    gamma = 0.5
    share, theta = np.meshgrid(np.linspace(0, 1, 9), np.linspace(-0.25, 0.75, 17))
    with np.errstate(invalid="ignore", over="ignore"):
        p = takeup_social_only(share, theta, gamma)
    expected = np.where(gamma * share > theta, 1.0, 0.0)
    # σ(∞·0) at an exact tie is undefined (the model's sharpness is at most 1,000)
    off_tie = gamma * share != theta
    assert np.array_equal(p[off_tie], expected[off_tie])
    assert set(np.unique(p[off_tie])) == {0.0, 1.0} and not off_tie.all()  # ties, and both sides


@pytest.mark.parametrize("seed", range(5))
def test_threshold_random_arrays(seed):
    rng = np.random.default_rng(seed)
    gamma = rng.uniform(0.1, 2.0)
    share = rng.integers(0, 13, 1000) / rng.integers(1, 13, 1000)
    share = np.minimum(share, 1.0)
    theta = rng.normal(0.3, 0.3, 1000)
    p = takeup_social_only(share, theta, gamma)
    assert np.array_equal(p, (gamma * share > theta).astype(float))


@pytest.mark.parametrize("seed", range(3))
def test_threshold_on_a_network_matches_direct_granovetter(seed):
    params = Parameters(n_staff=60, department_size=10, cross_links=2.0)
    i, j = organisation_edges(params, seed)
    adjacency = block_adjacency([(i, j)], np.array([0]), 60)
    degree = np.diff(adjacency.indptr).astype(np.float64)
    lists = [[] for _ in range(60)]
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        lists[a].append(b)
        lists[b].append(a)
    rng = np.random.default_rng(100 + seed)
    gamma = 0.8
    theta = rng.normal(0.3, 0.15, 60)
    led = rng.random(60) < 0.1
    # a cascade: everyone is offered every week and acts exactly when over threshold
    for _week in range(15):
        share = rules.social_proof(adjacency @ led.astype(float), degree)
        p = takeup_social_only(share, theta, gamma)
        expected = granovetter(lists, led, theta, gamma)
        assert np.array_equal(p, expected)
        led = p == 1.0


def test_isolated_person_gets_no_social_proof():
    adjacency = block_adjacency([(np.array([0]), np.array([1]))], np.array([0]), 3)
    degree = np.diff(adjacency.indptr).astype(np.float64)
    share = rules.social_proof(adjacency @ np.ones(3), degree)
    assert np.array_equal(share, [1.0, 1.0, 0.0])
    p = takeup_social_only(share, np.array([0.1, 0.1, -0.1]), 0.4)
    assert np.array_equal(p, [1.0, 1.0, 1.0])  # the isolate acts only on a negative threshold
    p = takeup_social_only(share, np.array([0.1, 0.1, 0.1]), 0.4)
    assert np.array_equal(p, [1.0, 1.0, 0.0])

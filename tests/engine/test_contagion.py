"""Anxiety contagion alone is DeGroot averaging (MODEL.md §4, staff anxiety).

With every other weight 0, ``x ← x + α_c·(neighbour_mean(x) − x)`` on an undirected
network conserves the degree-weighted mean ``Σ dᵢ xᵢ / Σ dᵢ`` (the stationary
distribution of the random walk) and, on a connected network, converges to it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csgraph

from leadsim.engine import rules
from leadsim.engine.network import block_adjacency, organisation_edges
from leadsim.params import Parameters

ALPHA = 0.2


def network(params: Parameters, seed: int):
    edges = organisation_edges(params, seed)
    adjacency = block_adjacency([edges], np.array([0]), params.n_staff)
    degree = np.diff(adjacency.indptr).astype(np.float64)
    return adjacency, degree


def contagion_step(adjacency, degree, x, alpha=ALPHA):
    """The staff-anxiety rule with only the contagion term switched on."""
    n = x.size
    return rules.update_staff_anxiety(
        x,
        rules.neighbour_mean(adjacency @ x, degree, x),
        distribution=np.full(n, 0.7),  # every other input non-zero: their weights must mute them
        role_clarity=np.full(n, 0.2),
        failed=np.ones(n, dtype=bool),
        in_conflict=np.ones(n, dtype=bool),
        pressure=np.full(n, 1.5),
        containment=np.full(n, 0.6),
        trust=np.full(n, 0.6),
        reflecting=np.ones(n, dtype=bool),
        ambiguity=0.0,
        contagion=alpha,
        failure_weight=0.0,
        conflict_weight=0.0,
        pressure_weight=0.0,
        holding=0.0,
        reflection=0.0,
        decay=0.0,
    )


def weighted_mean(x, degree):
    return float(degree @ x / degree.sum())


@pytest.fixture(scope="module")
def connected_sbm():
    params = Parameters(n_staff=40, department_size=10, p_within=0.6, cross_links=3.0)
    adjacency, degree = network(params, seed=2024)
    n_components, _ = csgraph.connected_components(adjacency, directed=False)
    assert n_components == 1, "the test network must be connected"
    assert np.all(degree > 0)
    # unequal degrees, so the degree-weighted and the plain mean differ
    assert degree.min() < degree.max()
    return adjacency, degree


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_degroot_converges_to_degree_weighted_mean(connected_sbm, seed):
    adjacency, degree = connected_sbm
    # anxiety correlated with degree, so the plain mean would be a clearly different answer
    u = np.random.default_rng(seed).uniform(0.0, 1.0, degree.size)
    x = 0.5 * u + 0.5 * degree / degree.max()
    target = weighted_mean(x, degree)
    assert abs(target - x.mean()) > 1e-3
    for _ in range(2000):
        x = contagion_step(adjacency, degree, x)
    assert np.max(np.abs(x - target)) < 1e-6


def test_degroot_conserves_degree_weighted_mean_every_step(connected_sbm):
    adjacency, degree = connected_sbm
    x = np.random.default_rng(7).uniform(0.0, 1.0, degree.size)
    target = weighted_mean(x, degree)
    for _ in range(300):
        x = contagion_step(adjacency, degree, x)
        assert weighted_mean(x, degree) == pytest.approx(target, abs=1e-12)


def test_degroot_spread_shrinks_monotonically(connected_sbm):
    adjacency, degree = connected_sbm
    x = np.random.default_rng(3).uniform(0.0, 1.0, degree.size)
    for _ in range(200):
        new = contagion_step(adjacency, degree, x)
        # a convex combination of neighbours: the range can only shrink
        assert new.max() <= x.max() + 1e-15
        assert new.min() >= x.min() - 1e-15
        x = new


def test_degroot_on_two_components_converges_per_component():
    params = Parameters(n_staff=20, department_size=10, p_within=0.7, cross_links=0.0)
    adjacency, degree = network(params, seed=5)
    n_components, labels = csgraph.connected_components(adjacency, directed=False)
    assert n_components == 2 and np.all(degree > 0)
    x = np.random.default_rng(11).uniform(0.0, 1.0, 20)
    targets = {c: weighted_mean(x[labels == c], degree[labels == c]) for c in (0, 1)}
    for _ in range(2000):
        x = contagion_step(adjacency, degree, x)
    for c, target in targets.items():
        assert np.max(np.abs(x[labels == c] - target)) < 1e-6


def test_isolated_person_is_not_moved_by_contagion():
    params = Parameters(n_staff=21, department_size=10, p_within=0.8, cross_links=0.0)
    adjacency, degree = network(params, seed=1)
    assert degree[20] == 0  # a department of one
    x = np.random.default_rng(2).uniform(0.0, 1.0, 21)
    before = x[20]
    for _ in range(50):
        x = contagion_step(adjacency, degree, x)
    assert x[20] == before

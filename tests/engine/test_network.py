"""Collegial networks (MODEL.md §2): departments, SBM, Watts–Strogatz, batch block diagonal."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from leadsim.engine import Engine, RunSpec
from leadsim.engine.network import block_adjacency, departments, organisation_edges
from leadsim.params import Parameters

ALPHA = 1e-3  # significance level of the binomial checks (fixed seeds: deterministic)


def degrees(i, j, n):
    return np.bincount(np.concatenate([i, j]), minlength=n)


def test_departments_consecutive_blocks_with_remainder():
    assert np.array_equal(departments(23, 10), [0] * 10 + [1] * 10 + [2] * 3)
    assert np.array_equal(departments(6, 2), [0, 0, 1, 1, 2, 2])
    assert np.array_equal(departments(5, 10), [0] * 5)


@pytest.mark.parametrize(
    "params",
    [
        Parameters(n_staff=60),
        Parameters(n_staff=123, department_size=7, cross_links=4.0),
        Parameters(n_staff=50, network_model="watts_strogatz", ws_rewire=0.5),
        Parameters(n_staff=30, department_size=5, p_within=1.0, cross_links=20.0),
    ],
)
def test_edges_have_no_self_loops_or_duplicates(params):
    i, j = organisation_edges(params, 42)
    n = params.n_staff
    assert i.dtype.kind == "i" and j.dtype.kind == "i"
    assert np.all((i >= 0) & (i < n) & (j >= 0) & (j < n))
    assert np.all(i < j)  # no self-loop, one orientation per link
    assert np.unique(i * n + j).size == i.size  # no duplicates


def test_block_adjacency_is_symmetric_binary_and_matches_degrees():
    params = Parameters(n_staff=80, cross_links=3.0)
    i, j = organisation_edges(params, 3)
    adjacency = block_adjacency([(i, j)], np.array([0]), 80)
    assert (adjacency != adjacency.T).nnz == 0
    assert np.all(adjacency.data == 1.0)  # no duplicate summed into a 2
    assert adjacency.diagonal().sum() == 0
    assert np.array_equal(np.diff(adjacency.indptr), degrees(i, j, 80))


@pytest.fixture(scope="module")
def large_sbm():
    params = Parameters(n_staff=2000, department_size=10, p_within=0.6, cross_links=1.5)
    i, j = organisation_edges(params, 20_240_601)
    return params, i, j


def test_sbm_within_department_link_share_is_p_within(large_sbm):
    params, i, j = large_sbm
    dept = departments(params.n_staff, params.department_size)
    within = int(np.sum(dept[i] == dept[j]))
    pairs = (params.n_staff // params.department_size) * math.comb(params.department_size, 2)
    assert pairs == 9000
    result = stats.binomtest(within, pairs, params.p_within)
    assert result.pvalue > ALPHA, (within / pairs, result.pvalue)


def test_sbm_mean_cross_department_degree_is_cross_links(large_sbm):
    params, i, j = large_sbm
    n, size = params.n_staff, params.department_size
    dept = departments(n, size)
    cross = int(np.sum(dept[i] != dept[j]))
    pairs = (n * n - (n // size) * size * size) // 2
    p_cross = params.cross_links / (n - size)
    # the number of cross links is Binomial(pairs, p_cross)
    assert stats.binomtest(cross, pairs, p_cross).pvalue > ALPHA
    mean_degree = 2 * cross / n
    sd = 2 * math.sqrt(pairs * p_cross * (1 - p_cross)) / n
    assert abs(mean_degree - params.cross_links) < 4 * sd, (mean_degree, sd)


def test_sbm_cross_links_spread_over_departments(large_sbm):
    params, i, j = large_sbm
    dept = departments(params.n_staff, params.department_size)
    cross = dept[i] != dept[j]
    per_dept = np.bincount(np.concatenate([dept[i[cross]], dept[j[cross]]]), minlength=200)
    # each department's cross-link ends ~ Poisson(10·1.5 = 15): a chi-square dispersion check
    expected = per_dept.mean()
    chi2 = float(np.sum((per_dept - expected) ** 2) / expected)
    assert stats.chi2.sf(chi2, per_dept.size - 1) > ALPHA
    assert stats.chi2.cdf(chi2, per_dept.size - 1) > ALPHA


def test_sbm_extremes():
    full = Parameters(n_staff=30, department_size=10, p_within=1.0, cross_links=0.0)
    i, j = organisation_edges(full, 1)
    assert i.size == 3 * 45 and np.all(degrees(i, j, 30) == 9)
    empty = Parameters(n_staff=30, department_size=10, p_within=0.0, cross_links=0.0)
    i, j = organisation_edges(empty, 1)
    assert i.size == 0


def test_same_seed_same_network_other_seed_differs():
    params = Parameters(n_staff=200, cross_links=2.0)
    a, b = organisation_edges(params, 9), organisation_edges(params, 9)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    c = organisation_edges(params, 10)
    assert a[0].size != c[0].size or not np.array_equal(a[0] * 200 + a[1], c[0] * 200 + c[1])


def test_batch_adjacency_is_block_diagonal():
    runs = [
        RunSpec(Parameters(n_staff=30, cross_links=5.0), seed=1, organisations=3),
        RunSpec(Parameters(n_staff=17, department_size=4, cross_links=8.0), seed=2),
        RunSpec(Parameters(n_staff=25, network_model="watts_strogatz", ws_rewire=1.0), seed=3),
    ]
    engine = Engine(runs)
    adjacency = engine.adjacency
    rows = np.repeat(np.arange(engine.n_staff), np.diff(adjacency.indptr))
    cols = adjacency.indices
    assert np.array_equal(engine.org[rows], engine.org[cols])  # no link between organisations
    assert (adjacency != adjacency.T).nnz == 0
    assert adjacency.nnz > 0
    # the first organisation of each run is its network built from the run's seed
    for o in np.flatnonzero(engine.org_local == 0):
        start, size = int(engine.org_start[o]), int(engine.org_size[o])
        run = runs[int(engine.org_run[o])]
        alone = block_adjacency([organisation_edges(run.params, run.seed)], np.array([0]), size)
        assert (adjacency[start : start + size, start : start + size] != alone).nnz == 0


def test_block_adjacency_offsets():
    e1 = (np.array([0, 1]), np.array([1, 2]))
    e2 = (np.array([0]), np.array([1]))
    adjacency = block_adjacency([e1, e2], np.array([0, 3]), 5).toarray()
    expected = np.zeros((5, 5))
    for a, b in [(0, 1), (1, 2), (3, 4)]:
        expected[a, b] = expected[b, a] = 1
    assert np.array_equal(adjacency, expected)


# --- Watts–Strogatz ----------------------------------------------------------------------------


def ws(n, size, k, rewire=0.0, cross=0.0):
    return Parameters(
        n_staff=n,
        department_size=size,
        network_model="watts_strogatz",
        ws_neighbours=k,
        ws_rewire=rewire,
        cross_links=cross,
    )


@pytest.mark.parametrize(("n", "size", "k"), [(20, 5, 4), (60, 10, 4), (48, 12, 6), (30, 3, 2)])
def test_ws_ring_lattice_has_exactly_k_neighbours_in_department(n, size, k):
    i, j = organisation_edges(ws(n, size, k), 5)
    assert np.all(degrees(i, j, n) == k)
    dept = departments(n, size)
    assert np.all(dept[i] == dept[j])
    # ring distance within the department at most k/2
    local_i, local_j = i % size, j % size
    distance = np.minimum((local_j - local_i) % size, (local_i - local_j) % size)
    assert np.all((distance >= 1) & (distance <= k // 2))


@pytest.mark.parametrize(("n", "size", "k"), [(20, 5, 4), (60, 10, 4), (33, 10, 2), (23, 10, 6)])
def test_ws_without_rewiring_everyone_in_a_department_of_three_or_more_is_linked(n, size, k):
    i, j = organisation_edges(ws(n, size, k), 5)
    dept = departments(n, size)
    big = np.bincount(dept)[dept] >= 3
    assert np.all(degrees(i, j, n)[big] >= 1)


@pytest.mark.parametrize(("n", "size", "k"), [(12, 2, 2), (22, 10, 4)])
def test_ws_without_rewiring_every_node_has_a_neighbour(n, size, k):
    i, j = organisation_edges(ws(n, size, k), 5)
    assert np.all(degrees(i, j, n) >= 1)


def test_ws_small_even_department_is_complete_ring_lattice():
    i, j = organisation_edges(ws(12, 4, 4), 5)
    assert np.all(degrees(i, j, 12) == 3)


def test_ws_rewiring_keeps_links_in_department_and_count():
    n, size, k = 200, 20, 6
    i0, j0 = organisation_edges(ws(n, size, k, rewire=0.0), 8)
    i1, j1 = organisation_edges(ws(n, size, k, rewire=0.3), 8)
    dept = departments(n, size)
    assert np.all(dept[i1] == dept[j1])
    assert i1.size <= i0.size == n * k // 2
    assert i1.size > 0.9 * i0.size  # only the odd rewired duplicate is lost
    changed = set(zip(i0.tolist(), j0.tolist(), strict=True)) ^ set(
        zip(i1.tolist(), j1.tolist(), strict=True)
    )
    assert changed  # rewiring did something


def test_a_batch_of_block_models_is_built_as_each_organisation_alone():
    """The compiled batch builder gives every organisation exactly its organisation_edges."""
    runs = [
        RunSpec(Parameters(n_staff=60, cross_links=1.5), seed=1, organisations=2),
        RunSpec(Parameters(n_staff=5, department_size=10), seed=2),
        RunSpec(Parameters(n_staff=37, department_size=6, p_within=0.3, cross_links=4.0), seed=3),
        RunSpec(Parameters(n_staff=12, department_size=3, p_within=1.0, cross_links=8.0), seed=4),
        RunSpec(Parameters(n_staff=40, cross_links=0.0), seed=5, organisations=3),
    ]
    engine = Engine(runs)
    edges = []
    for o in range(engine.n_org):
        key = int(engine.seeds[engine.org_run[o]]) ^ (int(engine.org_local[o]) * 0x9E3779B97F4A7C15)
        edges.append(organisation_edges(engine.p.per_org[o], key & 0xFFFFFFFFFFFFFFFF))
    expected = block_adjacency(edges, engine.org_start, engine.n_staff)
    assert np.array_equal(engine.adjacency.indptr, expected.indptr)
    assert np.array_equal(engine.adjacency.indices, expected.indices)
    assert engine.adjacency.nnz > 0

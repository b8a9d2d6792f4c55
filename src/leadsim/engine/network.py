"""Collegial networks: departments as communities, one block-diagonal matrix for a batch.

Staff are placed in departments of ``department_size`` in index order. Within a
department colleagues are linked as a stochastic block model (each pair with
``p_within``) or as a Watts–Strogatz ring (``ws_neighbours``, ``ws_rewire``). Between
departments the number of links is Binomial(cross pairs, p_cross) with
``p_cross = cross_links / (n_staff − department_size)``, and that many distinct pairs
are drawn uniformly: the stochastic block model exactly, in O(links) rather than O(n²).
Every draw is keyed by the organisation's seed (:mod:`leadsim.engine.random`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from scipy import sparse, special

from leadsim.engine.kernels import jit
from leadsim.engine.random import (
    Purpose,
    agent_keys,
    stream_base,
    stream_base_one,
    uniform,
    uniform_one,
)
from leadsim.params import Parameters

_GAMMA = np.uint64(0x9E3779B97F4A7C15)  # agent key k is (k + 1)·γ, as in random.agent_keys


def _uniforms(seed: int, purpose: Purpose, keys: np.ndarray, round_: int = 0) -> np.ndarray:
    base = stream_base(np.array([seed], dtype=np.uint64), round_, purpose)
    return uniform(base, agent_keys(keys))


def departments(n_staff: int, department_size: int) -> np.ndarray:
    """Department of each staff member: consecutive blocks of ``department_size``."""
    return np.arange(n_staff) // department_size


def binomial_quantile(u: float, trials: int, p: float) -> int:
    """The smallest k with P(Binomial(trials, p) ≤ k) ≥ u: a Binomial draw from one uniform."""
    if p <= 0.0 or trials == 0:
        return 0
    if p >= 1.0:
        return trials
    cdf = _binomial_cdf(trials, p)
    return int(min(np.searchsorted(cdf, u, side="left"), cdf.size - 1))


@functools.lru_cache(maxsize=64)
def _binomial_cdf(trials: int, p: float) -> np.ndarray:
    """P(Binomial(trials, p) ≤ k) for k up to 12 sd above the mean.

    The organisations of a batch mostly share it, so it is computed once.
    """
    mean, sd = trials * p, np.sqrt(trials * p * (1.0 - p))
    k = np.arange(0, min(trials, int(mean + 12.0 * sd + 10.0)) + 1)
    cdf = special.bdtr(k, trials, p)
    cdf.flags.writeable = False
    return cdf


@jit
def _uniform_at(seed, purpose, key):
    """The uniform of one key in the (seed, round 0, purpose) stream."""
    base = stream_base_one(seed, np.uint64(0), np.uint64(purpose))
    return uniform_one(base, np.uint64(key + 1) * _GAMMA)


@jit
def _within_sbm(n, size, p_within, seed):
    """Each pair (i, i + offset) of a department is linked if its uniform, key ``i·size + offset``, is below p."""
    base = stream_base_one(np.uint64(seed), np.uint64(0), np.uint64(Purpose.NET_WITHIN))
    heads, tails = [], []
    for i in range(n):
        end = min(n, (i // size + 1) * size)  # the department's end
        for j in range(i + 1, end):
            key = np.uint64(i * size + (j - i) + 1) * _GAMMA
            if uniform_one(base, key) < p_within:
                heads.append(i)
                tails.append(j)
    return np.array(heads, dtype=np.int64), np.array(tails, dtype=np.int64)


def _within_watts_strogatz(
    n: int, size: int, neighbours: int, rewire: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    dept = departments(n, size)
    start = dept * size
    dept_len = np.minimum(size, n - start)
    heads, tails, keys = [], [], []
    for s in range(1, neighbours // 2 + 1):
        i = np.arange(n)
        m = dept_len
        ok = (
            m > s
        )  # in a small ring the s-th neighbour either side may coincide: deduplicated later
        i, m, st = i[ok], m[ok], start[ok]
        j = st + (i - st + s) % m
        heads.append(i)
        tails.append(j)
        keys.append(i * size + s)
    if not heads:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    i, j, k = np.concatenate(heads), np.concatenate(tails), np.concatenate(keys)
    moved = _uniforms(seed, Purpose.NET_REWIRE, k) < rewire
    m = dept_len[i[moved]]
    # a new end uniformly among the department's other members
    r = np.floor(_uniforms(seed, Purpose.NET_REWIRE_TARGET, k[moved]) * (m - 1)).astype(np.int64)
    local_i = i[moved] - start[i[moved]]
    j = j.copy()
    j[moved] = start[i[moved]] + np.where(r >= local_i, r + 1, r)
    return i, j


def _cross_link_count(n: int, size: int, cross_links: float, seed: int) -> int:
    """How many links cross departments: Binomial(cross pairs, p_cross), from one uniform."""
    if n <= size or cross_links <= 0:
        return 0
    full, rest = divmod(n, size)
    pairs = (n * n - full * size * size - rest * rest) // 2
    p_cross = min(1.0, cross_links / (n - size))
    u = _uniform_at(np.uint64(seed), int(Purpose.NET_CROSS_COUNT), 0)
    return binomial_quantile(u, pairs, p_cross)


def _cross_links(n: int, size: int, cross_links: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    wanted = _cross_link_count(n, size, cross_links, seed)
    return _distinct_cross_pairs(n, size, wanted, np.uint64(seed))


@jit
def _distinct_cross_pairs(n, size, wanted, seed):
    """The first ``wanted`` distinct pairs (i < j) in different departments, in draw order.

    Pairs are drawn in rounds of 2·(still wanted) + 16; a round's k-th pair is
    ``(⌊u_I·n⌋, ⌊u_J·n⌋)`` with the round as the streams' step.
    """
    found_i = np.empty(wanted, np.int64)
    found_j = np.empty(wanted, np.int64)
    seen = set()
    found = 0
    round_ = 0
    while found < wanted:
        base_i = stream_base_one(seed, np.uint64(round_), np.uint64(Purpose.NET_CROSS_I))
        base_j = stream_base_one(seed, np.uint64(round_), np.uint64(Purpose.NET_CROSS_J))
        for k in range(2 * (wanted - found) + 16):
            key = np.uint64(k + 1) * _GAMMA
            i = np.int64(np.floor(uniform_one(base_i, key) * n))
            j = np.int64(np.floor(uniform_one(base_j, key) * n))
            if i // size == j // size:
                continue
            lo, hi = min(i, j), max(i, j)
            code = lo * n + hi
            if code in seen:
                continue
            seen.add(code)
            found_i[found] = lo
            found_j[found] = hi
            found += 1
            if found == wanted:
                break
        round_ += 1
    return found_i, found_j


def organisation_edges(params: Parameters, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Undirected links of one organisation as (i, j) local indices, i != j, no duplicates."""
    n, size = params.n_staff, params.department_size
    if params.network_model == "watts_strogatz":
        wi, wj = _within_watts_strogatz(n, size, params.ws_neighbours, params.ws_rewire, seed)
    else:
        wi, wj = _within_sbm(n, size, params.p_within, np.uint64(seed))
    ci, cj = _cross_links(n, size, params.cross_links, seed)
    return _distinct_links(n, wi, wj, ci, cj)


@jit
def _distinct_links(n, wi, wj, ci, cj):
    """Both kinds of link as (i < j) pairs, sorted, without self-links or duplicates."""
    i, j = np.concatenate((wi, ci)), np.concatenate((wj, cj))
    keep = i != j
    lo, hi = np.minimum(i[keep], j[keep]), np.maximum(i[keep], j[keep])
    code = np.unique(lo * n + hi)
    return code // n, code % n


def batch_adjacency(
    per_org: Sequence[Parameters], seeds: Sequence[int], offsets: np.ndarray, n_total: int
) -> sparse.csr_array:
    """The block-diagonal adjacency of many organisations at once (each as organisation_edges).

    Stochastic block models are built in one compiled call for the whole batch; any
    Watts–Strogatz organisation goes through :func:`organisation_edges`.
    """
    sbm = [prm.network_model != "watts_strogatz" for prm in per_org]
    if not all(sbm):
        edges = [organisation_edges(prm, seed) for prm, seed in zip(per_org, seeds, strict=True)]
        return block_adjacency(edges, offsets, n_total)
    n = np.array([prm.n_staff for prm in per_org], dtype=np.int64)
    size = np.array([prm.department_size for prm in per_org], dtype=np.int64)
    p_within = np.array([prm.p_within for prm in per_org], dtype=np.float64)
    wanted = np.array(
        [
            _cross_link_count(prm.n_staff, prm.department_size, prm.cross_links, seed)
            for prm, seed in zip(per_org, seeds, strict=True)
        ],
        dtype=np.int64,
    )
    lo, hi = _sbm_batch(n, size, p_within, wanted, np.array(seeds, dtype=np.uint64), offsets)
    index_dtype = np.int32 if max(n_total, 2 * lo.size) < 2**31 - 1 else np.int64
    indptr, indices = _csr_of_sorted_pairs(n_total, lo, hi, np.zeros(1, dtype=index_dtype))
    data = np.ones(indices.size, dtype=np.int8)  # a link is a 1: one byte, not eight
    return sparse.csr_array((data, indices, indptr), shape=(n_total, n_total))


@jit
def _sbm_batch(n, size, p_within, wanted, seeds, offsets):
    """Each organisation's links exactly as :func:`organisation_edges` gives them, offset, in order."""
    parts_lo, parts_hi = [], []
    total = 0
    for o in range(n.size):
        wi, wj = _within_sbm(n[o], size[o], p_within[o], seeds[o])
        ci, cj = _distinct_cross_pairs(n[o], size[o], wanted[o], seeds[o])
        lo, hi = _distinct_links(n[o], wi, wj, ci, cj)
        parts_lo.append(lo + offsets[o])
        parts_hi.append(hi + offsets[o])
        total += lo.size
    all_lo = np.empty(total, np.int64)
    all_hi = np.empty(total, np.int64)
    at = 0
    for k in range(len(parts_lo)):
        m = parts_lo[k].size
        all_lo[at : at + m] = parts_lo[k]
        all_hi[at : at + m] = parts_hi[k]
        at += m
    return all_lo, all_hi


def block_adjacency(
    edges: Sequence[tuple[np.ndarray, np.ndarray]], offsets: np.ndarray, n_total: int
) -> sparse.csr_array:
    """One symmetric CSR adjacency matrix for all organisations (block diagonal).

    ``edges`` holds each organisation's undirected links as (i, j) local indices; each
    row of the result lists its neighbours in increasing order.
    """
    index_dtype = (
        np.int32 if max(n_total, 2 * sum(e[0].size for e in edges)) < 2**31 - 1 else np.int64
    )
    if edges:
        lo = np.concatenate(
            [np.minimum(i, j) + off for (i, j), off in zip(edges, offsets, strict=True)]
        )
        hi = np.concatenate(
            [np.maximum(i, j) + off for (i, j), off in zip(edges, offsets, strict=True)]
        )
    else:
        lo = hi = np.empty(0, np.int64)
    if lo.size > 1 and not _sorted_pairs(lo, hi):
        code = np.unique(lo * n_total + hi)
        lo, hi = code // n_total, code % n_total
    indptr, indices = _csr_of_sorted_pairs(n_total, lo, hi, np.zeros(1, dtype=index_dtype))
    data = np.ones(indices.size, dtype=np.int8)  # a link is a 1: one byte, not eight
    return sparse.csr_array((data, indices, indptr), shape=(n_total, n_total))


@jit
def _sorted_pairs(lo, hi):
    """Whether the pairs are distinct and in increasing (lo, hi) order."""
    for k in range(1, lo.size):
        if lo[k] < lo[k - 1] or (lo[k] == lo[k - 1] and hi[k] <= hi[k - 1]):
            return False
    return True


@jit
def _csr_of_sorted_pairs(n, lo, hi, like):
    """CSR arrays of the symmetric matrix of pairs (lo < hi) sorted by (lo, hi), in O(links).

    A row's neighbours below it come from the pairs where it is ``hi`` (in increasing
    ``lo``), those above from the pairs where it is ``lo`` (in increasing ``hi``): filling
    the first kind, then the second, leaves every row sorted with no sort.
    """
    indptr = np.zeros(n + 1, dtype=like.dtype)
    for k in range(lo.size):
        indptr[lo[k] + 1] += 1
        indptr[hi[k] + 1] += 1
    for r in range(n):
        indptr[r + 1] += indptr[r]
    fill = indptr[:-1].copy()
    indices = np.empty(2 * lo.size, dtype=like.dtype)
    for k in range(lo.size):  # neighbours below
        indices[fill[hi[k]]] = lo[k]
        fill[hi[k]] += 1
    for k in range(lo.size):  # neighbours above
        indices[fill[lo[k]]] = hi[k]
        fill[lo[k]] += 1
    return indptr, indices

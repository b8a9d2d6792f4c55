"""Counter-based randomness (MODEL.md §8): uniform, independent, a pure function of its keys."""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import stats

from leadsim.engine import Engine, RunSpec, kernels
from leadsim.engine.random import (
    Purpose,
    agent_keys,
    draw_uniform,
    stream_base,
    to_beta,
    to_normal,
    uniform,
    uniform_one,
)
from leadsim.params import Parameters

N = 100_000
SEED = 20_240_917
CORR_LIMIT = 5.0 / np.sqrt(N)  # five standard errors of a correlation under independence


def stream(seed=SEED, step=0, purpose=Purpose.OFFER, n=N, first=0):
    base = stream_base(np.array([seed], dtype=np.uint64), step, purpose)
    return uniform(base, agent_keys(np.arange(first, first + n)))


def test_uniforms_in_half_open_unit_interval():
    u = stream()
    assert u.dtype == np.float64 and u.shape == (N,)
    assert u.min() >= 0.0 and u.max() < 1.0
    # 53-bit resolution: values are multiples of 2^-53
    assert np.all(u * 2.0**53 == np.floor(u * 2.0**53))


def test_uniforms_pass_kolmogorov_smirnov():
    u = stream()
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_uniform_mean_and_variance():
    u = stream(purpose=Purpose.TAKEUP, step=17)
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / N)
    # the sample variance's sd is sqrt((1/80 − 1/144)/N)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt((1 / 80 - 1 / 144) / N)


@pytest.mark.parametrize("purpose", list(Purpose))
def test_every_purpose_is_uniform(purpose):
    u = stream(purpose=purpose, n=20_000, step=3)
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_high_bits_of_seed_and_step_work():
    u = stream(seed=2**64 - 1, step=2**40, n=20_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def corr(a, b):
    return float(np.corrcoef(a, b)[0, 1])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"purpose": Purpose.OFFER}, {"purpose": Purpose.TAKEUP}),
        ({"purpose": Purpose.SUCCESS}, {"purpose": Purpose.COLLIDE}),
        ({"purpose": Purpose.MEET}, {"purpose": Purpose.RESOLVE}),
        ({"purpose": Purpose.TRUST}, {"purpose": Purpose.ANXIETY}),
        ({"step": 0}, {"step": 1}),
        ({"step": 5}, {"step": 6}),
        ({"seed": SEED}, {"seed": SEED + 1}),
        ({"seed": 0}, {"seed": 1}),
        ({"first": 0}, {"first": 1}),  # neighbouring agents in one stream
        ({"first": 0}, {"first": N}),
    ],
)
def test_streams_are_uncorrelated(a, b):
    u, v = stream(**a), stream(**b)
    assert abs(corr(u, v)) < CORR_LIMIT
    # also no rank association and no shared values
    assert abs(stats.spearmanr(u, v).statistic) < CORR_LIMIT
    assert np.mean(u == v) < 1e-3


def test_consecutive_steps_of_one_agent_are_uncorrelated():
    steps = np.array([stream(step=t, n=2000)[:] for t in range(60)])  # (step, agent)
    # lag-1 correlation along steps, pooled over agents
    assert abs(corr(steps[:-1].ravel(), steps[1:].ravel())) < 5 / np.sqrt(steps[1:].size)


def test_values_depend_only_on_seed_step_agent_purpose():
    seeds = np.array([11, 22, 33], dtype=np.uint64)
    # agents listed in any order, in any company, draw the same numbers
    run_of = np.array([0, 0, 1, 2, 2, 2, 1])
    local = np.array([0, 5, 3, 2, 0, 7, 0])
    together = draw_uniform(seeds, 9, Purpose.SUCCESS, run_of, local)
    for k in range(run_of.size):
        alone = draw_uniform(seeds[[run_of[k]]], 9, Purpose.SUCCESS, np.array([0]), local[[k]])
        assert together[k] == alone[0]
    shuffled = np.random.default_rng(0).permutation(run_of.size)
    again = draw_uniform(seeds, 9, Purpose.SUCCESS, run_of[shuffled], local[shuffled])
    assert np.array_equal(again, together[shuffled])
    # a prefix of a stream is the stream's start, whatever its length
    assert np.array_equal(stream(n=10), stream(n=1000)[:10])


def test_each_key_changes_the_value():
    base = draw_uniform(np.array([5], np.uint64), 3, Purpose.OFFER, np.array([0]), np.array([4]))
    variants = [
        draw_uniform(np.array([6], np.uint64), 3, Purpose.OFFER, np.array([0]), np.array([4])),
        draw_uniform(np.array([5], np.uint64), 4, Purpose.OFFER, np.array([0]), np.array([4])),
        draw_uniform(np.array([5], np.uint64), 3, Purpose.TAKEUP, np.array([0]), np.array([4])),
        draw_uniform(np.array([5], np.uint64), 3, Purpose.OFFER, np.array([0]), np.array([5])),
    ]
    for v in variants:
        assert v[0] != base[0]


def test_repeated_calls_are_identical():
    assert np.array_equal(stream(step=4), stream(step=4))


def test_engine_draws_are_the_keyed_draws():
    runs = [
        RunSpec(Parameters(n_staff=20), seed=101),
        RunSpec(Parameters(n_staff=13), seed=202, organisations=2),
    ]
    engine = Engine(runs)
    engine.run(3)
    drawn = engine._draw(Purpose.OFFER)
    expected = draw_uniform(
        engine.seeds, engine.t, Purpose.OFFER, engine.run_of_staff, engine.local_index
    )
    assert np.array_equal(drawn, expected)
    # staff of the second run are numbered 0..25 across its two organisations
    assert np.array_equal(engine.local_index[20:], np.arange(26))
    single = Engine([runs[1]])
    single.run(3)
    assert np.array_equal(single._draw(Purpose.OFFER), drawn[20:])


def test_to_normal_and_to_beta_follow_their_distributions():
    u = stream(purpose=Purpose.TRUST, n=50_000)
    assert stats.kstest(to_normal(u, 0.6, 0.1), stats.norm(0.6, 0.1).cdf).pvalue > 1e-3
    assert stats.kstest(to_beta(u, 4.0, 4.0), stats.beta(4.0, 4.0).cdf).pvalue > 1e-3
    assert np.all(np.isfinite(to_normal(np.array([0.0, 1.0 - 2**-53]), 0.0, 1.0)))


# --- the compiled loops draw the very same bits ---------------------------------------------


@numba.njit
def _uniforms_one_by_one(base, keys):
    out = np.empty(keys.size)
    for i in range(keys.size):
        out[i] = uniform_one(base, keys[i])
    return out


def test_compiled_stream_bases_and_uniforms_are_the_numpy_bits():
    seeds = np.array([0, 1, SEED, 2**63 + 12_345, 2**64 - 1], dtype=np.uint64)
    purposes = np.array(kernels.STEP_PURPOSES, dtype=np.uint64)
    keys = agent_keys(np.arange(5_000))
    for step in (0, 1, 155, 10**9):
        bases = np.empty((seeds.size, purposes.size), dtype=np.uint64)
        kernels.step_bases(seeds, step, purposes, bases)
        assert np.array_equal(bases, stream_base(seeds[:, None], step, purposes[None, :]))
        for base in bases[:, 0]:
            compiled = _uniforms_one_by_one(base, keys)
            assert np.array_equal(compiled, uniform(np.array(base), keys))


def test_compiled_kernels_are_cached_under_a_key_of_the_rules_source(monkeypatch):
    """Editing a rule must not bring back a kernel compiled from the old rule."""
    before = kernels._cache_dir()
    real_read = Path.read_bytes

    def edited(path):
        data = real_read(path)
        return data + b"\n# an edited rule\n" if path.name == "rules.py" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert kernels._cache_dir() != before

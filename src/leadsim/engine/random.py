"""Counter-based randomness: every number is a pure function of (seed, step, agent, purpose).

A run therefore draws the same numbers alone, inside a batch of thousands, on one
core or on a cluster, and any run of a sweep can be replayed alone. The generator is
SplitMix64 (Steele, Lea and Flood 2014): the stream of (seed, purpose, step) starts at
``base = mix(mix(seed ^ purpose·K) + step·K')`` and agent ``k`` gets its ``k``-th
output, ``mix(base + (k + 1)·γ)``. One call draws for the whole batch in a handful of
uint64 array operations.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numba.extending import register_jitable
from scipy import special

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_K_PURPOSE = np.uint64(0xD1B54A32D192ED03)
_K_STEP = np.uint64(0xAEF17502108EF2D9)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53


class Purpose(IntEnum):
    """What a random number is for; each purpose is an independent stream."""

    OFFER = 1
    TAKEUP = 2
    SUCCESS = 3
    MEET = 4
    COLLIDE = 5
    RESOLVE = 6
    ATTEND = 7
    ROLE = 101
    EXPERTISE = 102
    AUTHORITY = 103
    TRUST = 104
    PEER_TRUST = 105
    ANXIETY = 106
    DEPENDENCY = 107
    THRESHOLD = 108
    NET_WITHIN = 201
    NET_CROSS_COUNT = 202
    NET_CROSS_I = 203
    NET_CROSS_J = 204
    NET_REWIRE = 205
    NET_REWIRE_TARGET = 206


def mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser over a uint64 array (wrapping arithmetic), on a copy."""
    z = np.array(z, dtype=np.uint64, copy=True)
    return mix_one(z)  # on an array, mix_one's augmented assignments work in place


def stream_base(seeds: np.ndarray, step: int, purpose: Purpose | np.ndarray) -> np.ndarray:
    """The start of each run's stream for one (step, purpose): one uint64 per run.

    ``purpose`` may be an array that broadcasts against ``seeds`` (several streams at once).
    """
    seeds = np.asarray(seeds, dtype=np.uint64)
    purposes = np.asarray(purpose, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = mix(seeds ^ (purposes * _K_PURPOSE))
        return mix(z + np.uint64(step & 0xFFFFFFFFFFFFFFFF) * _K_STEP)


def agent_keys(local_index: np.ndarray) -> np.ndarray:
    """Each agent's offset in a stream, ``(k + 1)·γ``, computed once per agent."""
    return (np.asarray(local_index, dtype=np.uint64) + np.uint64(1)) * _GAMMA


def uniform(base: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Uniform floats in [0, 1), one per key; ``base`` is per key (or a scalar array)."""
    z = mix_one(base + keys)  # a fresh array: mixed in place, no temporaries
    z >>= _S11
    out = z.astype(np.float64)
    out *= _TO_UNIT
    return out


# --- the same, one number at a time, for compiled loops (leadsim.engine.kernels) -----------


@register_jitable
def mix_one(z: np.uint64) -> np.uint64:
    """SplitMix64's finaliser of one uint64, or of a uint64 array in place (wrapping)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


@register_jitable
def stream_base_one(seed: np.uint64, step: np.uint64, purpose: np.uint64) -> np.uint64:
    """One run's stream start for one (step, purpose): the same bits as :func:`stream_base`."""
    return mix_one(mix_one(seed ^ (purpose * _K_PURPOSE)) + step * _K_STEP)


@register_jitable
def uniform_one(base: np.uint64, key: np.uint64) -> float:
    """One uniform: the same bits as :func:`uniform` gives that key."""
    return np.float64(mix_one(base + key) >> _S11) * _TO_UNIT


def draw_uniform(
    seeds: np.ndarray, step: int, purpose: Purpose, run_of: np.ndarray, local: np.ndarray
) -> np.ndarray:
    """Uniforms for agents given by their run and local index (a convenience for set-up)."""
    base = stream_base(seeds, step, purpose)[run_of]
    return uniform(base, agent_keys(local))


def to_normal(u: np.ndarray, mean: np.ndarray | float, sd: np.ndarray | float) -> np.ndarray:
    """Normal draws by the inverse CDF (one uniform each, so draws stay counter-based)."""
    u = np.clip(u, 1e-16, 1 - 1e-16)
    return mean + sd * special.ndtri(u)


def to_beta(u: np.ndarray, a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """Beta(a, b) draws by the inverse CDF."""
    return special.betaincinv(a, b, u)

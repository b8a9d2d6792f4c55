"""The design of an experiment: which runs, with which factor values and seeds (pure).

A design has points (combinations of factor values) and, at each point, replicates.
Run ``i`` is point ``i // replicates``, replicate ``i % replicates``; its seed is
``mix(master seed, i)`` with SplitMix64, so each run's seed depends on nothing but
the master seed and its index. Grids are the cartesian product of the factors' values
in the file's order (the last factor varies fastest); ``lhs``, ``sobol`` and ``morris``
draw their points with SALib's ``sample`` functions, seeded from the master seed.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from leadsim.engine.random import mix
from leadsim.experiments.spec import Experiment

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SWEEP = np.uint64(0x5EED5EED5EED5EED)  # keeps run seeds apart from the engine's own streams
_SAMPLER = np.uint64(0x5A3B1E5A3B1E5A3B)  # and SALib's sampler seed apart from both
_HALF = np.uint64(1)  # drop one bit: seeds stay below 2**63, as scenarios require


@dataclass(frozen=True)
class RunDesign:
    """One run of a design: its id (its index), design point, replicate, factor values and seed."""

    run_id: int
    point: int
    replicate: int
    factors: Mapping[str, Any]
    seed: int


def run_seeds(master_seed: int, indices: np.ndarray) -> np.ndarray:
    """Seeds of runs ``indices`` of a sweep: ``mix(mix(master ^ K) + (i + 1)·γ) >> 1``.

    Args:
        master_seed: The experiment's seed (0 to 2**63 - 1).
        indices: Run indices (or, with common random numbers, replicate indices).

    Returns:
        One seed per index, each from 0 to 2**63 - 1, as int64.
    """
    index = np.asarray(indices, dtype=np.uint64)
    with np.errstate(over="ignore"):
        base = mix(np.array([master_seed], dtype=np.uint64) ^ _SWEEP)
        seeds = mix(base + (index + np.uint64(1)) * _GOLDEN)
    return (seeds >> _HALF).astype(np.int64)


def salib_problem(experiment: Experiment) -> dict[str, Any]:
    """The SALib problem of a sampled design: names and ``[low, high]`` bounds."""
    return {
        "num_vars": len(experiment.factors),
        "names": list(experiment.factor_names),
        "bounds": [[f.low, f.high] for f in experiment.factors],
    }


def sampler_seed(master_seed: int) -> int:
    """A 32-bit seed for SALib's samplers (some seed NumPy's legacy generator)."""
    with np.errstate(over="ignore"):
        z = mix(np.array([master_seed], dtype=np.uint64) ^ _SAMPLER)
    return int(z[0] % np.uint64(2**32))


def sample_matrix(experiment: Experiment) -> np.ndarray:
    """The SALib sample of a ``lhs``, ``sobol`` or ``morris`` design: one row per point.

    Sobol draws ``samples·(D + 2)`` points (``samples·(2D + 2)`` with second order),
    Morris ``samples`` trajectories of ``D + 1`` points, LHS ``samples`` points.
    """
    from SALib.sample import latin, morris, sobol

    problem, seed = salib_problem(experiment), sampler_seed(experiment.seed)
    if experiment.method == "lhs":
        return latin.sample(problem, experiment.samples, seed=seed)
    if experiment.method == "sobol":
        return sobol.sample(
            problem, experiment.samples, calc_second_order=experiment.second_order, seed=seed
        )
    if experiment.method == "morris":
        return morris.sample(problem, experiment.samples, num_levels=experiment.levels, seed=seed)
    raise ValueError(f"design.method: {experiment.method!r} draws no sample")


def design_points(experiment: Experiment) -> list[dict[str, Any]]:
    """The design's points: one dict of factor values each, in run order."""
    if experiment.method == "grid":
        names = experiment.factor_names
        values = [f.values for f in experiment.factors]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
    matrix = sample_matrix(experiment)
    points = []
    for row in matrix:
        point = {}
        for factor, value in zip(experiment.factors, row, strict=True):
            point[factor.name] = round(float(value)) if factor.integer else float(value)
        points.append(point)
    return points


def expand(experiment: Experiment) -> list[RunDesign]:
    """Every run of the design, in order: points × replicates, each with its seed."""
    points = design_points(experiment)
    replicates = experiment.replicates
    n_runs = len(points) * replicates
    index = np.arange(n_runs, dtype=np.int64)
    by = index % replicates if experiment.common_random_numbers else index
    seeds = run_seeds(experiment.seed, by)
    return [
        RunDesign(
            run_id=i,
            point=i // replicates,
            replicate=i % replicates,
            factors=points[i // replicates],
            seed=int(seeds[i]),
        )
        for i in range(n_runs)
    ]

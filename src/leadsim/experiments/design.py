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
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from leadsim.engine.random import mix
from leadsim.experiments.spec import Experiment, ExperimentError

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SWEEP = np.uint64(0x5EED5EED5EED5EED)  # keeps run seeds apart from the engine's own streams
_SAMPLER = np.uint64(0x5A3B1E5A3B1E5A3B)  # and SALib's sampler seed apart from both
_HALF = np.uint64(1)  # drop one bit: seeds stay below 2**63, as scenarios require
# The most runs a sweep expands unless told otherwise (--max-runs): a design is a list of
# runs held in memory, some hundreds of bytes each, before any run starts.
DEFAULT_MAX_RUNS = 10_000_000


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


def count_points(experiment: Experiment) -> int:
    """The number of design points, by arithmetic on the file (nothing drawn or listed).

    A grid has the product of its factors' value counts; over ``D`` factors Sobol has
    ``samples·(D + 2)`` points (``samples·(2D + 2)`` with second order), Morris
    ``samples·(D + 1)``, LHS ``samples``: the rows of :func:`sample_matrix`.
    """
    n_factors = len(experiment.factors)
    if experiment.method == "grid":
        return math.prod(len(f.values) for f in experiment.factors)
    if experiment.method == "sobol":
        return experiment.samples * (
            2 * n_factors + 2 if experiment.second_order else n_factors + 2
        )
    if experiment.method == "morris":
        return experiment.samples * (n_factors + 1)
    return experiment.samples


def design_size(experiment: Experiment) -> int:
    """The number of runs of the design, points × replicates, without expanding it."""
    return count_points(experiment) * experiment.replicates


def check_design_size(experiment: Experiment, max_runs: int = DEFAULT_MAX_RUNS) -> int:
    """The design's number of runs, refused before anything is allocated if over ``max_runs``.

    Raises:
        ExperimentError: one line with the number of runs and the limit.
    """
    runs = design_size(experiment)
    if runs > max_runs:
        raise ExperimentError(
            f"{experiment.path}: design: {runs:,} runs ({count_points(experiment):,} points × "
            f"{experiment.replicates:,} replicates) is over the limit of {max_runs:,} runs; "
            f"allowed: at most {max_runs:,} (raise it with --max-runs N)"
        )
    return runs


def design_points(experiment: Experiment, limit: int | None = None) -> list[dict[str, Any]]:
    """The design's points (the first ``limit`` of them): one dict of factor values each."""
    if experiment.method == "grid":
        names = experiment.factor_names
        combos = itertools.islice(itertools.product(*(f.values for f in experiment.factors)), limit)
        return [dict(zip(names, combo, strict=True)) for combo in combos]
    matrix = sample_matrix(experiment)[:limit]
    points = []
    for row in matrix:
        point = {}
        for factor, value in zip(experiment.factors, row, strict=True):
            point[factor.name] = round(float(value)) if factor.integer else float(value)
        points.append(point)
    return points


def expand(experiment: Experiment, points: int | None = None) -> list[RunDesign]:
    """Every run of the design (of its first ``points`` points), in order, with its seed.

    Call :func:`check_design_size` first: the runs are all held in memory.
    """
    chosen = design_points(experiment, points)
    replicates = experiment.replicates
    index = np.arange(len(chosen) * replicates, dtype=np.int64)
    by = index % replicates if experiment.common_random_numbers else index
    return run_designs(chosen, replicates, run_seeds(experiment.seed, by))


def run_designs(
    points: Sequence[dict[str, Any]], replicates: int, seeds: np.ndarray
) -> list[RunDesign]:
    """Run ``i`` is point ``i // replicates``, replicate ``i % replicates``, seed ``seeds[i]``."""
    return [
        RunDesign(
            run_id=i,
            point=i // replicates,
            replicate=i % replicates,
            factors=points[i // replicates],
            seed=int(seeds[i]),
        )
        for i in range(len(points) * replicates)
    ]

"""A sweep's plan: its runs grouped into batches, worked out with arrays, never run by run.

The coordinator of a sweep must cost per *batch*, not per run, so nothing here builds a
Python object per run. A batch is a :class:`BatchRecipe`: its id and its run ids (a
range, or an array where runs of several sizes interleave), and, for a sampled design,
the rows of the sample matrix its runs use. A worker expands a recipe into runs
(:func:`recipe_designs`) with the same factor values and seeds as :func:`~leadsim.
experiments.design.expand` gives for the whole design.

Batches hold runs of one size (staff and organisations), which advance together on
the many-organisations engine. Runs of a size keep their order, and batches are
numbered by their first run, so the batches of a design depend on nothing but the
design and the batch size; and since a run's random numbers depend only on its seed,
neither do its results.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from leadsim.experiments.design import RunDesign, count_points, run_seeds, sample_matrix
from leadsim.experiments.spec import Experiment

# Settings whose values decide a run's array sizes: runs that differ in them cannot share
# a batch.
SIZE_SETTINGS: tuple[str, ...] = ("n_staff", "organisations")


@dataclass(frozen=True)
class BatchRecipe:
    """A batch as a worker receives it: a few numbers, or a small array, never run objects.

    Attributes:
        batch_id: The batch's number (batches are numbered by their first run).
        start: The first run id.
        stop: One past the last run id.
        ids: The run ids, ascending, where they are not the whole range ``start:stop``.
        points: For a sampled design, the design points the batch's runs use.
        sample: For a sampled design, those points' rows of the sample matrix.
    """

    batch_id: int
    start: int
    stop: int
    ids: np.ndarray | None = None
    points: np.ndarray | None = None
    sample: np.ndarray | None = None

    @property
    def run_ids(self) -> np.ndarray:
        """The batch's run ids, ascending."""
        if self.ids is not None:
            return self.ids
        return np.arange(self.start, self.stop, dtype=np.int64)

    @property
    def size(self) -> int:
        """How many runs the batch has."""
        return int(self.ids.size) if self.ids is not None else self.stop - self.start


@dataclass
class SweepPlan:
    """Every batch of a sweep, and what a worker needs to expand them."""

    experiment: Experiment
    batch_size: int
    points: int
    runs: int
    batches: list[BatchRecipe]

    def tasks(self, todo: Sequence[BatchRecipe], workers: int) -> list[tuple[BatchRecipe, ...]]:
        """Batches grouped into tasks, so that dispatch costs per task, not per batch.

        A task holds consecutive batches up to about ``TASK_RUNS`` runs, fewer when that
        would leave some of ``workers`` idle: at least ``8 × workers`` tasks where there
        are that many batches.
        """
        total = sum(batch.size for batch in todo)
        target = min(TASK_RUNS, max(1, total // max(1, 8 * workers)))
        tasks: list[tuple[BatchRecipe, ...]] = []
        current: list[BatchRecipe] = []
        runs = 0
        for batch in todo:
            if current and runs + batch.size > target:
                tasks.append(tuple(current))
                current, runs = [], 0
            current.append(batch)
            runs += batch.size
        if current:
            tasks.append(tuple(current))
        return tasks


# Runs a task carries at most (unless one batch is larger): a task costs the coordinator
# a few hundred microseconds of pickling and messages, a run about a millisecond of work.
TASK_RUNS = 1000


def plan_sweep(experiment: Experiment, batch_size: int | None = None) -> SweepPlan:
    """Group an experiment's runs into batch recipes, with array operations only."""
    batch_size = batch_size or experiment.batch_size
    sample = sample_matrix(experiment) if experiment.method != "grid" else None
    points = len(sample) if sample is not None else count_points(experiment)
    runs = points * experiment.replicates
    keys = _size_keys(experiment, points, sample)
    if keys is None:  # every run has one size: batches are ranges
        batches = [
            BatchRecipe(b, start, min(start + batch_size, runs))
            for b, start in enumerate(range(0, runs, batch_size))
        ]
    else:
        batches = _grouped_batches(np.repeat(keys, experiment.replicates), batch_size)
    if sample is not None:
        batches = [_with_sample(batch, sample, experiment.replicates) for batch in batches]
    return SweepPlan(experiment, batch_size, points, runs, batches)


def _size_keys(experiment: Experiment, points: int, sample: np.ndarray | None) -> np.ndarray | None:
    """Per design point, a number that differs where runs' sizes differ (None: all alike)."""
    if not experiment.uses_engine:
        return None
    names = experiment.factor_names
    varying = [name for name in SIZE_SETTINGS if name in names]
    if not varying:
        return None
    index = np.arange(points, dtype=np.int64)
    keys = np.zeros(points, dtype=np.int64)
    for name in varying:
        k = names.index(name)
        if sample is not None:
            values = np.rint(sample[:, k]).astype(np.int64)
        else:
            levels = np.array(experiment.factors[k].values, dtype=np.int64)
            values = levels[_grid_level(experiment, k, index)]
        keys = keys * (1 << 31) + values
    return keys


def _grid_level(experiment: Experiment, k: int, points: np.ndarray) -> np.ndarray:
    """Which of factor ``k``'s values each grid point takes (the last factor varies fastest)."""
    counts = [len(f.values) for f in experiment.factors]
    stride = math.prod(counts[k + 1 :])
    return (points // stride) % counts[k]


def _grouped_batches(keys: np.ndarray, batch_size: int) -> list[BatchRecipe]:
    """Runs grouped by size (in run order within a size), cut into batches, numbered by first run."""
    n = keys.size
    order = np.argsort(keys, kind="stable")  # grouped by key, ascending run ids within
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.arange(n, dtype=np.int64) - group_start
    cuts = np.flatnonzero(rank % batch_size == 0)
    bounds = np.r_[cuts, n]
    chunks = sorted(
        (order[bounds[c] : bounds[c + 1]] for c in range(cuts.size)), key=lambda ids: ids[0]
    )
    batches = []
    for b, ids in enumerate(chunks):
        ids = ids.astype(np.int64)
        contiguous = ids[-1] - ids[0] + 1 == ids.size
        batches.append(BatchRecipe(b, int(ids[0]), int(ids[-1]) + 1, None if contiguous else ids))
    return batches


def _with_sample(batch: BatchRecipe, sample: np.ndarray, replicates: int) -> BatchRecipe:
    points = np.unique(batch.run_ids // replicates)
    return BatchRecipe(batch.batch_id, batch.start, batch.stop, batch.ids, points, sample[points])


def recipe_designs(experiment: Experiment, recipe: BatchRecipe) -> list[RunDesign]:
    """The runs of a batch, as :func:`~leadsim.experiments.design.expand` describes them."""
    run_ids = recipe.run_ids
    replicates = experiment.replicates
    points = run_ids // replicates
    seeds = run_seeds(
        experiment.seed, run_ids % replicates if experiment.common_random_numbers else run_ids
    )
    factors = dict(_point_factors(experiment, np.unique(points), recipe))
    return [
        RunDesign(
            run_id=int(run_id),
            point=int(point),
            replicate=int(run_id % replicates),
            factors=factors[int(point)],
            seed=int(seed),
        )
        for run_id, point, seed in zip(run_ids, points, seeds, strict=True)
    ]


def _point_factors(
    experiment: Experiment, points: np.ndarray, recipe: BatchRecipe
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each point's factor values, exactly as ``design_points`` gives them."""
    names = experiment.factor_names
    if experiment.method == "grid":
        levels = [_grid_level(experiment, k, points) for k in range(len(names))]
        for j, point in enumerate(points):
            yield (
                int(point),
                {
                    name: factor.values[int(level[j])]
                    for name, factor, level in zip(names, experiment.factors, levels, strict=True)
                },
            )
        return
    if recipe.points is None or recipe.sample is None:
        raise ValueError(f"batch {recipe.batch_id}: a sampled design's batch carries no sample")
    rows = dict(zip(recipe.points.tolist(), recipe.sample, strict=True))
    for point in points:
        row = rows[int(point)]
        yield (
            int(point),
            {
                factor.name: round(float(value)) if factor.integer else float(value)
                for factor, value in zip(experiment.factors, row, strict=True)
            },
        )


def batch_of_run(plan: SweepPlan, run_id: int) -> BatchRecipe:
    """The batch that holds run ``run_id``."""
    for batch in plan.batches:
        if batch.start <= run_id < batch.stop and (
            batch.ids is None or np.any(batch.ids == run_id)
        ):
            return batch
    raise ValueError(f"run {run_id}: no such run; allowed: 0 to {plan.runs - 1}")

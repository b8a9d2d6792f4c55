"""Designs: grids, SALib samples, and run seeds that depend on the master seed and index only."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from experiment_files import write

from leadsim.experiments import ExperimentError, expand, load_experiment, run_seeds
from leadsim.experiments.design import (
    check_design_size,
    count_points,
    design_points,
    design_size,
)


def test_a_grid_is_the_product_of_its_factors_last_fastest(grid):
    experiment = load_experiment(grid)
    points = design_points(experiment)
    assert len(points) == 2 * 2 * 2
    assert points[0] == {"policy": "delegating", "approach": "quick_fix", "containment": 0.3}
    assert points[1] == {"policy": "delegating", "approach": "quick_fix", "containment": 0.7}
    assert points[-1] == {"policy": "integrated", "approach": "cycles", "containment": 0.7}


def test_runs_are_points_times_replicates_with_ids_in_order(grid):
    runs = expand(load_experiment(grid))
    assert [r.run_id for r in runs] == list(range(24))
    assert [(r.point, r.replicate) for r in runs[:4]] == [(0, 0), (0, 1), (0, 2), (1, 0)]


def test_seeds_depend_on_the_master_seed_and_the_index_only(grid):
    experiment = load_experiment(grid)
    seeds = [r.seed for r in expand(experiment)]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= s < 2**63 for s in seeds)
    assert seeds == run_seeds(experiment.seed, np.arange(24)).tolist()
    # more replicates: the first runs keep their seeds where their index is unchanged
    more = dataclasses.replace(experiment, replicates=5)
    assert [r.seed for r in expand(more)][:3] == seeds[:3]
    other = dataclasses.replace(experiment, seed=experiment.seed + 1)
    assert not set(seeds) & {r.seed for r in expand(other)}


def test_common_random_numbers_share_seeds_across_points(grid):
    experiment = dataclasses.replace(load_experiment(grid), common_random_numbers=True)
    runs = expand(experiment)
    by_replicate = {r.replicate: r.seed for r in runs if r.point == 0}
    assert all(r.seed == by_replicate[r.replicate] for r in runs)


def _sampled(lab, method, extra=""):
    path = write(
        lab,
        "s.toml",
        f"""
        scenario = "base.toml"
        seed = 5
        replicates = 2
        [design]
        method = "{method}"
        samples = 16
        {extra}
        [factors]
        containment = {{ low = 0.2, high = 0.8 }}
        pressure_baseline = {{ low = 0.0, high = 2.0 }}
        n_staff = {{ low = 12, high = 20 }}
    """,
    )
    return load_experiment(path)


def test_sample_sizes_follow_salib(lab):
    assert len(design_points(_sampled(lab, "lhs"))) == 16
    assert len(design_points(_sampled(lab, "sobol"))) == 16 * (3 + 2)
    assert len(design_points(_sampled(lab, "sobol", "second_order = true"))) == 16 * (2 * 3 + 2)
    assert len(design_points(_sampled(lab, "morris"))) == 16 * (3 + 1)
    assert len(expand(_sampled(lab, "lhs"))) == 32


@pytest.mark.parametrize(
    ("method", "extra"),
    [("lhs", ""), ("sobol", ""), ("sobol", "second_order = true"), ("morris", "")],
)
def test_the_design_size_is_counted_without_expanding_and_matches_salib(lab, method, extra):
    experiment = _sampled(lab, method, extra)
    assert count_points(experiment) == len(design_points(experiment))
    assert design_size(experiment) == len(expand(experiment))


def test_a_grid_size_is_the_product_of_value_counts_times_replicates(grid):
    experiment = load_experiment(grid)
    assert count_points(experiment) == 8 and design_size(experiment) == 24 == len(
        expand(experiment)
    )
    assert check_design_size(experiment, max_runs=24) == 24
    with pytest.raises(ExperimentError) as info:
        check_design_size(experiment, max_runs=23)
    assert str(info.value) == (
        f"{grid}: design: 24 runs (8 points × 3 replicates) is over the limit of 23 runs; "
        "allowed: at most 23 (raise it with --max-runs N)"
    )


def test_the_first_points_expand_as_in_the_whole_design(grid, lab):
    for experiment in (load_experiment(grid), _sampled(lab, "sobol")):
        assert expand(experiment, 3) == expand(experiment)[: 3 * experiment.replicates]


def test_samples_lie_in_their_ranges_and_integers_are_whole(lab):
    points = design_points(_sampled(lab, "lhs"))
    assert all(0.2 <= p["containment"] <= 0.8 for p in points)
    assert all(0.0 <= p["pressure_baseline"] <= 2.0 for p in points)
    assert all(isinstance(p["n_staff"], int) and 12 <= p["n_staff"] <= 20 for p in points)


def test_samples_are_reproducible_from_the_master_seed(lab):
    a = design_points(_sampled(lab, "sobol"))
    b = design_points(_sampled(lab, "sobol"))
    assert a == b
    other = dataclasses.replace(_sampled(lab, "lhs"), seed=6)
    assert design_points(other) != design_points(_sampled(lab, "lhs"))

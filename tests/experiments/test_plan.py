"""A sweep's plan, worked out with arrays, describes exactly the runs ``expand`` does."""

from __future__ import annotations

import numpy as np
import pytest
from experiment_files import write

from leadsim.experiments import expand, load_experiment, make_batches, plan_runs
from leadsim.experiments.design import count_points, design_points
from leadsim.experiments.plan import batch_of_run, plan_sweep, recipe_designs

DESIGNS = {
    "grid, sizes interleaved": """
        scenario = "base.toml"
        seed = 5
        replicates = 3
        [factors]
        policy = ["delegating", "integrated"]
        n_staff = [12, 16, 20]
        organisations = [1, 2]
        containment = [0.3, 0.7]
        """,
    "lhs over sizes": """
        scenario = "base.toml"
        seed = 6
        replicates = 2
        [design]
        method = "lhs"
        samples = 30
        [factors]
        n_staff = { low = 12, high = 15 }
        organisations = { low = 1, high = 3 }
        containment = { low = 0.1, high = 0.9 }
        """,
    "sobol, common random numbers": """
        scenario = "base.toml"
        seed = 7
        replicates = 3
        [design]
        method = "sobol"
        samples = 8
        common_random_numbers = true
        [factors]
        containment = { low = 0.1, high = 0.9 }
        tolerance_low = { low = 0.1, high = 0.5 }
        """,
    "morris": """
        scenario = "base.toml"
        seed = 8
        [design]
        method = "morris"
        samples = 4
        levels = 4
        [factors]
        containment = { low = 0.1, high = 0.9 }
        n_staff = { low = 12, high = 20 }
        """,
}


@pytest.fixture(params=list(DESIGNS), ids=list(DESIGNS))
def experiment(request, lab):
    return load_experiment(write(lab, "e.toml", DESIGNS[request.param]))


@pytest.mark.parametrize("batch_size", [1, 4, 7, 1000])
def test_the_batches_hold_every_run_once_with_the_factors_and_seeds_expand_gives(
    experiment, batch_size
):
    plan = plan_sweep(experiment, batch_size)
    designs = expand(experiment)
    assert plan.runs == len(designs) and plan.points == count_points(experiment)
    planned = [d for batch in plan.batches for d in recipe_designs(experiment, batch)]
    assert sorted(planned, key=lambda d: d.run_id) == designs
    firsts = [batch.start for batch in plan.batches]
    assert firsts == sorted(firsts) and [b.batch_id for b in plan.batches] == list(
        range(len(plan.batches))
    )
    for batch in plan.batches:
        assert 1 <= batch.size <= batch_size
        assert np.all(np.diff(batch.run_ids) > 0)
        sizes = {
            (d.factors.get("n_staff"), d.factors.get("organisations"))
            for d in recipe_designs(experiment, batch)
        }
        assert len(sizes) == 1  # runs of one size advance together
        assert batch_of_run(plan, int(batch.run_ids[-1])) is batch


def test_the_batches_are_those_make_batches_forms_from_run_objects(experiment):
    plans = [p for p in plan_runs(experiment, expand(experiment)) if p.spec is not None]
    old = make_batches(experiment, plans, 5)
    new = plan_sweep(experiment, 5).batches
    assert [b.run_ids for b in old] == [batch.run_ids.tolist() for batch in new]


def test_points_are_counted_without_drawing_them(experiment):
    assert count_points(experiment) == len(design_points(experiment))


def test_a_batch_of_a_sampled_design_carries_only_its_own_points(lab):
    experiment = load_experiment(write(lab, "e.toml", DESIGNS["lhs over sizes"]))
    plan = plan_sweep(experiment, 4)
    for batch in plan.batches:
        assert batch.sample is not None and len(batch.sample) == len(batch.points)
        assert set(batch.points.tolist()) == set((batch.run_ids // experiment.replicates).tolist())

"""Batches and failures: runs of equal size batch together; a failing run fails alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from experiment_files import write

import leadsim.experiments.runner as runner
from leadsim.engine.metrics import SUMMARIES
from leadsim.experiments import expand, load_experiment, make_batches, plan_runs, simulate_batch


def _batches(path, batch_size=None):
    experiment = load_experiment(path)
    size = batch_size or experiment.batch_size
    return experiment, make_batches(experiment, plan_runs(experiment, expand(experiment)), size)


def test_runs_of_equal_size_share_a_batch(lab):
    path = write(
        lab,
        "e.toml",
        """
        scenario = "base.toml"
        seed = 3
        replicates = 3
        batch_size = 4
        [factors]
        n_staff = [12, 20]
        organisations = [1, 2]
    """,
    )
    _, batches = _batches(path)
    for batch in batches:
        sizes = {(p.spec.params.n_staff, p.spec.organisations) for p in batch.runs}
        assert len(sizes) == 1 and len(batch.runs) <= 4
    assert sorted(r for b in batches for r in b.run_ids) == list(range(12))
    assert [b.batch_id for b in batches] == list(range(len(batches)))


def test_a_run_gives_the_same_results_alone_and_in_any_batch(grid):
    _, batches = _batches(grid, batch_size=24)
    together = simulate_batch(batches[0])
    plans = batches[0].runs
    for plan in (plans[0], plans[13], plans[23]):
        alone = simulate_batch(dataclasses.replace(batches[0], runs=(plan,)))
        rows = together.runs[together.runs["run_id"] == plan.design.run_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone.runs, rows, check_exact=True)
        series = together.series[together.series["run_id"] == plan.design.run_id]
        pd.testing.assert_frame_equal(alone.series, series.reset_index(drop=True), check_exact=True)


def test_rows_carry_identity_factors_and_every_summary(grid):
    _, batches = _batches(grid)
    result = simulate_batch(batches[0])
    assert list(result.runs.columns[:7]) == [
        "run_id",
        "organisation",
        "point",
        "replicate",
        "seed",
        "status",
        "error",
    ]
    assert {"policy", "approach", "containment", *SUMMARIES} <= set(result.runs.columns)
    assert (result.runs["status"] == "ok").all()
    assert result.series["step"].unique().tolist() == [0, 5, 10, 15, 20, 25]


def test_invalid_parameters_are_recorded_and_the_rest_run(lab):
    path = write(
        lab,
        "e.toml",
        """
        scenario = "base.toml"
        seed = 3
        [factors]
        tolerance_low = [0.3, 0.6]
    """,
    )
    _, batches = _batches(path)
    runs = pd.concat([simulate_batch(b).runs for b in batches]).sort_values("run_id")
    assert runs["status"].tolist() == ["ok", "invalid"]
    assert runs["error"].iloc[1] == (
        "tolerance_low: 0.6 is above tolerance_high 0.5; allowed: tolerance_low <= tolerance_high"
    )
    assert runs["final_distribution_index"].isna().tolist() == [False, True]


def test_a_run_that_breaks_its_batch_is_found_and_only_it_fails(grid, monkeypatch):
    _, batches = _batches(grid)
    batch = batches[1]
    culprit = batch.runs[2].design.seed
    real_engine = runner.Engine

    class Breaking(real_engine):
        def run(self, steps):
            if culprit in self.seeds.astype(np.int64):
                raise FloatingPointError("the state blew up")
            super().run(steps)

    monkeypatch.setattr(runner, "Engine", Breaking)
    runs = simulate_batch(batch).runs
    assert runs["status"].tolist() == ["ok", "ok", "error", "ok"]
    assert runs["error"].iloc[2] == "FloatingPointError: the state blew up"
    monkeypatch.setattr(runner, "Engine", real_engine)
    clean = simulate_batch(batch).runs
    keep = runs["status"] == "ok"
    pd.testing.assert_frame_equal(runs[keep], clean[keep], check_exact=True)


def test_an_external_model_that_raises_or_returns_non_finite_values(lab):
    path = write(
        lab,
        "e.toml",
        """
        model = "sweep_helpers:fragile"
        seed = 3
        [factors]
        x = [1, 2, 3, 4, 5]
    """,
    )
    _, batches = _batches(path)
    runs = simulate_batch(batches[0]).runs
    assert runs["status"].tolist() == ["ok", "ok", "error", "nonfinite", "ok"]
    assert runs["error"].iloc[2] == "RuntimeError: x = 3 breaks the model"
    assert runs["y"].tolist()[:2] == [2.0, 4.0] and np.isnan(runs["y"].iloc[2])


def test_an_external_model_may_ask_for_the_run_seeds(lab):
    path = write(
        lab,
        "e.toml",
        """
        model = "sweep_helpers:seeded"
        seed = 3
        replicates = 2
        [factors]
        x = [1, 2]
    """,
    )
    experiment, batches = _batches(path)
    runs = simulate_batch(batches[0]).runs
    assert runs["seed_seen"].tolist() == [float(r.seed % 1000) for r in expand(experiment)]


def test_a_run_is_nonfinite_from_its_first_bad_week_over_its_organisations():
    from leadsim.engine.metrics import METRICS, SUMMARIES
    from leadsim.experiments.runner import _finiteness, _first_nonfinite

    steps, n_org = 10, 5
    traces = {name: np.zeros((steps, n_org)) for name in METRICS}
    summaries = {name: np.zeros(n_org) for name in SUMMARIES}
    traces["trust"][6, 0] = np.nan  # run A (organisations 0, 1)
    traces["anxiety"][6, 1] = np.inf  # same week, an earlier metric: it names the problem
    traces["dependency"][8, 1] = np.nan
    summaries["final_trust"][2] = np.nan  # run B (organisation 2): a summary only
    summaries["peak_anxiety"][3] = np.inf  # run C (organisations 3, 4): the earlier summary
    summaries["final_trust"][4] = np.nan
    problems = _first_nonfinite(traces, summaries)
    assert _finiteness(problems, np.array([0, 1])) == (
        "nonfinite",
        "anxiety is not finite from week 6",
    )
    assert _finiteness(problems, np.array([0])) == ("nonfinite", "trust is not finite from week 6")
    assert _finiteness(problems, np.array([2])) == ("nonfinite", "final_trust is not finite")
    assert _finiteness(problems, np.array([3, 4])) == ("nonfinite", "peak_anxiety is not finite")
    traces["trust"][:] = traces["anxiety"][:] = traces["dependency"][:] = 0.0
    for values in summaries.values():
        values[:] = 0.0
    assert _finiteness(_first_nonfinite(traces, summaries), np.arange(5)) == ("ok", "")


def test_a_small_sweep_runs_in_this_process_and_a_large_one_on_every_core(lab):
    from leadsim.experiments.plan import plan_sweep
    from leadsim.experiments.sweep import default_workers

    def plan(replicates, n_staff, horizon):
        path = write(
            lab,
            f"w{replicates}_{n_staff}.toml",
            f"""
            scenario = "base.toml"
            seed = 1
            replicates = {replicates}
            horizon = {horizon}
            [parameters]
            n_staff = {n_staff}
            [factors]
            policy = ["integrated"]
            """,
        )
        return plan_sweep(load_experiment(path))

    small = plan(100, 60, 156)  # ~1 M staff-weeks: a pool would take longer to start
    large = plan(50, 20_000, 156)  # ~156 M staff-weeks
    assert default_workers(small, small.batches, cores=8) == 1
    assert default_workers(large, large.batches, cores=8) == 8
    assert default_workers(large, large.batches, cores=1) == 1
    external = dataclasses.replace(small.experiment, model="sweep_helpers:fragile")
    external_plan = dataclasses.replace(small, experiment=external)
    assert default_workers(external_plan, small.batches, cores=4) == 4  # cost unknown: every core

"""Every shipped scenario runs to its horizon with finite, in-range results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadsim.config import SCENARIO_DIR, find_scenario, load_scenario
from leadsim.engine.metrics import METRICS, SUMMARIES
from leadsim.simulate import simulate

SHIPPED = sorted(SCENARIO_DIR.glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_runs_to_its_horizon(path):
    scenario = load_scenario(path)
    result = simulate(scenario)
    assert len(result.metrics) == scenario.horizon * scenario.organisations
    values = result.metrics[list(METRICS)].to_numpy()
    assert np.isfinite(values).all()
    bounded = result.metrics[["distribution_index", "anxiety", "trust", "leader_anxiety"]]
    assert ((bounded >= 0) & (bounded <= 1)).all().all()
    assert set(SUMMARIES) <= set(result.summary.columns)
    assert len(result.summary) == scenario.organisations
    for event in scenario.events:
        assert any(step == event.step for step, _org, _label in result.events)


def test_new_head_changes_the_leader_mid_run():
    result = simulate(find_scenario("new_head"))
    change = next(step for step, _org, label in result.events if label.startswith("new head"))
    containment = result.metrics.set_index("step")["containment"]
    assert containment[change] > containment[change - 1] + 0.3  # integrated holds far more


def test_no_reversion_is_missing_not_minus_one_as_in_sweeps(tmp_path):
    """One missing-value convention: simulate(), the Mesa model and a sweep's runs agree."""
    from leadsim.experiments import expand, load_experiment, make_batches, plan_runs, simulate_batch
    from leadsim.model import LeadershipModel

    path = tmp_path / "e.toml"
    scenario_file = (SCENARIO_DIR / "abdication.toml").as_posix()
    path.write_text(
        f'scenario = "{scenario_file}"\nseed = 3\nreplicates = 1\nhorizon = 60\n'
        '[factors]\npolicy = ["delegating", "integrated"]\n'
    )
    experiment = load_experiment(path)
    plans = plan_runs(experiment, expand(experiment))
    swept = simulate_batch(make_batches(experiment, plans, 8)[0]).runs
    assert swept["reverted"].tolist() == [True, False]  # one of each, to compare both
    for plan, (_, row) in zip(plans, swept.iterrows(), strict=True):
        scenario = find_scenario("abdication").with_changes(policy=plan.design.factors["policy"])
        alone = simulate(scenario, seed=plan.design.seed, steps=60).summary
        model = LeadershipModel(scenario, rng=plan.design.seed)
        for _ in range(60):
            model.step()
        for summary in (alone, model.summary()):
            assert str(summary["time_to_reversion"].dtype) == "Int64"
            when = summary["time_to_reversion"].iloc[0]
            assert (when is pd.NA) == (row["time_to_reversion"] is pd.NA) == (not row["reverted"])
            if row["reverted"]:
                assert when == row["time_to_reversion"]


def test_reversions_are_plain_integers_and_csv_leaves_no_reversion_empty(tmp_path):
    reverted = simulate(find_scenario("abdication"))
    assert reverted.reversions() and all(
        type(org) is int and type(week) is int for org, week in reverted.reversions()
    )
    held = simulate(find_scenario("integrated"))
    assert not held.summary["reverted"].any() and held.reversions() == []
    held.summary.to_csv(tmp_path / "s.csv", index=False)
    assert pd.read_csv(tmp_path / "s.csv")["time_to_reversion"].isna().all()

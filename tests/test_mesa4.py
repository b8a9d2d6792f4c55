"""Mesa 4: Scenario, DataRecorder and run_scenarios on LeadershipModel (skipped on Mesa 3.5).

``.ci/mesa4`` runs these against the newest Mesa 4 pre-release on the package index.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa.experimental.scenarios import Scenario

from leadsim.model import MESA_4, LeadershipModel, RunConfiguration, leadership_run

needs_mesa_4 = pytest.mark.skipif(not MESA_4, reason=f"Mesa {mesa.__version__} is not Mesa 4")
needs_run_scenarios = pytest.mark.skipif(
    RunConfiguration is None,
    reason=f"Mesa {mesa.__version__} has no mesa.experimental.scenarios.run_scenarios",
)


class SchoolScenario(Scenario):
    """A typed Mesa 4 scenario: its defaults are leadsim parameters."""

    policy: str = "delegating"
    n_staff: int = 20
    horizon: int = 8


@needs_mesa_4
def test_no_steps_or_batch_run_in_mesa_4_yet_the_model_runs_by_time():
    model = LeadershipModel(rng=1, horizon=5)
    assert not hasattr(mesa, "batch_run")
    model.run_model()
    assert not model.running and model.time == model.engine.t == 5


@needs_mesa_4
def test_the_recorders_rows_are_metrics_frame_labelled_by_week():
    """DataRecorder rows: metrics_frame's rows, ``step`` the week; Mesa's time is week + 1."""
    model = LeadershipModel(rng=3, organisations=2, n_staff=20)
    model.run_until(6)  # Mesa records the last week when the run ends
    frame = model.data_recorder.get_table_dataframe("metrics")
    assert (frame["time"] == frame["step"] + 1).all()
    pd.testing.assert_frame_equal(
        frame.drop(columns="time"), model.metrics_frame(), check_dtype=False
    )
    assert sorted(set(frame["step"])) == list(range(6))


@needs_mesa_4
def test_a_scenario_gives_the_same_run_every_time_and_replications_differ():
    scenario = SchoolScenario(rng=42, containment=0.4)
    first, again = LeadershipModel(scenario), LeadershipModel(scenario)
    assert first.params.policy == "delegating" and first.params.containment == 0.4
    assert (first.horizon, first.engine.n_staff) == (8, 20)
    assert first.seed == again.seed
    first.run_until(8), again.run_until(8)
    pd.testing.assert_frame_equal(first.metrics_frame(), again.metrics_frame())
    seeds = {LeadershipModel(r).seed for r in scenario.spawn_replications(4)}
    assert len(seeds) == 4


@needs_mesa_4
def test_scenarios_from_a_dataframe_carry_numpy_values_as_parameters():
    samples = pd.DataFrame({"containment": np.array([0.2, 0.8]), "n_staff": [20, 30]})
    models = [LeadershipModel(s) for s in Scenario.from_dataframe(samples, rng=7)]
    assert [m.params.containment for m in models] == [0.2, 0.8]
    assert [m.engine.n_staff for m in models] == [20, 30]


@needs_run_scenarios
@pytest.mark.parametrize("executor", [None, "threads"])
def test_run_scenarios_gives_each_runs_metrics_and_summary(executor):
    from mesa.experimental.scenarios import run_scenarios

    scenarios = SchoolScenario.from_dataframe(
        pd.DataFrame({"policy": ["delegating", "integrated"]}), rng=5, replications=2
    )
    config = leadership_run(until=12)
    if executor is None:
        store = run_scenarios(scenarios, config, progress=False)
    else:
        with ThreadPoolExecutor(2) as pool:
            store = run_scenarios(scenarios, config, executor=pool, progress=False)
    for scenario in scenarios:
        model = LeadershipModel(scenario)
        model.run_until(12)
        outcome = _outcome(store, scenario)
        metrics = outcome["metrics"].drop(columns="time")
        pd.testing.assert_frame_equal(metrics, model.metrics_frame(), check_dtype=False)
        pd.testing.assert_frame_equal(outcome["summary"], model.summary())
        assert str(outcome["summary"]["time_to_reversion"].dtype) == "Int64"


@needs_run_scenarios
def test_mesas_own_run_configuration_works_on_the_model():
    from mesa.experimental.scenarios import run_scenarios

    scenarios = [SchoolScenario(rng=1)]
    store = run_scenarios(scenarios, RunConfiguration(LeadershipModel, until=4), progress=False)
    frame = _outcome(store, scenarios[0])["metrics"]
    assert frame["step"].tolist() == [0, 1, 2, 3]


def test_leadership_run_without_run_scenarios_is_refused_in_one_line():
    if RunConfiguration is not None:
        assert leadership_run(until=3).until == 3
        return
    with pytest.raises(
        ImportError, match=r"^leadership_run: Mesa .* has no .*run_scenarios"
    ) as err:
        leadership_run(until=3)
    assert "\n" not in str(err.value)


def _outcome(store, scenario) -> dict[str, pd.DataFrame]:
    """One run's outputs from a run_scenarios store."""
    from mesa.experimental.scenarios import RunId

    return store.retrieve_output(RunId(scenario.scenario_id, scenario.replication_id))

"""The Mesa layer: LeadershipModel and its agents over the engine (MODEL.md §8)."""

from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa.experimental.scenarios import Scenario as MesaScenario

from leadsim.agents import StaffMember, TopLeader
from leadsim.engine import ASERT_AXES, METRICS
from leadsim.engine.core import series_of
from leadsim.events import EventError, make_event
from leadsim.model import MESA_4, REPORTED, LeadershipModel
from leadsim.params import POLICIES, ROLES, ParameterError, Parameters


def stepped(model: LeadershipModel, weeks: int) -> LeadershipModel:
    for _ in range(weeks):
        model.step()
    return model


def stand_in_scenario(**changes):
    """Duck-typed stand-in for leadsim.config.Scenario (the fields the model reads)."""
    fields = {
        "params": Parameters(policy="delegating", n_staff=30),
        "organisations": 2,
        "events": (make_event(3, "accountability_shock", None, size=2.0),),
        "seed": 11,
        "horizon": 8,
    }
    return SimpleNamespace(**{**fields, **changes})


# --- construction ----------------------------------------------------------------------


def test_builds_from_parameters():
    model = LeadershipModel(policy="delegating", n_staff=30, rng=3)
    assert model.params == Parameters(policy="delegating", n_staff=30)
    assert model.seed == 3
    assert model.horizon == 156 and model.organisations == 1
    assert len(model.agents_by_type[StaffMember]) == model.engine.n_staff == 30
    assert len(model.agents_by_type[TopLeader]) == 1
    assert model.leaders[0].containment == POLICIES["delegating"]["containment"]
    assert model.running and model.time == 0 and not model.engine.records


def test_unknown_parameter_or_bad_size_is_refused_in_one_line():
    with pytest.raises(ParameterError, match=r"^no_such: unknown parameter") as err:
        LeadershipModel(no_such=1)
    assert "\n" not in str(err.value)
    with pytest.raises(ParameterError, match=r"^horizon: expected a whole number"):
        LeadershipModel(horizon=0)
    with pytest.raises(ParameterError, match=r"^organisations: expected a whole number"):
        LeadershipModel(organisations=1.5)


def test_builds_from_a_scenario_whose_params_keywords_override():
    model = LeadershipModel(stand_in_scenario(), containment=0.7)
    assert model.params == Parameters(policy="delegating", n_staff=30, containment=0.7)
    assert (model.seed, model.horizon, model.organisations) == (11, 8, 2)
    assert model.engine.n_staff == 60 and len(model.leaders) == 2
    stepped(model, 3)
    assert model.events() == []
    before = model.engine.pressure.copy()
    model.step()  # week 3: the scheduled shock fires before pressure decays
    assert model.events() == [(3, 0, "shock 2"), (3, 1, "shock 2")]
    assert np.all(model.engine.pressure > before + 1.5)


def test_explicit_rng_and_horizon_beat_the_scenario():
    model = LeadershipModel(stand_in_scenario(), rng=5, horizon=4, organisations=1)
    assert (model.seed, model.horizon, model.organisations) == (5, 4, 1)


def test_builds_from_a_config_scenario():
    config = pytest.importorskip("leadsim.config")
    scenario = config.Scenario(
        name="test",
        title="Test",
        narrative="",
        things_to_notice=(),
        things_to_try=(),
        params=Parameters(policy="egalitarian"),
        organisations=2,
        events=(make_event(1, "join_learning_group", 1),),
        seed=9,
        horizon=6,
        source=None,
    )
    model = stepped(LeadershipModel(scenario), 6)
    assert model.leadsim_scenario is scenario
    assert model.params.policy == "egalitarian" and model.seed == 9
    assert not model.running and model.time == 6
    assert model.events() == [(1, 1, "join learning group")]
    assert [leader.in_group for leader in model.leaders] == [False, True]


def test_builds_from_a_mesa_scenario():
    scenario = MesaScenario(rng=4, policy="hierarchical", horizon=12, n_staff=20)
    model = LeadershipModel(scenario, approach="cycles")
    assert model.scenario is scenario
    assert model.params == Parameters(policy="hierarchical", approach="cycles", n_staff=20)
    assert model.horizon == 12
    # Mesa 4's Scenario keeps a Generator, not the seed: the seed is drawn from its state
    assert model.seed == (LeadershipModel(scenario).seed if MESA_4 else 4)


# --- stepping and data collection ----------------------------------------------------------


def test_ten_steps_give_ten_rows_equal_to_the_engine_records():
    model = stepped(LeadershipModel(rng=1), 10)
    assert model.engine.t == 10 and model.time == 10.0
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(REPORTED)
    assert len(frame) == len(model.engine.records) == 10
    series = series_of(model.engine)
    for name in METRICS:
        np.testing.assert_array_equal(frame[name].to_numpy(), series[name][:, 0])
    for axis, metric in ASERT_AXES.items():
        np.testing.assert_array_equal(frame[f"asert_{axis}"], frame[metric])


def test_collector_rows_are_labelled_by_week_as_metrics_frame_is():
    """Row 'Step' k of the collector is week k of metrics_frame: same values, same label."""
    model = stepped(LeadershipModel(rng=1, n_staff=20, collect_agents=True), 4)
    frame = model.datacollector.get_model_vars_dataframe()
    metrics = model.metrics_frame().set_index("step")
    assert frame.index.name == "Step" and frame.index.tolist() == metrics.index.tolist()
    assert frame.index.tolist() == [0, 1, 2, 3] and model.time == 4  # week 3 ends at time 4
    pd.testing.assert_frame_equal(
        frame[list(REPORTED)], metrics[list(REPORTED)], check_names=False, check_dtype=False
    )
    staff = model.datacollector.get_agenttype_vars_dataframe(StaffMember)
    assert sorted(set(staff.index.get_level_values("Step"))) == frame.index.tolist()


def test_stops_at_the_horizon():
    model = LeadershipModel(rng=1, horizon=5)
    model.run_model()
    assert not model.running and model.time == model.engine.t == 5


def test_agent_reporters_only_when_asked():
    model = stepped(LeadershipModel(rng=1, n_staff=20, collect_agents=True), 3)
    staff = model.datacollector.get_agenttype_vars_dataframe(StaffMember)
    assert len(staff) == 3 * 20
    assert list(staff.columns) == ["anxiety", "authority", "trust", "dependency", "leading"]
    assert sorted(set(staff.index.get_level_values("Step"))) == [0, 1, 2]  # weeks
    last = staff.xs(2, level="Step")["anxiety"].to_numpy()
    np.testing.assert_array_equal(last, model.engine.anxiety)
    assert not stepped(LeadershipModel(rng=1), 1).datacollector.agenttype_reporters


def test_many_organisations_have_a_mean_and_a_column_each():
    model = stepped(LeadershipModel(rng=2, organisations=3), 4)
    frame = model.datacollector.get_model_vars_dataframe()
    per_org = [f"anxiety[{k}]" for k in range(3)]
    assert {"anxiety", "asert_change[2]", *per_org} <= set(frame.columns)
    np.testing.assert_allclose(frame["anxiety"], frame[per_org].mean(axis=1))
    np.testing.assert_array_equal(frame[per_org].to_numpy(), series_of(model.engine)["anxiety"])
    assert len(model.metrics_frame()) == 4 * 3


def test_results_tables():
    model = LeadershipModel(rng=2, organisations=2)
    with pytest.raises(ValueError, match=r"^summary: no week simulated yet"):
        model.summary()
    stepped(model, 6)
    metrics = model.metrics_frame()
    assert list(metrics.columns[:2]) == ["step", "organisation"]
    assert metrics["step"].tolist() == [w for w in range(6) for _ in range(2)]
    summary = model.summary()
    assert summary["organisation"].tolist() == [0, 1] and "reverted" in summary
    assert str(summary["time_to_reversion"].dtype) == "Int64"
    profile = model.asert_profile(step=2, organisation=1)
    row = metrics[(metrics["step"] == 2) & (metrics["organisation"] == 1)].iloc[0]
    assert profile == {axis: row[f"asert_{axis}"] for axis in ASERT_AXES}
    assert len(model.asert_profile(organisation=None)["context"]) == 2
    with pytest.raises(ValueError, match=r"^step: week 6 not simulated"):
        model.asert_profile(step=6)


# --- agents are views on the engine ------------------------------------------------------


def test_staff_setters_write_into_the_engine_arrays():
    model = LeadershipModel(rng=1)
    member = model.staff[7]
    for name in ("authority", "trust", "peer_trust", "anxiety", "dependency", "recently_led"):
        setattr(member, name, 0.875)
        assert getattr(model.engine, name)[7] == 0.875
        assert getattr(member, name) == 0.875
    with pytest.raises(ValueError, match=r"^anxiety: 1.5 is out of range"):
        member.anxiety = 1.5
    with pytest.raises(AttributeError):
        member.expertise = 0.5
    assert member.role in ROLES and isinstance(member.leading, bool)


def test_leader_setters_write_into_the_engine_arrays():
    model = LeadershipModel(rng=1, organisations=2)
    leader = model.leaders[1]
    leader.anxiety, leader.containment, leader.in_group = 0.3, 0.9, True
    assert model.engine.leader_anxiety[1] == 0.3 and model.engine.containment[1] == 0.9
    assert model.engine.in_group.tolist() == [False, True]
    with pytest.raises(ValueError, match=r"^in_group: expected true or false"):
        leader.in_group = 1


@pytest.mark.parametrize(
    "value", [np.float32(0.5), np.float64(0.25), np.int64(0), np.int64(1), np.uint8(1)]
)
def test_numpy_scalars_in_range_are_accepted(value):
    model = LeadershipModel(rng=1, n_staff=20)
    member, leader = model.staff[3], model.leaders[0]
    member.anxiety = value
    leader.containment = value
    assert model.engine.anxiety[3] == float(value) == member.anxiety
    assert model.engine.containment[0] == float(value) == leader.containment
    assert type(member.anxiety) is float


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.float32(1.5), r"^anxiety: np.float32\(1.5\) is out of range; allowed: 0 to 1$"),
        (np.int64(-1), r"^anxiety: np.int64\(-1\) is out of range"),
        (np.float64("nan"), r"^anxiety: np.float64\(nan\) is out of range"),
        (True, r"^anxiety: expected a number from 0 to 1, got True$"),
        (np.True_, r"^anxiety: expected a number from 0 to 1, got np.True_$"),
        ("0.5", r"^anxiety: expected a number from 0 to 1, got '0.5'$"),
    ],
)
def test_bools_non_numbers_and_out_of_range_are_refused(value, message):
    model = LeadershipModel(rng=1, n_staff=20)
    with pytest.raises(ValueError, match=message):
        model.staff[3].anxiety = value
    assert model.engine.anxiety[3] == model.staff[3].anxiety  # unchanged, still a number


def test_in_group_takes_numpy_bools():
    model = LeadershipModel(rng=1)
    model.leaders[0].in_group = np.True_
    assert model.engine.in_group[0] and model.leaders[0].in_group is True


@pytest.mark.parametrize(
    ("pick", "message"),
    [
        (lambda m: m.staff[4], r"^remove: a staff member cannot be removed; the engine"),
        (lambda m: m.leaders[0], r"^remove: a top leader cannot be removed;.*leader_change"),
    ],
)
def test_remove_is_refused_in_one_line_and_removes_nothing(pick, message):
    """An agent the engine goes on simulating must not vanish from model.agents."""
    model = LeadershipModel(rng=1, n_staff=20)
    agent = pick(model)
    with pytest.raises(RuntimeError, match=message) as err:
        agent.remove()
    assert "\n" not in str(err.value)
    assert agent in model.agents and len(model.agents) == 21 == model.engine.n_staff + 1
    model.step()
    assert len(model.agents_by_type[StaffMember]) == model.engine.n_staff


def test_the_engine_reads_what_an_agent_wrote():
    calm, anxious = LeadershipModel(rng=4), LeadershipModel(rng=4)
    for member in anxious.staff:
        member.anxiety = 0.9
    calm.step(), anxious.step()
    assert anxious.engine.records[0].values["anxiety"][0] > 0.6
    assert calm.engine.records[0].values["anxiety"][0] < 0.3


def test_neighbours_are_symmetric_and_stay_in_the_organisation():
    model = LeadershipModel(rng=3, organisations=2, n_staff=30)
    for member in model.staff:
        for j in member.neighbours:
            assert member.index in model.staff[j].neighbours
            assert model.staff[j].organisation == member.organisation


# --- seeds and batch_run -------------------------------------------------------------------


def test_same_rng_same_series_and_different_rng_different():
    def series(rng):
        return stepped(LeadershipModel(rng=rng), 15).metrics_frame()

    assert series(7).equals(series(7))
    assert not series(7).equals(series(8))
    generated = [series(np.random.default_rng(3)) for _ in range(2)]
    assert generated[0].equals(generated[1])
    fresh = [LeadershipModel().seed for _ in range(2)]
    assert fresh[0] != fresh[1]
    assert series(fresh[0]).equals(series(fresh[0]))


needs_batch_run = pytest.mark.skipif(
    not hasattr(mesa, "batch_run"), reason=f"Mesa {mesa.__version__} has no batch_run"
)


@needs_batch_run
@pytest.mark.filterwarnings("ignore:The `iterations` keyword:DeprecationWarning")
def test_batch_run_sweeps_parameters():
    rows = mesa.batch_run(
        LeadershipModel,
        parameters={"policy": ["integrated", "delegating"]},
        iterations=2,
        max_steps=20,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(rows) == 4
    assert sorted(row["policy"] for row in rows) == ["delegating"] * 2 + ["integrated"] * 2
    for row in rows:
        assert set(REPORTED) <= set(row) and row["Step"] == 19  # 20 weeks: the last is 19


@needs_batch_run
def test_batch_run_step_is_the_week_of_metrics_frame():
    """batch_run's Step k carries the values metrics_frame gives for week (step) k."""
    rows = mesa.batch_run(
        LeadershipModel,
        parameters={"policy": "delegating", "n_staff": 20},
        rng=[5],
        max_steps=6,
        data_collection_period=1,
        display_progress=False,
    )
    alone = stepped(LeadershipModel(policy="delegating", n_staff=20, rng=5), 6)
    metrics = alone.metrics_frame()
    assert [row["Step"] for row in rows] == metrics["step"].tolist() == list(range(6))
    for row, (_, week) in zip(rows, metrics.iterrows(), strict=True):
        assert type(row["Step"]) is int
        assert {name: row[name] for name in REPORTED} == {name: week[name] for name in REPORTED}


@needs_batch_run
def test_batch_run_with_seeds_is_reproducible():
    def run():
        return mesa.batch_run(
            LeadershipModel,
            parameters={"containment": [0.3, 0.8]},
            rng=[1, 2],
            max_steps=10,
            display_progress=False,
        )

    first, second = run(), run()
    assert first == second
    assert first[0]["anxiety"] != first[2]["anxiety"]  # containment 0.3, seeds 1 and 2


# --- live interventions --------------------------------------------------------------------


def test_accountability_shock_raises_pressure_and_the_leaders_anxiety():
    shocked, calm = stepped(LeadershipModel(rng=6), 5), stepped(LeadershipModel(rng=6), 5)
    before = shocked.engine.pressure[0]
    shocked.accountability_shock(1.5)
    assert shocked.engine.pressure[0] == pytest.approx(before + 1.5)
    shocked.step(), calm.step()
    assert shocked.leaders[0].anxiety > calm.leaders[0].anxiety + 0.05
    assert shocked.events() == [(5, 0, "shock 1.5")]


def test_leader_change_brings_the_policys_containment():
    model = stepped(LeadershipModel(rng=6, policy="delegating", organisations=2), 3)
    eroded = model.leaders[0].containment
    assert eroded < POLICIES["delegating"]["containment"]  # three weeks of erosion
    model.leader_change("integrated", approach="cycles", organisation=1)
    assert model.engine.containment.tolist() == [eroded, POLICIES["integrated"]["containment"]]
    assert model.leaders[1].heroic_identification == POLICIES["integrated"]["heroic_identification"]
    assert model.engine.policy.tolist() == ["delegating", "integrated"]
    assert model.events() == [(3, 1, "new head: integrated")]


def test_other_interventions_reach_the_engine():
    model = LeadershipModel(rng=6)
    model.join_learning_group()
    assert model.leaders[0].in_group
    model.leave_learning_group()
    assert not model.leaders[0].in_group
    model.start_reflection()
    assert model.engine.reflect_now[0]
    model.set_param("containment", 0.95)
    assert model.engine.containment[0] == 0.95 and model.engine.p.per_org[0].containment == 0.95


@pytest.mark.parametrize(
    ("fire", "message"),
    [
        (lambda m: m.accountability_shock(-1), "^accountability_shock.size: -1 is out of range"),
        (lambda m: m.accountability_shock("big"), "^accountability_shock.size: expected a number"),
        (lambda m: m.leader_change("tyrant"), "^leader_change.policy: unknown value 'tyrant'"),
        (lambda m: m.leader_change("integrated", "slow"), "^leader_change.approach: unknown"),
        (lambda m: m.set_param("n_staff", 10), "^set.n_staff: fixed when the organisation"),
        (lambda m: m.set_param("no_such", 1), "^set.no_such: unknown parameter"),
        (lambda m: m.set_param("containment", 2.0), "^set.containment: 2.0 is out of range"),
        (lambda m: m.join_learning_group(organisation=5), "^organisation: 5 does not exist"),
        (lambda m: m.start_reflection(organisation=-1), "^organisation: expected a whole number"),
    ],
)
def test_bad_interventions_fail_in_one_line(fire, message):
    model = LeadershipModel(rng=1, organisations=2)
    with pytest.raises(EventError, match=message) as err:
        fire(model)
    assert "\n" not in str(err.value)
    assert model.events() == []

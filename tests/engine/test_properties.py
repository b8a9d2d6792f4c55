"""Property tests: for any valid parameters, every bounded state stays in [0, 1] and finite.

Parameters are drawn from the ranges their own metadata declares
(``leadsim.params.FIELDS``), so the tests follow the parameter table as it changes.
Sizes and horizons are kept small so the file runs in seconds.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsim.engine import Engine, RunSpec
from leadsim.engine.metrics import METRICS
from leadsim.events import make_event
from leadsim.params import APPROACHES, FIELDS, NETWORK_MODELS, POLICIES, Parameters

STAFF_UNIT = ("authority", "trust", "peer_trust", "anxiety", "dependency", "recently_led")
LEADER_UNIT = ("leader_anxiety", "containment", "distribution", "role_clarity", "target")
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fields drawn from their metadata ranges; the rest keep their defaults.
FLOAT_FIELDS = (
    "initial_distribution",
    "initial_leader_anxiety",
    "peer_trust_mean",
    "pressure_baseline",
    "pressure_decay_weeks",
    "reversion_rate",
    "distribution_rate",
    "reversion_pressure_weight",
    "containment_erosion",
    "takeup_sharpness",
    "social_proof_weight",
    "anxiety_contagion",
    "withdrawal_trust_loss",
    "leader_conflict_sensitivity",
    "collision_rate",
    "conflict_peer_loss",
    "collaboration_gain",
    "threshold_mean",
    "p_within",
    "cross_links",
    "ws_rewire",
    "busy_absence",
    "containment_learning",
)
OPTIONAL_FIELDS = ("final_target", "containment", "role_clarity", "heroic_identification")


def in_range(name: str) -> st.SearchStrategy:
    """A value of a field anywhere in its declared closed range."""
    meta = FIELDS[name].metadata
    return st.floats(meta["low"], meta["high"], allow_nan=False, allow_infinity=False)


@st.composite
def parameters(draw) -> Parameters:
    n_staff = draw(st.integers(12, 40))
    changes: dict[str, object] = {
        "policy": draw(st.sampled_from(sorted(POLICIES))),
        "approach": draw(st.sampled_from(APPROACHES)),
        "learning_group": draw(st.booleans()),
        "network_model": draw(st.sampled_from(NETWORK_MODELS)),
        "n_staff": n_staff,
        "department_size": draw(st.integers(FIELDS["department_size"].metadata["low"], n_staff)),
        "ws_neighbours": draw(st.integers(2, 8)),
        "meeting_interval": draw(st.integers(1, 6)),
        "cycle_length": draw(st.integers(4, 12)),
        "reflection_weeks": draw(st.integers(0, 3)),
    }
    for name in FLOAT_FIELDS:
        changes[name] = draw(in_range(name))
    for name in OPTIONAL_FIELDS:
        changes[name] = draw(st.none() | in_range(name))
    return Parameters(**changes)


def check_state(engine: Engine) -> None:
    for name in STAFF_UNIT + LEADER_UNIT:
        values = getattr(engine, name)
        assert np.all(np.isfinite(values)), f"{name} not finite at step {engine.t}"
        assert np.all((values >= 0.0) & (values <= 1.0)), (
            f"{name} outside [0, 1] at step {engine.t}: {values.min()}..{values.max()}"
        )
    assert np.all(np.isfinite(engine.pressure)) and np.all(engine.pressure >= 0.0)
    assert np.all((engine.cohesion >= 0.0) & (engine.cohesion <= 1.0))
    record = engine.records[-1]
    assert set(record.values) == set(METRICS)
    for name, values in record.values.items():
        assert values.shape == (engine.n_org,), name
        assert np.all(np.isfinite(values)), f"metric {name} not finite at step {record.step}"


def check_run(spec: RunSpec, steps: int) -> Engine:
    engine = Engine([spec])
    for _ in range(steps):
        engine.step()
        check_state(engine)
    return engine


@SETTINGS
@given(
    params=parameters(),
    seed=st.integers(0, 2**63 - 1),
    steps=st.integers(10, 30),
    organisations=st.integers(1, 2),
)
def test_states_stay_in_unit_interval(params, seed, steps, organisations):
    check_run(RunSpec(params, seed, organisations), steps)


@SETTINGS
@given(
    params=parameters(),
    seed=st.integers(0, 2**63 - 1),
    steps=st.integers(10, 30),
    shock_step=st.integers(0, 9),
    size=st.floats(0.0, 10.0),
)
def test_states_stay_in_unit_interval_after_accountability_shock(
    params, seed, steps, shock_step, size
):
    event = make_event(shock_step, "accountability_shock", size=size)
    engine = check_run(RunSpec(params, seed, 1, (event,)), steps)
    assert engine.event_log and engine.event_log[0][0] == shock_step


@SETTINGS
@given(
    params=parameters(),
    seed=st.integers(0, 2**63 - 1),
    steps=st.integers(10, 30),
    change_step=st.integers(0, 9),
    policy=st.sampled_from(sorted(POLICIES)),
    approach=st.none() | st.sampled_from(APPROACHES),
)
def test_states_stay_in_unit_interval_after_leader_change(
    params, seed, steps, change_step, policy, approach
):
    args = {"policy": policy} if approach is None else {"policy": policy, "approach": approach}
    event = make_event(change_step, "leader_change", **args)
    engine = check_run(RunSpec(params, seed, 1, (event,)), steps)
    assert engine.policy[0] == policy


@SETTINGS
@given(
    params=parameters(),
    seed=st.integers(0, 2**63 - 1),
    kinds=st.lists(
        st.tuples(
            st.integers(0, 19),
            st.sampled_from(
                (
                    "accountability_shock",
                    "leader_change",
                    "join_learning_group",
                    "leave_learning_group",
                    "start_reflection",
                )
            ),
        ),
        max_size=5,
    ),
)
def test_states_stay_in_unit_interval_under_mixed_events(params, seed, kinds):
    events = []
    for step, kind in kinds:
        if kind == "accountability_shock":
            events.append(make_event(step, kind, size=2.0))
        elif kind == "leader_change":
            events.append(make_event(step, kind, policy="delegating"))
        else:
            events.append(make_event(step, kind))
    check_run(RunSpec(params, seed, 2, tuple(events)), 20)

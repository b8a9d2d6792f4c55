"""The compiled loops apply the rules exactly as the rules, applied to whole arrays, would.

Each phase of a week is run by the engine (its kernel) and recomputed here with the
functions of ``leadsim.engine.rules`` over numpy arrays, sparse products for the
neighbourhoods and the numpy random streams: an independent path through the same
rules. Two runs with different parameters share the batch, so a parameter read from
the wrong organisation, or two arguments swapped, shows.
"""

from __future__ import annotations

import numpy as np
import pytest

from leadsim.engine import Engine, RunSpec, kernels, rules
from leadsim.engine.random import Purpose
from leadsim.params import FIELDS, ROLES, Parameters

TOL = 1e-12


def distinct(base: Parameters, scale: float) -> Parameters:
    """Every parameter a kernel reads set to its own value, so no two can be swapped unseen."""
    names = (
        kernels.LEAD_PARAMETERS
        + kernels.TAKEUP_PARAMETERS
        + kernels.OUTCOME_PARAMETERS
        + kernels.STAFF_PARAMETERS
    )
    changes = {}
    for k, name in enumerate(names):
        meta = FIELDS[name].metadata
        value = getattr(base, name) * (1.0 + scale * (k + 1) / len(names))
        changes[name] = float(min(value, meta["high"]))
    return base.replace(**changes)


def engine_midway(weeks: int = 25) -> Engine:
    calm = distinct(
        Parameters(n_staff=80, policy="integrated", approach="cycles", cycle_length=6), 0.5
    )
    bold = distinct(
        Parameters(n_staff=50, policy="egalitarian", access_professional=0.3, recent_weight=0.5),
        0.9,
    )
    engine = Engine([RunSpec(calm, seed=3, organisations=2), RunSpec(bold, seed=4)])
    engine.run(weeks)
    return engine


def staff(engine: Engine, name: str) -> np.ndarray:
    return engine.p.org(name)[engine.org]


def test_offers_and_take_up_follow_the_rules():
    engine = engine_midway()
    led_last_week = engine.leading.copy()
    engine._lead()
    offered, leading = engine._offer_and_take_up()

    access = np.column_stack([engine.p.org(f"access_{r}") for r in ROLES])[engine.org, engine.role]
    expected_offered = rules.offer_opportunities(
        engine.distribution[engine.org], access, engine._draw(Purpose.OFFER)
    )
    assert np.array_equal(offered, expected_offered)
    proof = rules.social_proof(engine.adjacency @ led_last_week.astype(float), engine.degree)
    chance = rules.takeup_probability(
        engine.authority, proof, engine.trust, engine.anxiety, engine.dependency,
        engine.threshold, staff(engine, "takeup_sharpness"), staff(engine, "social_proof_weight"),
        staff(engine, "takeup_trust_weight"), staff(engine, "takeup_dependency_weight"),
    )  # fmt: skip
    expected_leading = offered & (engine._draw(Purpose.TAKEUP) < chance)
    assert np.array_equal(leading, expected_leading)
    assert 0 < leading.sum() < offered.sum()  # the test sees both outcomes


def test_outcomes_follow_the_rules():
    engine = engine_midway()
    engine._lead()
    _, leading = engine._offer_and_take_up()
    succeeded, failed, collisions, in_conflict, unresolved = engine._outcomes(leading)

    org = engine.org
    chance = rules.success_probability(
        engine.expertise, engine.peer_trust, engine.containment[org], engine.role_clarity[org],
        staff(engine, "success_sharpness"), staff(engine, "success_peer_trust_weight"),
        staff(engine, "success_holding_weight"), staff(engine, "task_difficulty"),
    )  # fmt: skip
    assert np.array_equal(succeeded, leading & (engine._draw(Purpose.SUCCESS) < chance))
    assert np.array_equal(failed, leading & ~succeeded)
    # each actor meets the neighbour its MEET draw picks; both acting, they may collide
    indptr, indices = engine.adjacency.indptr, engine.adjacency.indices
    meet, collide = engine._draw(Purpose.MEET), engine._draw(Purpose.COLLIDE)
    expected_conflict = np.zeros(engine.n_staff, dtype=bool)
    expected_collisions = np.zeros(engine.n_staff)
    for i in np.flatnonzero(leading & (engine.degree > 0)):
        j = indices[indptr[i] + int(np.floor(meet[i] * engine.degree[i]))]
        rate = staff(engine, "collision_rate")[i]
        if leading[j] and collide[i] < rules.collision_probability(engine.peer_trust[i], rate):
            expected_collisions[i] += 1
            expected_conflict[[i, j]] = True
    assert np.array_equal(collisions, expected_collisions)
    assert np.array_equal(in_conflict, expected_conflict)
    expected_unresolved = in_conflict & rules.stays_unresolved(
        engine.peer_trust, engine._draw(Purpose.RESOLVE)
    )
    assert np.array_equal(unresolved, expected_unresolved)
    assert in_conflict.any() and succeeded.any() and failed.any()


@pytest.mark.parametrize("reflect", [False, True])
def test_staff_update_follows_the_rules(reflect):
    engine = engine_midway()
    engine.reflect_now[:] = reflect
    engine._lead()
    offered, leading = engine._offer_and_take_up()
    succeeded, failed, collisions, in_conflict, unresolved = engine._outcomes(leading)
    reflecting = engine._reflecting()
    assert reflecting.all() == reflect
    before = {
        name: getattr(engine, name).copy()
        for name in ("authority", "anxiety", "dependency", "trust", "peer_trust", "recently_led")
    }
    org, adjacency, degree = engine.org, engine.adjacency, engine.degree
    engine._update_staff(
        offered, leading, succeeded, failed, collisions, in_conflict, unresolved, reflecting
    )

    def s(name):
        return staff(engine, name)

    authority = rules.update_authority(
        before["authority"], engine.resting_authority, succeeded, failed, leading,
        engine.heroic_identification[org], s("authority_gain"), s("authority_loss"),
        s("authority_rest_pull"),
    )  # fmt: skip
    neighbour_anxiety = rules.neighbour_mean(
        adjacency @ before["anxiety"], degree, before["anxiety"]
    )
    anxiety = rules.update_staff_anxiety(
        before["anxiety"], neighbour_anxiety, engine.distribution[org],
        engine.role_clarity[org], failed, in_conflict, engine.pressure[org],
        engine.containment[org], before["trust"], reflecting[org], s("ambiguity_anxiety"),
        s("anxiety_contagion"), s("failure_anxiety"), s("conflict_anxiety"),
        s("pressure_anxiety"), s("holding_relief"), s("reflection_relief"), s("anxiety_decay"),
    )  # fmt: skip
    dependency = rules.update_dependency(
        before["dependency"], before["authority"], before["anxiety"], succeeded, unresolved,
        s("projection_rate"), s("success_independence"), s("referral_dependency"),
    )  # fmt: skip
    trust = rules.update_trust(
        before["trust"], engine.containment[org], engine.role_clarity[org],
        engine.distribution[org], engine.distribution_before[org], before["recently_led"],
        s("holding_trust_gain"), s("abdication_trust_loss"), s("withdrawal_trust_loss"),
    )  # fmt: skip
    neighbour_led = adjacency @ leading.astype(float) > 0
    peer_trust = rules.update_peer_trust(
        before["peer_trust"], succeeded & neighbour_led, in_conflict,
        s("collaboration_gain"), s("conflict_peer_loss"),
    )  # fmt: skip
    recently_led = rules.remember_leading(before["recently_led"], leading, s("recent_weight"))
    for name, expected in [
        ("authority", authority),
        ("anxiety", anxiety),
        ("dependency", dependency),
        ("trust", trust),
        ("peer_trust", peer_trust),
        ("recently_led", recently_led),
    ]:
        assert getattr(engine, name) == pytest.approx(expected, abs=TOL), name
        assert not np.array_equal(getattr(engine, name), before[name]), name  # it moved


def test_the_heads_step_follows_the_rules():
    engine = engine_midway()
    p = engine.p
    state = {
        name: getattr(engine, name).copy()
        for name in ("pressure", "leader_anxiety", "containment", "distribution")
    }
    engine.pressure += np.array([0.0, 0.4, 0.1])  # pressure away from its baseline
    state["pressure"] = engine.pressure.copy()
    engine._lead()
    pressure = rules.decay_pressure(
        state["pressure"], p.org("pressure_baseline"), p.org("pressure_decay_weeks")
    )
    anxiety = rules.update_leader_anxiety(
        state["leader_anxiety"], pressure, engine.reversion_pressure, engine.failure_rate,
        engine.unresolved_share, engine.support, p.org("leader_pressure_sensitivity"),
        p.org("leader_reversion_sensitivity"), p.org("leader_failure_sensitivity"),
        p.org("leader_conflict_sensitivity"), p.org("leader_support_relief"),
        p.org("leader_anxiety_decay"),
    )  # fmt: skip
    excess = rules.excess_anxiety(anxiety, state["containment"])
    containment = rules.erode_containment(
        state["containment"], excess, p.org("containment_erosion")
    )
    distribution = rules.revert_distribution(
        state["distribution"], engine.target, excess, engine.heroic_identification,
        engine.reversion_pressure, p.org("distribution_rate"), p.org("reversion_rate"),
        p.org("reversion_pressure_weight"),
    )  # fmt: skip
    assert engine.pressure == pytest.approx(pressure, abs=TOL)
    assert engine.leader_anxiety == pytest.approx(anxiety, abs=TOL)
    assert engine.excess == pytest.approx(excess, abs=TOL)
    assert engine.containment == pytest.approx(containment, abs=TOL)
    assert engine.distribution == pytest.approx(distribution, abs=TOL)
    assert np.array_equal(engine.distribution_before, state["distribution"])


def test_parameters_that_differ_between_organisations_do_not_compile_the_kernels_again():
    """Every array a kernel gets has one type, whatever the batch (a sweep's designs vary)."""
    dispatchers = [
        getattr(kernels, name)
        for name in dir(kernels)
        if hasattr(getattr(kernels, name), "signatures")
    ]
    Engine([RunSpec(Parameters(n_staff=30), seed=1, organisations=2)]).run(3)
    before = {d.__name__: set(d.signatures) for d in dispatchers}
    varied = [
        RunSpec(Parameters(n_staff=30, **{name: FIELDS[name].default * (1 - k / 50)}), seed=k)
        for k, name in enumerate(kernels.STAFF_PARAMETERS + kernels.LEAD_PARAMETERS)
    ]
    Engine(varied).run(3)
    assert {d.__name__: set(d.signatures) for d in dispatchers} == before


_INTERPRETED = """
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore", RuntimeWarning)  # the uint64 hash wraps on purpose
from leadsim.engine import Engine, RunSpec
from leadsim.engine.core import series_of
from leadsim.params import Parameters
engine = Engine([RunSpec(Parameters(n_staff=25, approach="cycles", cycle_length=3), seed=9,
                         organisations=2)])
engine.run(7)
import numba
from leadsim.engine import kernels
assert numba.config.DISABLE_JIT and not hasattr(kernels.update_staff, "signatures")
json.dump({k: v.tolist() for k, v in series_of(engine).items()}, sys.stdout)
"""


def test_the_kernels_run_as_plain_python_with_the_same_results():
    """NUMBA_DISABLE_JIT=1 runs every kernel as Python, to step through: the same bits."""
    import json
    import os
    import subprocess
    import sys

    from leadsim.engine.core import series_of

    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run(
        [sys.executable, "-c", _INTERPRETED], env=env, capture_output=True, text=True, check=True
    )
    interpreted = json.loads(out.stdout)
    engine = Engine(
        [
            RunSpec(
                Parameters(n_staff=25, approach="cycles", cycle_length=3), seed=9, organisations=2
            )
        ]
    )
    engine.run(7)
    for name, series in series_of(engine).items():
        assert series.tolist() == interpreted[name], name

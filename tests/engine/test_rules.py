"""Every rule of ``leadsim.engine.rules`` on small cases computed by hand from MODEL.md §4.

Each expected number is written out as the formula with the concrete values, so a
reader can check it against MODEL.md without running anything.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse

from leadsim.engine import rules

TOL = 1e-12


def approx(value):
    return pytest.approx(value, abs=TOL)


def path_graph():
    """0 — 1 — 2, and 3 alone."""
    rows = np.array([0, 1, 1, 2])
    cols = np.array([1, 0, 2, 1])
    adjacency = sparse.csr_array((np.ones(4), (rows, cols)), shape=(4, 4))
    degree = np.diff(adjacency.indptr).astype(np.float64)
    return adjacency, degree


# --- helpers -------------------------------------------------------------------------------


def test_clip01_clips_to_unit_interval():
    assert np.array_equal(rules.clip01(np.array([-0.5, 0.0, 0.3, 1.0, 1.7])), [0, 0, 0.3, 1, 1])


def test_logistic_finite_sharpness_is_expit():
    assert rules.logistic(np.array(0.5), 2.0) == approx(1.0 / (1.0 + math.exp(-1.0)))
    assert rules.logistic(np.array(0.0), 8.0) == approx(0.5)
    assert rules.logistic(np.array(-0.25), 4.0) == approx(1.0 / (1.0 + math.e))


def test_logistic_at_infinite_sharpness_is_a_step():
    with np.errstate(over="ignore"):
        out = rules.logistic(np.array([1e-9, 0.7, -1e-9, -3.0]), np.inf)
    assert np.array_equal(out, [1.0, 1.0, 0.0, 0.0])


def test_logistic_infinite_sharpness_per_element_array():
    with np.errstate(over="ignore"):
        out = rules.logistic(np.array([0.2, -0.2, 0.3]), np.array([np.inf, np.inf, 1.0]))
    assert out[:2].tolist() == [1.0, 0.0] and out[2] == approx(1.0 / (1.0 + math.exp(-0.3)))


def test_logistic_never_overflows_to_nan_at_the_largest_sharpness():
    with np.errstate(over="ignore"):
        out = rules.logistic(np.array([-3.0, -0.8, 0.8, 3.0]), 1_000.0)
    assert np.array_equal(out, [0.0, 0.0, 1.0, 1.0])


def test_logistic_zero_sharpness_is_a_coin():
    assert np.array_equal(rules.logistic(np.array([-5.0, 0.0, 5.0]), 0.0), [0.5, 0.5, 0.5])


# --- pressure ------------------------------------------------------------------------------


def test_decay_pressure_one_step_by_hand():
    # 0.2 + (1.2 - 0.2)·e^(-1/8)
    assert rules.decay_pressure(np.array(1.2), 0.2, 8.0) == approx(0.2 + math.exp(-1 / 8))


def test_decay_pressure_converges_to_baseline_from_above_and_below():
    p = np.array([3.0, 0.0, 0.2])
    for _ in range(400):
        p = rules.decay_pressure(p, 0.2, 8.0)
    assert p == pytest.approx([0.2, 0.2, 0.2], abs=1e-15)


def test_shock_excess_decays_by_exp_minus_one_over_tau_each_week():
    baseline, tau = 0.3, 5.0
    p = np.array(baseline + 1.5)  # a shock of 1.5 on top of the baseline
    for _week in range(10):
        new = rules.decay_pressure(p, baseline, tau)
        assert (new - baseline) / (p - baseline) == pytest.approx(math.exp(-1 / tau), rel=1e-12)
        p = new
    assert p - baseline == pytest.approx(1.5 * math.exp(-10 / tau), rel=1e-12)


def test_pressure_at_baseline_stays_there():
    assert rules.decay_pressure(np.array(0.2), 0.2, 8.0) == 0.2


# --- leader ----------------------------------------------------------------------------------

LEADER_WEIGHTS = {
    "k_pressure": 0.08,
    "k_reversion": 0.15,
    "k_failure": 0.05,
    "k_conflict": 0.8,
    "k_support": 0.2,
    "decay": 0.1,
}


def test_update_leader_anxiety_by_hand():
    out = rules.update_leader_anxiety(
        np.array(0.2),
        pressure=np.array(0.5),
        reversion_pressure=np.array(0.1),
        failure_rate=np.array(0.2),
        unresolved_share=np.array(0.05),
        support=np.array(0.4),
        **LEADER_WEIGHTS,
    )
    # 0.2 + 0.08·0.5 + 0.15·0.1 + 0.05·0.2 + 0.8·0.05 − 0.2·0.4 − 0.1·0.2
    expected = 0.2 + 0.04 + 0.015 + 0.01 + 0.04 - 0.08 - 0.02
    assert out == approx(expected)
    assert expected == approx(0.205)


def test_update_leader_anxiety_clips_at_one_and_zero():
    high = rules.update_leader_anxiety(
        np.array(0.95), np.array(3.0), np.array(0.5), np.array(1.0), np.array(0.5), np.array(0.0),
        **LEADER_WEIGHTS,
    )  # fmt: skip
    low = rules.update_leader_anxiety(
        np.array(0.05), np.array(0.0), np.array(0.0), np.array(0.0), np.array(0.0), np.array(0.8),
        **LEADER_WEIGHTS,
    )  # fmt: skip
    assert high == 1.0
    assert low == 0.0


def test_leader_anxiety_support_is_the_only_relief_beyond_decay():
    args = [np.array(x) for x in (0.4, 0.3, 0.1, 0.2, 0.0)]
    without = rules.update_leader_anxiety(*args, np.array(0.0), **LEADER_WEIGHTS)
    with_support = rules.update_leader_anxiety(*args, np.array(0.5), **LEADER_WEIGHTS)
    assert without - with_support == approx(0.2 * 0.5)


def test_excess_anxiety():
    out = rules.excess_anxiety(np.array([0.7, 0.3, 0.5]), np.array([0.5, 0.5, 0.5]))
    assert out == pytest.approx([0.2, 0.0, 0.0], abs=TOL)


def test_erode_containment_by_hand():
    # 0.5 − 0.05·0.2·0.5
    assert rules.erode_containment(np.array(0.5), np.array(0.2), 0.05) == approx(0.495)
    assert rules.erode_containment(np.array(0.5), np.array(0.0), 0.05) == 0.5


def test_erode_containment_never_negative():
    assert rules.erode_containment(np.array(0.3), np.array(1.0), 1.0) == 0.0


REVERT = {"rate_up": 0.4, "rate_revert": 0.5, "pressure_weight": 0.5}


def test_revert_distribution_without_anxiety_or_pressure_moves_r_up_of_gap():
    d, target = np.array([0.2, 0.9]), np.array([0.7, 0.3])
    out = rules.revert_distribution(d, target, np.zeros(2), np.full(2, 0.5), np.zeros(2), **REVERT)
    # 0.2 + 0.4·(0.7 − 0.2) and 0.9 + 0.4·(0.3 − 0.9)
    assert out == pytest.approx([0.4, 0.66], abs=TOL)


def test_revert_distribution_with_excess_by_hand():
    out = rules.revert_distribution(
        np.array(0.2), np.array(0.7), np.array(0.3), np.array(0.5), np.array(0.1), **REVERT
    )
    up = 0.4 * (1 - 0.3) * (0.7 - 0.2)  # 0.14
    back = 0.5 * (0.3 * (1 + 0.5) + 0.5 * 0.1) * 0.2  # 0.05
    assert out == approx(0.2 + up - back)
    assert out == approx(0.29)


def test_revert_distribution_reverts_at_target_when_excess_positive():
    d = np.array(0.6)
    out = rules.revert_distribution(d, d, np.array(0.2), np.array(0.3), np.array(0.0), **REVERT)
    assert out == approx(0.6 - 0.5 * 0.2 * 1.3 * 0.6)
    assert out < d


def test_revert_distribution_full_excess_gives_no_upward_move():
    out = rules.revert_distribution(
        np.array(0.2), np.array(0.9), np.array(1.0), np.array(0.0), np.array(0.0), **REVERT
    )
    assert out == approx(0.2 - 0.5 * 1.0 * 0.2)


def test_revert_distribution_overt_pressure_settles_below_target():
    d, target, R = np.array(0.1), np.array(0.7), np.array(0.2)
    for _ in range(500):
        d = rules.revert_distribution(d, target, np.array(0.0), np.array(0.3), R, **REVERT)
    # fixed point: r_up·(T − d) = r_rev·w_R·R·d  ⇒  d = r_up·T / (r_up + r_rev·w_R·R)
    assert d == pytest.approx(0.4 * 0.7 / (0.4 + 0.5 * 0.5 * 0.2), abs=1e-12)
    assert d < target


def test_revert_distribution_stays_in_unit_interval():
    out = rules.revert_distribution(
        np.array([0.9, 0.1]), np.array([1.0, 0.0]), np.array([1.0, 1.0]), np.array([1.0, 1.0]),
        np.array([1.0, 1.0]), rate_up=1.0, rate_revert=1.0, pressure_weight=5.0,
    )  # fmt: skip
    assert np.all((out >= 0) & (out <= 1))
    assert out[0] == 0.0


# --- leaders' learning group -------------------------------------------------------------------


def test_attends_meeting_threshold():
    # chance 1 − 0.6·0.5 = 0.7
    u = np.array([0.0, 0.69, 0.7, 0.99])
    assert np.array_equal(rules.attends_meeting(np.full(4, 0.5), 0.6, u), [1, 1, 0, 0])


def test_calm_heads_always_attend_and_anxious_busy_heads_never():
    u = np.linspace(0, 0.999, 50)
    assert rules.attends_meeting(np.zeros(50), 0.6, u).all()
    assert not rules.attends_meeting(np.ones(50), 1.0, u).any()


def test_group_support():
    out = rules.group_support(np.array([True, False]), 0.8, np.array(0.5))
    assert out == pytest.approx([0.4, 0.0], abs=TOL)


def test_learn_containment():
    # 0.4 + 0.15·0.4·(1 − 0.4)
    assert rules.learn_containment(np.array(0.4), np.array(0.4), 0.15) == approx(0.436)
    assert rules.learn_containment(np.array(0.4), np.array(0.0), 0.15) == 0.4


def test_update_cohesion():
    # 0.5 + 0.1·(0.75·0.5 − 0.25·0.5)
    assert rules.update_cohesion(np.array(0.5), np.array(0.75), 0.1) == approx(0.525)
    # full attendance pulls towards 1, none towards 0
    assert rules.update_cohesion(np.array(0.5), np.array(1.0), 0.1) == approx(0.55)
    assert rules.update_cohesion(np.array(0.5), np.array(0.0), 0.1) == approx(0.45)


# --- offers, take-up, outcomes -------------------------------------------------------------------


def test_offer_opportunities():
    # probability 0.5·0.8 = 0.4
    u = np.array([0.0, 0.39, 0.4, 0.9])
    assert np.array_equal(rules.offer_opportunities(0.5, np.full(4, 0.8), u), [1, 1, 0, 0])


def test_no_offers_without_distribution_or_access():
    u = np.linspace(0, 0.999, 20)
    assert not rules.offer_opportunities(0.0, np.ones(20), u).any()
    assert not rules.offer_opportunities(1.0, np.zeros(20), u).any()
    assert rules.offer_opportunities(1.0, np.ones(20), u).all()


def test_social_proof_share_of_neighbours_who_led():
    adjacency, degree = path_graph()
    out = rules.social_proof(adjacency @ np.array([1.0, 0.0, 1.0, 1.0]), degree)
    # node 0: neighbour 1 did not lead; node 1: both led; node 2: 1 did not; node 3: none
    assert out == pytest.approx([0.0, 1.0, 0.0, 0.0], abs=TOL)
    out = rules.social_proof(adjacency @ np.array([1.0, 0.0, 0.0, 0.0]), degree)
    assert out == pytest.approx([0.0, 0.5, 0.0, 0.0], abs=TOL)


def test_takeup_probability_by_hand():
    out = rules.takeup_probability(
        authority=np.array(0.5),
        social_proof_share=np.array(0.5),
        trust=np.array(0.6),
        anxiety=np.array(0.2),
        dependency=np.array(0.4),
        threshold=np.array(0.3),
        sharpness=8.0,
        proof_weight=0.4,
        trust_weight=0.3,
        dependency_weight=0.5,
    )
    drive = 0.5 + 0.4 * 0.5 + 0.3 * 0.6 - 0.2 - 0.5 * 0.4 - 0.3  # 0.18
    assert out == approx(1 / (1 + math.exp(-8 * drive)))


def test_takeup_falls_with_anxiety_and_dependency_rises_with_proof():
    base = {
        "authority": np.array(0.5),
        "social_proof_share": np.array(0.5),
        "trust": np.array(0.6),
        "anxiety": np.array(0.2),
        "dependency": np.array(0.4),
        "threshold": np.array(0.3),
        "sharpness": 8.0,
        "proof_weight": 0.4,
        "trust_weight": 0.3,
        "dependency_weight": 0.5,
    }
    p0 = rules.takeup_probability(**base)
    assert rules.takeup_probability(**{**base, "anxiety": np.array(0.4)}) < p0
    assert rules.takeup_probability(**{**base, "dependency": np.array(0.8)}) < p0
    assert rules.takeup_probability(**{**base, "social_proof_share": np.array(1.0)}) > p0
    assert rules.takeup_probability(**{**base, "trust": np.array(0.9)}) > p0


def test_success_probability_by_hand():
    out = rules.success_probability(
        expertise=np.array(0.5),
        peer_trust=np.array(0.5),
        containment=np.array(0.6),
        role_clarity=np.array(0.5),
        sharpness=6.0,
        peer_weight=0.3,
        holding_weight=0.3,
        difficulty=0.5,
    )
    drive = 0.5 + 0.3 * 0.5 + 0.3 * 0.6 * 0.5 - 0.5  # 0.24
    assert out == approx(1 / (1 + math.exp(-6 * drive)))


def test_collision_probability():
    assert rules.collision_probability(np.array(0.25), 0.6) == approx(0.45)
    assert rules.collision_probability(np.array(1.0), 0.6) == 0.0


def test_stays_unresolved():
    # probability 1 − 0.75 = 0.25 (exact in binary)
    u = np.array([0.0, 0.24, 0.25, 0.8])
    assert np.array_equal(rules.stays_unresolved(np.full(4, 0.75), u), [1, 1, 0, 0])
    assert not rules.stays_unresolved(np.ones(4), u).any()


# --- staff updates ------------------------------------------------------------------------------

AUTH = {"gain": 0.12, "loss": 0.08, "rest_pull": 0.005}


def test_update_authority_three_branches():
    a = np.full(3, 0.5)
    succeeded = np.array([True, False, False])
    failed = np.array([False, True, False])
    leading = np.array([True, True, False])
    out = rules.update_authority(a, np.full(3, 0.4), succeeded, failed, leading, 0.25, **AUTH)
    expected = [
        0.5 + 0.12 * (1 - 0.25) * (1 - 0.5),  # success: 0.545
        0.5 - 0.08,  # failure: 0.42
        0.5 + 0.005 * (0.4 - 0.5),  # idle: 0.4995
    ]
    assert out == pytest.approx(expected, abs=TOL)


def test_update_authority_heroic_leader_takes_the_credit():
    args = (np.array([0.5]), np.array([0.5]), np.array([True]), np.array([False]), np.array([True]))
    assert rules.update_authority(*args, 1.0, **AUTH) == approx(0.5)
    assert rules.update_authority(*args, 0.0, **AUTH) == approx(0.56)


def test_update_authority_loss_is_additive_and_clipped():
    out = rules.update_authority(
        np.array([0.05, 0.9]), np.array([0.5, 0.5]), np.array([False, False]),
        np.array([True, True]), np.array([True, True]), 0.3, **AUTH,
    )  # fmt: skip
    assert out == pytest.approx([0.0, 0.82], abs=TOL)


def test_neighbour_mean_with_isolated_node_keeps_own_value():
    adjacency, degree = path_graph()
    values = np.array([0.1, 0.5, 0.9, 0.3])
    out = rules.neighbour_mean(adjacency @ values, degree, values)
    assert out == pytest.approx([0.5, 0.5, 0.5, 0.3], abs=TOL)
    assert values == pytest.approx([0.1, 0.5, 0.9, 0.3])  # input untouched


ANXIETY_ZERO = {
    "ambiguity": 0.0,
    "contagion": 0.0,
    "failure_weight": 0.0,
    "conflict_weight": 0.0,
    "pressure_weight": 0.0,
    "holding": 0.0,
    "reflection": 0.0,
    "decay": 0.0,
}
ANXIETY_STATE = {
    "anxiety": np.array(0.4),
    "neighbour_anxiety": np.array(0.6),
    "distribution": np.array(0.5),
    "role_clarity": np.array(0.2),
    "failed": np.array(True),
    "in_conflict": np.array(True),
    "pressure": np.array(0.5),
    "containment": np.array(0.5),
    "trust": np.array(0.6),
    "reflecting": np.array(True),
}


@pytest.mark.parametrize(
    ("weight", "value", "expected"),
    [
        (None, 0.0, 0.4),  # no weight: nothing moves
        ("ambiguity", 0.06, 0.4 + 0.06 * 0.5 * (1 - 0.2)),  # 0.424
        ("contagion", 0.2, 0.4 + 0.2 * (0.6 - 0.4)),  # 0.44
        ("failure_weight", 0.05, 0.45),
        ("conflict_weight", 0.08, 0.48),
        ("pressure_weight", 0.03, 0.4 + 0.03 * 0.5),  # 0.415
        ("holding", 0.2, 0.4 - 0.2 * 0.5 * 0.6 * 0.4),  # 0.376
        ("reflection", 0.1, 0.4 - 0.1 * 0.4),  # 0.36
        ("decay", 0.05, 0.4 - 0.05 * 0.4),  # 0.38
    ],
)
def test_update_staff_anxiety_each_term_alone(weight, value, expected):
    weights = dict(ANXIETY_ZERO)
    if weight is not None:
        weights[weight] = value
    assert rules.update_staff_anxiety(**ANXIETY_STATE, **weights) == approx(expected)


def test_update_staff_anxiety_terms_switch_off_without_their_event():
    state = {
        **ANXIETY_STATE,
        "failed": np.array(False),
        "in_conflict": np.array(False),
        "reflecting": np.array(False),
    }
    weights = {**ANXIETY_ZERO, "failure_weight": 0.05, "conflict_weight": 0.08, "reflection": 0.1}
    assert rules.update_staff_anxiety(**state, **weights) == approx(0.4)


def test_update_staff_anxiety_all_terms_sum():
    weights = {
        "ambiguity": 0.06,
        "contagion": 0.2,
        "failure_weight": 0.05,
        "conflict_weight": 0.08,
        "pressure_weight": 0.03,
        "holding": 0.2,
        "reflection": 0.1,
        "decay": 0.05,
    }
    expected = 0.4 + 0.024 + 0.04 + 0.05 + 0.08 + 0.015 - 0.024 - 0.04 - 0.02
    assert rules.update_staff_anxiety(**ANXIETY_STATE, **weights) == approx(expected)


def test_update_staff_anxiety_relief_never_below_zero_and_load_never_above_one():
    relief = {**ANXIETY_ZERO, "holding": 1.0, "reflection": 1.0, "decay": 1.0}
    state = {**ANXIETY_STATE, "containment": np.array(1.0), "trust": np.array(1.0)}
    assert rules.update_staff_anxiety(**state, **relief) == 0.0
    load = {**ANXIETY_ZERO, "failure_weight": 1.0, "conflict_weight": 1.0}
    assert rules.update_staff_anxiety(**ANXIETY_STATE, **load) == 1.0


DEP = {"projection": 0.1, "independence": 0.02, "referral": 0.05}


def test_update_dependency_terms():
    dep, a, x = np.array(0.4), np.array(0.5), np.array(0.6)
    f, t = np.array(False), np.array(True)
    # projection: 0.4 + 0.1·(1 − 0.5)·(0.6 − 0.4)
    assert rules.update_dependency(dep, a, x, f, f, **DEP) == approx(0.41)
    # + success: − 0.02·0.4
    assert rules.update_dependency(dep, a, x, t, f, **DEP) == approx(0.41 - 0.008)
    # + unresolved conflict: + 0.05
    assert rules.update_dependency(dep, a, x, f, t, **DEP) == approx(0.46)
    # full authority: no projection
    assert rules.update_dependency(dep, np.array(1.0), x, f, f, **DEP) == approx(0.4)


def test_update_dependency_clipped():
    out = rules.update_dependency(
        np.array(0.99), np.array(0.0), np.array(1.0), np.array(False), np.array(True),
        projection=1.0, independence=0.0, referral=1.0,
    )  # fmt: skip
    assert out == 1.0


TRUST = {"holding_gain": 0.05, "abdication_loss": 0.05, "withdrawal_loss": 2.0}


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ({"holding_gain": 0.05}, 0.6 + 0.05 * 0.5 * 0.4 * (1 - 0.6)),  # 0.604
        ({"abdication_loss": 0.05}, 0.6 - 0.05 * 0.5 * (1 - 0.5) * 0.6),  # 0.5925
        ({"withdrawal_loss": 2.0}, 0.6 - 2.0 * (0.7 - 0.5) * 0.3),  # 0.48
        (TRUST, 0.6 + 0.004 - 0.0075 - 0.12),
    ],
)
def test_update_trust_three_terms(weights, expected):
    full = {"holding_gain": 0.0, "abdication_loss": 0.0, "withdrawal_loss": 0.0, **weights}
    out = rules.update_trust(
        np.array(0.6),
        containment=np.array(0.5),
        role_clarity=np.array(0.4),
        distribution=np.array(0.5),
        distribution_before=np.array(0.7),
        recently_led=np.array(0.3),
        **full,
    )
    assert out == approx(expected)


def test_update_trust_no_withdrawal_when_distribution_grows():
    out = rules.update_trust(
        np.array(0.6), np.array(0.5), np.array(0.4), np.array(0.7), np.array(0.5),
        np.array(1.0), holding_gain=0.0, abdication_loss=0.0, withdrawal_loss=2.0,
    )  # fmt: skip
    assert out == approx(0.6)


def test_update_trust_clipped_at_zero():
    out = rules.update_trust(
        np.array(0.2), np.array(0.5), np.array(0.4), np.array(0.0), np.array(0.9),
        np.array(1.0), **TRUST,
    )  # fmt: skip
    assert out == 0.0


def test_update_peer_trust_logistic_steps():
    pt = np.full(3, 0.5)
    together = np.array([True, False, True])
    conflict = np.array([False, True, True])
    out = rules.update_peer_trust(pt, together, conflict, gain=0.08, loss=0.2)
    # ±π·0.5·0.5
    assert out == pytest.approx([0.52, 0.45, 0.5 + 0.02 - 0.05], abs=TOL)


def test_update_peer_trust_fixed_points_zero_and_one():
    pt = np.array([0.0, 1.0, 0.0, 1.0])
    together = np.array([True, True, False, False])
    conflict = np.array([False, False, True, True])
    out = rules.update_peer_trust(pt, together, conflict, gain=1.0, loss=1.0)
    assert np.array_equal(out, pt)


def test_update_peer_trust_approaches_ends_without_reaching_them():
    pt_up, pt_down = np.array([0.3]), np.array([0.7])
    for _ in range(60):
        new_up = rules.update_peer_trust(pt_up, np.array([True]), np.array([False]), 0.2, 0.2)
        new_down = rules.update_peer_trust(pt_down, np.array([False]), np.array([True]), 0.2, 0.2)
        assert new_up > pt_up and new_down < pt_down  # monotone
        pt_up, pt_down = new_up, new_down
    assert 0.99 < pt_up[0] < 1.0
    assert 0.0 < pt_down[0] < 0.01


def test_remember_leading():
    out = rules.remember_leading(np.array([0.4, 0.4]), np.array([True, False]), 0.25)
    # 0.75·0.4 + 0.25·1 and 0.75·0.4
    assert out == pytest.approx([0.55, 0.3], abs=TOL)


def test_remember_leading_converges_to_one_and_zero():
    r = np.array([0.0, 1.0])
    for _ in range(200):
        r = rules.remember_leading(r, np.array([True, False]), 0.25)
    assert r == pytest.approx([1.0, 0.0], abs=1e-12)
    assert np.all((r >= 0) & (r <= 1))


def test_reflect_role_clarity():
    out = rules.reflect_role_clarity(np.array([0.5, 0.5]), np.array([True, False]), 0.2)
    assert out == pytest.approx([0.6, 0.5], abs=TOL)


REPLAN = {"tolerance_low": 0.35, "tolerance_high": 0.5, "step_up": 0.1}


@pytest.mark.parametrize(
    ("target", "anxiety", "expected"),
    [
        (0.4, 0.30, 0.5),  # calm: up
        (0.4, 0.40, 0.4),  # between: hold
        (0.4, 0.35, 0.4),  # exactly tolerance_low: not below, hold
        (0.4, 0.50, 0.4),  # exactly tolerance_high: not above, hold
        (0.4, 0.60, 0.3),  # anxious: down
        (0.65, 0.30, 0.7),  # up, clamped at the ceiling
        (0.15, 0.60, 0.1),  # down, clamped at the floor
    ],
)
def test_replan_target(target, anxiety, expected):
    out = rules.replan_target(
        np.array(target), np.array(anxiety), **REPLAN, floor=np.array(0.1), ceiling=np.array(0.7)
    )
    assert out == approx(expected)


@pytest.mark.parametrize(
    ("rate", "acts", "anxiety", "expected"),
    [
        (0.8, 10.0, 0.3, 0.5),  # went well, calm: up
        (0.5, 10.0, 0.3, 0.5),  # exactly the success needed: up
        (0.4, 10.0, 0.3, 0.4),  # poor success: hold
        (0.8, 10.0, 0.4, 0.4),  # went well but staff between tolerances: hold
        (0.8, 10.0, 0.6, 0.3),  # anxious: down
        (0.1, 10.0, 0.6, 0.3),  # anxious and poor: down
        (0.0, 0.0, 0.3, 0.4),  # no acts: no step up
        (0.0, 0.0, 0.6, 0.3),  # no acts and anxious: still down
    ],
)
def test_replan_adaptive(rate, acts, anxiety, expected):
    out = rules.replan_adaptive(
        np.array(0.4), np.array(rate), np.array(acts), np.array(anxiety), 0.5, **REPLAN,
        floor=np.array(0.1), ceiling=np.array(0.9),
    )  # fmt: skip
    assert out == approx(expected)


def test_replan_adaptive_no_acts_no_step_up_even_when_nothing_is_needed():
    out = rules.replan_adaptive(
        np.array(0.4), np.array(0.0), np.array(0.0), np.array(0.0), 0.0, **REPLAN,
        floor=np.array(0.1), ceiling=np.array(0.9),
    )  # fmt: skip
    assert out == approx(0.4)


def test_replan_adaptive_clamped():
    out = rules.replan_adaptive(
        np.array([0.85, 0.15]), np.array([1.0, 1.0]), np.array([5.0, 5.0]),
        np.array([0.1, 0.9]), 0.5, **REPLAN, floor=np.array(0.1), ceiling=np.array(0.9),
    )  # fmt: skip
    assert out == pytest.approx([0.9, 0.1], abs=TOL)


def test_update_trust_abdication_grows_as_containment_falls():
    """τ_a·d·(1 − containment)·t: at containment 0.2 the loss is four times that at 0.8."""
    low, high = (
        rules.update_trust(
            np.array(0.6), np.array(c), np.array(0.4), np.array(0.5), np.array(0.5),
            np.array(0.0), holding_gain=0.0, abdication_loss=0.05, withdrawal_loss=0.0,
        )
        for c in (0.2, 0.8)
    )  # fmt: skip
    assert low == approx(0.6 - 0.05 * 0.5 * 0.8 * 0.6)  # 0.588
    assert high == approx(0.6 - 0.05 * 0.5 * 0.2 * 0.6)  # 0.597


def test_social_proof_of_one_neighbour_who_led_is_one():
    adjacency, degree = path_graph()  # 0 — 1 — 2, 3 alone: 0 and 2 have one neighbour each
    out = rules.social_proof(adjacency @ np.array([0.0, 1.0, 0.0, 0.0]), degree)
    assert out == pytest.approx([1.0, 0.0, 1.0, 0.0], abs=TOL)

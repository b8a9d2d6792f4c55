"""The compiled kernels on cases built by hand, where every decision is certain.

The oracle of ``test_kernels.py`` compares a week of random outcomes with the rules,
so a change that moves a probability without flipping a draw passes it. Here the
sharpness of take-up and success is 1000, the largest allowed, and each case sits at
least 0.03 from its threshold (σ(±30): 1 or 0 in float64), so the kernel's decision
is fixed by the rule, and a wrong share, weight or memory flips it.
"""

from __future__ import annotations

import numpy as np
import pytest

from leadsim.engine import Engine, RunSpec
from leadsim.params import Parameters

MARGIN = 0.04


def engine_at_week(params: Parameters, weeks: int = 3, seed: int = 5) -> Engine:
    engine = Engine([RunSpec(params, seed=seed, organisations=2)])
    engine.run(weeks)
    return engine


def test_take_up_reads_the_share_of_neighbours_who_led_last_week():
    """L̄ = (neighbours who led) / degree: each person's threshold sits just below or
    just above their own share, so each takes up exactly when it is below."""
    params = Parameters(
        n_staff=60,
        access_senior=1.0,
        access_academic=1.0,
        access_professional=1.0,
        takeup_sharpness=1000.0,
        social_proof_weight=1.0,
        takeup_trust_weight=0.0,
        takeup_dependency_weight=0.0,
    )
    engine = engine_at_week(params)
    rng = np.random.default_rng(0)
    engine.leading = rng.random(engine.n_staff) < 0.5  # who led last week
    led = engine.adjacency @ engine.leading.astype(np.float64)
    degree = engine.degree.astype(np.float64)
    share = np.divide(led, degree, out=np.zeros_like(led), where=degree > 0)
    below = np.arange(engine.n_staff) % 2 == 0
    engine.threshold[:] = share + np.where(below, -MARGIN, MARGIN)
    engine.distribution[:] = 1.0  # everyone is offered
    engine.authority[:] = 0.0
    engine.anxiety[:] = 0.0
    offered, leading = engine._offer_and_take_up()
    assert offered.all()
    assert np.array_equal(leading, below)
    # a share over degree + 1 would flip some of these decisions
    wrong = led / (degree + 1.0)
    assert ((wrong > engine.threshold) != below).sum() > 10


def test_success_weighs_peer_trust_by_phi_and_holding_by_psi():
    """φ = 0.9 on peer trust, ψ = 0.1 on containment·role clarity, in two organisations
    with different containment: each act succeeds exactly when its drive is positive."""
    params = Parameters(
        n_staff=40,
        success_sharpness=1000.0,
        success_peer_trust_weight=0.9,
        success_holding_weight=0.1,
        task_difficulty=0.5,
    )
    engine = engine_at_week(params)
    rng = np.random.default_rng(1)
    n = engine.n_staff
    engine.containment[:] = [0.8, 0.3]
    engine.role_clarity[:] = [0.5, 0.9]
    holding = (engine.containment * engine.role_clarity)[engine.org]
    peer_trust = rng.uniform(0.0, 0.45, n)
    side = np.where(np.arange(n) % 3 == 0, -1.0, 1.0) * 0.03
    # drive = expertise + 0.9·peer trust + 0.1·holding − 0.5 = side
    engine.expertise = 0.5 - 0.9 * peer_trust - 0.1 * holding + side
    engine.peer_trust = peer_trust
    leading = np.ones(n, dtype=bool)
    succeeded, failed, *_ = engine._outcomes(leading)
    assert np.array_equal(succeeded, side > 0)
    assert np.array_equal(failed, side < 0)
    swapped = engine.expertise + 0.1 * peer_trust + 0.9 * holding - 0.5
    assert ((swapped > 0) != (side > 0)).sum() > 5  # φ and ψ swapped would show


def test_trust_falls_by_withdrawal_times_recent_leading_and_by_abdication():
    """MODEL.md §4, trust: + τ_h·c·rc·(1 − t) − τ_a·d·(1 − c)·t − τ_w·max(0, d_prev − d)·recently_led,
    with ``recently_led`` as it was before this week (not this week's acts)."""
    params = Parameters(
        n_staff=40, holding_trust_gain=0.05, abdication_trust_loss=0.05, withdrawal_trust_loss=0.5
    )
    engine = engine_at_week(params)
    rng = np.random.default_rng(2)
    n = engine.n_staff
    offered, leading = engine._offer_and_take_up()
    succeeded, failed, collisions, in_conflict, unresolved = engine._outcomes(leading)
    engine.distribution_before[:] = [0.8, 0.6]
    engine.distribution[:] = [0.5, 0.6]  # the first head takes 0.3 back, the second nothing
    engine.containment[:] = [0.2, 0.7]
    engine.role_clarity[:] = [0.6, 0.3]
    engine.recently_led[:] = rng.uniform(0.0, 1.0, n)
    engine.trust[:] = rng.uniform(0.3, 0.9, n)
    trust, recent = engine.trust.copy(), engine.recently_led.copy()
    reflecting = np.zeros(engine.n_org, dtype=bool)
    engine._update_staff(
        offered, leading, succeeded, failed, collisions, in_conflict, unresolved, reflecting
    )
    o = engine.org
    c, rc = engine.containment[o], engine.role_clarity[o]
    withdrawn = np.array([0.3, 0.0])[o]
    d = engine.distribution[o]
    expected = np.clip(
        trust + 0.05 * c * rc * (1 - trust) - 0.05 * d * (1 - c) * trust - 0.5 * withdrawn * recent,
        0,
        1,
    )
    assert engine.trust == pytest.approx(expected, abs=1e-12)
    # this week's acts and the memory disagree for many: the test tells them apart
    assert (leading != (recent > 0.5)).sum() > 5
    # and the memory moves after trust has read it: w·leading + (1 − w)·before
    assert engine.recently_led == pytest.approx(0.75 * recent + 0.25 * leading, abs=1e-12)

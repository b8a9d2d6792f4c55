"""The model's mechanisms (MODEL.md §4), one small pure function each.

Every function takes numbers or numpy arrays (that broadcast) and returns new ones;
none draws random numbers (uniforms come in as arguments) and none touches engine
state. The engine's compiled loops (:mod:`leadsim.engine.kernels`) call these very
functions on one person or one organisation at a time, so this file is the one
statement of the rules: ``@rule`` (numba's ``register_jitable``) leaves each an
ordinary Python function and lets compiled code call it too.
Quotes are from the source texts: seed 000 (the ASERT project's conclusions) and seed
004 (top leaders, distributed leadership and collaborative learning groups).
"""

from __future__ import annotations

import math

import numpy as np
from numba import types
from numba.extending import overload
from numba.extending import register_jitable as rule

Array = np.ndarray


def exp(x: Array) -> Array:
    """``e^x`` of a number or an array (numpy's ``exp``).

    In compiled code a number's ``e^x`` is ``math.exp``: numba's CUDA target has no
    ``np.exp`` (and on the CPU the two compile to the same call).
    """
    return np.exp(x)


@overload(exp)
def _exp(x):
    if isinstance(x, types.Number):
        return lambda x: math.exp(x)
    return lambda x: np.exp(x)  # an array: the CPU's compiled code only


# Written so that a number and an array take the same path: a yes/no counts as 1 or 0
# in arithmetic (no ``np.where``, which would make compiled code build an array per call).


@rule
def clip01(x: Array) -> Array:
    """Clip to [0, 1]: every bounded state of the model lives there."""
    return np.minimum(np.maximum(x, 0.0), 1.0)


@rule
def logistic(x: Array, sharpness: float | Array) -> Array:
    """σ(sharpness·x) = 1 / (1 + e^(−sharpness·x)); at infinite sharpness a step (away from 0)."""
    return 1.0 / (1.0 + exp(-sharpness * x))


# --- organisation and leader ---------------------------------------------------------


@rule
def decay_pressure(pressure: Array, baseline: Array, decay_weeks: Array) -> Array:
    """Accountability pressure relaxes to its baseline: ``p_base + (p − p_base)·e^(−1/τ_p)``.

    Seed 004: accountability pressure (public targets, inspection) pushes top leaders
    to hold on to power.
    """
    return baseline + (pressure - baseline) * exp(-1.0 / decay_weeks)


@rule
def update_leader_anxiety(
    anxiety: Array,
    pressure: Array,
    reversion_pressure: Array,
    failure_rate: Array,
    unresolved_share: Array,
    support: Array,
    k_pressure: Array,
    k_reversion: Array,
    k_failure: Array,
    k_conflict: Array,
    k_support: Array,
    decay: Array,
) -> Array:
    """``A + k_p·pressure + k_r·R + k_f·F + k_c·U − k_s·support − λ_A·A``, clipped.

    Seed 004: distributing leadership raises anxiety for the top leader too; top
    leaders "need to be able to have confidence and support to manage this experience".
    """
    change = (
        k_pressure * pressure
        + k_reversion * reversion_pressure
        + k_failure * failure_rate
        + k_conflict * unresolved_share
        - k_support * support
        - decay * anxiety
    )
    return clip01(anxiety + change)


@rule
def excess_anxiety(leader_anxiety: Array, containment: Array) -> Array:
    """What containment cannot hold: ``E = max(0, A − containment)``.

    Seed 004: "unless the leader intervenes to contain the anxiety that is generated,
    it is likely that the change will be subject to overt and covert pressures to
    revert to the known role".
    """
    return np.maximum(0.0, leader_anxiety - containment)


@rule
def erode_containment(containment: Array, excess: Array, erosion: Array) -> Array:
    """``containment − η_c·E·containment``: a leader overwhelmed for long loses the capacity to hold."""
    return clip01(containment - erosion * excess * containment)


@rule
def revert_distribution(
    distribution: Array,
    target: Array,
    excess: Array,
    heroic_identification: Array,
    reversion_pressure: Array,
    rate_up: Array,
    rate_revert: Array,
    pressure_weight: Array,
) -> Array:
    """Move distribution towards the target, and back when anxiety outruns containment.

    ``d + r_up·(1 − E)·(target − d) − r_rev·(E·(1 + heroic) + w_R·R)·d``. Reversion
    is not scripted: it follows from excess anxiety and staff's overt pressure R
    (seed 004: staff "seek the apparent, if illusory, protection afforded by more
    hierarchical structures").
    """
    up = rate_up * (1.0 - excess) * (target - distribution)
    back = rate_revert * (
        excess * (1.0 + heroic_identification) + pressure_weight * reversion_pressure
    )
    return clip01(distribution + up - back * distribution)


# --- leaders' learning group ---------------------------------------------------------------


@rule
def attends_meeting(leader_anxiety: Array, busy: Array, u: Array) -> Array:
    """A head attends with probability ``1 − busy·anxiety``: the most anxious attend least."""
    return u < 1.0 - busy * leader_anxiety


@rule
def group_support(attends: Array, quality: Array, cohesion: Array) -> Array:
    """Attenders are held: ``support = quality·cohesion``; absentees get nothing.

    Seed 004 (the CLLG project): "to distribute leadership, learning must be supported
    at the top too".
    """
    return attends * quality * cohesion


@rule
def learn_containment(containment: Array, support: Array, learning: Array) -> Array:
    """``containment + μ·support·(1 − containment)``: having been held, a head learns to hold."""
    return clip01(containment + learning * support * (1.0 - containment))


@rule
def update_cohesion(cohesion: Array, attending_share: Array, rate: Array) -> Array:
    """``cohesion + rate·(attending·(1 − cohesion) − absent·cohesion)``."""
    absent = 1.0 - attending_share
    return clip01(cohesion + rate * (attending_share * (1.0 - cohesion) - absent * cohesion))


# --- staff: offers, take-up, outcomes ------------------------------------------------------


@rule
def offer_opportunities(distribution: Array, access: Array, u: Array) -> Array:
    """Offered with probability ``distribution·access[role]``.

    Seed 000 (i): different forms of expertise among "academics, professional and
    administrative staff"; ``access`` is the resources criterion of ASERT.
    """
    return u < distribution * access


@rule
def social_proof(neighbours_led: Array, degree: Array) -> Array:
    """``L̄``: the share of one's ``degree`` neighbours who led last week (0 with no neighbours)."""
    return neighbours_led / np.maximum(degree, 1)  # with no neighbours, 0 led: 0 / 1


@rule
def takeup_probability(
    authority: Array,
    social_proof_share: Array,
    trust: Array,
    anxiety: Array,
    dependency: Array,
    threshold: Array,
    sharpness: Array,
    proof_weight: Array,
    trust_weight: Array,
    dependency_weight: Array,
) -> Array:
    """``σ(β·(authority + γ·L̄ + δ·trust − anxiety − ε·dependency − θ))``: a threshold model.

    Declining what is offered is the covert pressure to revert (seed 004).
    """
    drive = (
        authority
        + proof_weight * social_proof_share
        + trust_weight * trust
        - anxiety
        - dependency_weight * dependency
        - threshold
    )
    return logistic(drive, sharpness)


@rule
def success_probability(
    expertise: Array,
    peer_trust: Array,
    containment: Array,
    role_clarity: Array,
    sharpness: Array,
    peer_weight: Array,
    holding_weight: Array,
    difficulty: Array,
) -> Array:
    """``σ(β_s·(expertise + φ·peer_trust + ψ·containment·role_clarity − difficulty))``."""
    drive = expertise + peer_weight * peer_trust + holding_weight * containment * role_clarity
    return logistic(drive - difficulty, sharpness)


@rule
def collision_probability(peer_trust: Array, collision_rate: Array) -> Array:
    """Two acting neighbours collide with ``χ·(1 − peer_trust)`` of the one who met."""
    return collision_rate * (1.0 - peer_trust)


@rule
def stays_unresolved(peer_trust: Array, u: Array) -> Array:
    """A conflict stays unresolved, and is referred back up, with probability ``1 − peer_trust``.

    Seed 004: peers who collaborate "do not simply refer back up to top leaders"; unresolved rivalry does.
    """
    return u < 1.0 - peer_trust


# --- staff updates ---------------------------------------------------------------------------


@rule
def update_authority(
    authority: Array,
    resting: Array,
    succeeded: Array,
    failed: Array,
    leading: Array,
    heroic_identification: Array,
    gain: Array,
    loss: Array,
    rest_pull: Array,
) -> Array:
    """Success builds authority (less under a heroic head), failure costs it, idleness relaxes it.

    ``+η_s·(1 − heroic)·(1 − a)`` on success, ``−η_f`` on failure,
    ``λ_a·(resting − a)`` in weeks not acting. Seed 004 (Fletcher): the "collaborative
    subtext is not recognized and is often mistaken for individual achievement".
    """
    acting = (
        succeeded * gain * (1.0 - heroic_identification) * (1.0 - authority) - failed * loss
    )  # success and failure happen only to those leading
    idle = (1.0 - leading) * rest_pull * (resting - authority)
    return clip01(authority + acting + idle)


@rule
def neighbour_mean(neighbours_total: Array, degree: Array, own: Array) -> Array:
    """Mean over a person's ``degree`` neighbours from their total (their ``own`` value with none)."""
    return neighbours_total / np.maximum(degree, 1) + (degree == 0) * own


@rule
def update_staff_anxiety(
    anxiety: Array,
    neighbour_anxiety: Array,
    distribution: Array,
    role_clarity: Array,
    failed: Array,
    in_conflict: Array,
    pressure: Array,
    containment: Array,
    trust: Array,
    reflecting: Array,
    ambiguity: Array,
    contagion: Array,
    failure_weight: Array,
    conflict_weight: Array,
    pressure_weight: Array,
    holding: Array,
    reflection: Array,
    decay: Array,
) -> Array:
    """Role ambiguity, contagion, failure, conflict and pressure raise anxiety; holding lowers it.

    ``+ α_u·d·(1 − role_clarity) + α_c·(neighbours' mean − x) + α_f·failure + α_k·conflict
    + α_p·pressure − α_h·containment·trust·x − α_r·reflecting·x − λ_x·x``. Seed 000
    (ii) asks for "multiple cycles of planning, action, reflection and replanning";
    seed 004 for a holding environment that contains the anxiety distribution raises.
    """
    change = (
        ambiguity * distribution * (1.0 - role_clarity)
        + contagion * (neighbour_anxiety - anxiety)
        + failure_weight * failed
        + conflict_weight * in_conflict
        + pressure_weight * pressure
        - holding * containment * trust * anxiety
        - reflection * reflecting * anxiety
        - decay * anxiety
    )
    return clip01(anxiety + change)


@rule
def update_dependency(
    dependency: Array,
    authority: Array,
    anxiety: Array,
    succeeded: Array,
    unresolved: Array,
    projection: Array,
    independence: Array,
    referral: Array,
) -> Array:
    """Projection onto the head: ``+ δ_x·(1 − a)·(x − dep) − δ_s·success·dep + ρ_d·unresolved``.

    Seed 004: staff project heroic expectations onto the leader and "seek the
    apparent, if illusory, protection afforded by more hierarchical structures".
    """
    change = (
        projection * (1.0 - authority) * (anxiety - dependency)
        - independence * succeeded * dependency
        + referral * unresolved
    )
    return clip01(dependency + change)


@rule
def update_trust(
    trust: Array,
    containment: Array,
    role_clarity: Array,
    distribution: Array,
    distribution_before: Array,
    recently_led: Array,
    holding_gain: Array,
    abdication_loss: Array,
    withdrawal_loss: Array,
) -> Array:
    """Trust grows under contained distribution, falls with abdication and with withdrawal.

    ``+ τ_h·containment·clarity·(1 − t) − τ_a·d·(1 − containment)·t
    − τ_w·max(0, d_before − d)·recently_led``. Seed 004: staff may "resent what they
    perceive as the abdication of their leaders".
    """
    withdrawn = np.maximum(0.0, distribution_before - distribution)
    change = (
        holding_gain * containment * role_clarity * (1.0 - trust)
        - abdication_loss * distribution * (1.0 - containment) * trust
        - withdrawal_loss * withdrawn * recently_led
    )
    return clip01(trust + change)


@rule
def update_peer_trust(
    peer_trust: Array,
    succeeded_together: Array,
    in_conflict: Array,
    gain: Array,
    loss: Array,
) -> Array:
    """Logistic peer trust: ``± π·pt·(1 − pt)`` after shared success or conflict (a tipping point).

    Seed 004: peers must move from competition to collaboration.
    """
    room = peer_trust * (1.0 - peer_trust)
    return clip01(peer_trust + gain * succeeded_together * room - loss * in_conflict * room)


@rule
def remember_leading(recently_led: Array, leading: Array, weight: Array) -> Array:
    """``(1 − w)·recently_led + w·leading``: memory of one's own leading."""
    return (1.0 - weight) * recently_led + weight * leading


@rule
def reflect_role_clarity(role_clarity: Array, reflecting: Array, gain: Array) -> Array:
    """In a reflection week role clarity grows: ``+ κ_c·(1 − clarity)``.

    Seed 000 (ii): "cycles of planning, action, reflection and replanning".
    """
    return clip01(role_clarity + gain * reflecting * (1.0 - role_clarity))


@rule
def replan_target(
    target: Array,
    mean_staff_anxiety: Array,
    tolerance_low: Array,
    tolerance_high: Array,
    step_up: Array,
    floor: Array,
    ceiling: Array,
) -> Array:
    """At a cycle's end: step the target up when staff are calm, down when they are anxious."""
    up = mean_staff_anxiety < tolerance_low
    down = mean_staff_anxiety > tolerance_high
    moved = target + step_up * up - step_up * down
    return np.minimum(np.maximum(moved, floor), ceiling)


@rule
def replan_adaptive(
    target: Array,
    cycle_success_rate: Array,
    cycle_acts: Array,
    mean_staff_anxiety: Array,
    success_needed: Array,
    tolerance_low: Array,
    tolerance_high: Array,
    step_up: Array,
    floor: Array,
    ceiling: Array,
) -> Array:
    """Adaptive head: up when the cycle went well and staff are calm, down when anxious."""
    up = (
        (cycle_acts > 0)
        & (cycle_success_rate >= success_needed)
        & (mean_staff_anxiety < tolerance_low)
    )
    down = mean_staff_anxiety > tolerance_high
    moved = target + step_up * up - step_up * down
    return np.minimum(np.maximum(moved, floor), ceiling)

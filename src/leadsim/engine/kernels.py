"""The step's loops, compiled: each walks the flat arrays once and applies the rules.

The engine's state is flat arrays (:mod:`leadsim.engine.core`); a week is a handful
of passes over them. Each kernel below is one pass: a plain loop over organisations
or staff that calls the mechanisms of :mod:`leadsim.engine.rules` on one person (or
one organisation) at a time. numba compiles the loop and the rules it calls into one
machine-code function, so a week costs a few passes over memory instead of some 150
numpy calls and their temporaries (issue 5; ``benchmarks/README.md`` has the figures).

Nothing here decides what happens: the rules do, and the random numbers are the
counter-based ones of :mod:`leadsim.engine.random` (the same bits as its numpy
``uniform``). With ``NUMBA_DISABLE_JIT=1`` these run as ordinary Python, to step
through in a debugger, with the very same results (a test checks it); numpy then warns
that the uint64 hash overflows, which it does on purpose.

Each kernel's loop body is a function of its own (``_lead_one(o, ...)``, marked
``register_jitable`` and inlined into the loop): :mod:`leadsim.engine.gpu` calls the
very same bodies from CUDA kernels, one thread per organisation or person.

Parameters arrive one array per organisation (``p[o]``), in the order of the
``*_PARAMETERS`` name tuples beside each kernel; staff find theirs through ``org[i]``,
or through their organisation's contiguous block. Sums over an organisation's staff
run over that block in index order, so a run's results are bit-identical alone and
inside any batch. The argument lists are long on purpose: each kernel names every
array it reads and writes, so the data flow of a week can be read off its calls in
:mod:`leadsim.engine.core`.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
from pathlib import Path

import numba
import numpy as np
from numba.extending import register_jitable

from leadsim.engine import rules
from leadsim.engine.metrics import METRICS, gini_of_histogram
from leadsim.engine.random import Purpose, stream_base_one, uniform_one


def _source_key() -> str:
    """A key of every source the kernels are built from (a changed rule changes it)."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("kernels.py", "rules.py", "random.py", "metrics.py", "network.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def _writable(folder: Path) -> bool:
    """``folder`` exists (or can be made) and this user can write in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def cache_roots() -> list[Path]:
    """Where the compiled kernels may be kept, first choice first.

    ``LEADSIM_CACHE_DIR`` if set; else beside the package (its ``__pycache__``, as numba
    does); else the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``), for an
    install this user cannot write to (a system or shared venv).
    """
    chosen = os.environ.get("LEADSIM_CACHE_DIR")
    if chosen:
        return [Path(chosen)]
    user = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return [Path(__file__).parent / "__pycache__" / "kernels", Path(user) / "leadsim" / "kernels"]


def _cache_dir() -> str | None:
    """Where compiled kernels are kept: under a key of every source they are built from.

    numba's own cache notices a change to the kernel's file only; a researcher who edits a
    rule in ``rules.py`` must not get the old compiled rule back, wherever the cache lives
    (numba's fallback to ``~/.cache/numba`` would drop the key, so leadsim picks the
    folder itself: :func:`cache_roots`). None when no folder can be written: the kernels
    then compile in memory in every process, and :data:`CACHE_PROBLEM` says why.
    """
    key = _source_key()
    for root in cache_roots():
        if _writable(root / key):
            return str(root / key)
    return None


_CACHE_DIR = _cache_dir()
CACHE_PROBLEM = (
    None
    if _CACHE_DIR
    else (
        "no writable folder for compiled kernels (tried "
        + ", ".join(str(root) for root in cache_roots())
        + "): they compile again in every process; set LEADSIM_CACHE_DIR to a folder you "
        "can write to"
    )
)


def cache_ready() -> bool:
    """Every kernel has been compiled into the cache once (by :mod:`leadsim.engine.compiled`)."""
    return _CACHE_DIR is not None and (Path(_CACHE_DIR) / "ready").exists()


def mark_ready() -> None:
    """Record that every kernel is in the cache (quietly nothing if it cannot be written)."""
    if _CACHE_DIR is not None:
        with contextlib.suppress(OSError):
            (Path(_CACHE_DIR) / "ready").write_text("every kernel compiled into this folder\n")


def jit(function=None, *, nrt=True):
    """Compile ``function`` lazily (at its first call), cached on disk under :func:`_cache_dir`.

    The phase kernels below are compiled without numba's reference counting
    (``@jit(nrt=False)``; they allocate nothing): each calls its loop's body once per
    person or organisation, inlined, and counting the references to each of the body's
    arrays on every call would cost more than the body itself.
    """
    if function is None:
        return lambda function: jit(function, nrt=nrt)
    if _CACHE_DIR is None:
        return numba.njit(nogil=True, error_model="numpy", _nrt=nrt)(function)
    saved = numba.config.CACHE_DIR  # read when the cache is attached, just below
    numba.config.CACHE_DIR = _CACHE_DIR
    try:
        return numba.njit(cache=True, nogil=True, error_model="numpy", _nrt=nrt)(function)
    finally:
        numba.config.CACHE_DIR = saved


# The random streams drawn every week, in the column order of the per-run bases.
STEP_PURPOSES: tuple[Purpose, ...] = (
    Purpose.OFFER,
    Purpose.TAKEUP,
    Purpose.SUCCESS,
    Purpose.MEET,
    Purpose.COLLIDE,
    Purpose.RESOLVE,
    Purpose.ATTEND,
)
OFFER, TAKEUP, SUCCESS, MEET, COLLIDE, RESOLVE, ATTEND = range(len(STEP_PURPOSES))

# Rows of the observation kernel's output: one per metric, in METRICS order.
(
    DISTRIBUTION_INDEX,
    LEADERSHIP_DENSITY,
    LEADERSHIP_CENTRALIZATION,
    ANXIETY,
    TRUST,
    PEER_TRUST,
    DEPENDENCY,
    AUTHORITY,
    LEADER_ANXIETY,
    DISTRIBUTION,
    CONTAINMENT,
    REVERSION_PRESSURE,
    CONFLICT_RATE,
    SUCCESS_RATE,
    PRESSURE,
    ROLE_CLARITY,
    TARGET,
    ACTS,
    SUCCESSES,
    COLLISIONS,
    OFFERS,
    UNRESOLVED_SHARE,
    SUPPORT,
    ATTENDED,
    IN_GROUP,
) = range(25)
assert len(METRICS) == 25 and METRICS[UNRESOLVED_SHARE] == "unresolved_share"

# Columns of the week's per-organisation tally of its staff (sums over its staff).
(
    T_ACTS,
    T_SUCCESSES,
    T_FAILURES,
    T_COLLISIONS,
    T_OFFERS,
    T_UNRESOLVED,
    T_ANXIETY,
    T_TRUST,
    T_PEER_TRUST,
    T_DEPENDENCY,
    T_AUTHORITY,
    T_REVERSION_PRESSURE,
    T_ACTIVE,
) = range(13)
TALLY_COLUMNS = 13


@register_jitable(inline="always")
def _step_bases_one(r, seeds, step, purposes, out):
    """Run r's stream starts for this step: one row of :func:`step_bases`."""
    for k in range(purposes.size):
        out[r, k] = stream_base_one(seeds[r], np.uint64(step), purposes[k])


@jit(nrt=False)
def step_bases(seeds, step, purposes, out):
    """Each run's stream start for this step, for each purpose: ``out[run, purpose]``."""
    for r in range(seeds.size):
        _step_bases_one(r, seeds, step, purposes, out)


# --- step 2 and 4: the head of each organisation ----------------------------------------


LEAD_PARAMETERS = (
    "pressure_baseline",
    "pressure_decay_weeks",
    "leader_pressure_sensitivity",
    "leader_reversion_sensitivity",
    "leader_failure_sensitivity",
    "leader_conflict_sensitivity",
    "leader_support_relief",
    "leader_anxiety_decay",
    "containment_erosion",
    "distribution_rate",
    "reversion_rate",
    "reversion_pressure_weight",
)


@register_jitable(inline="always")
def _lead_one(
    o, pressure, leader_anxiety, reversion_pressure, failure_rate, unresolved_share, support,
    containment, distribution, distribution_before, target, heroic_identification, excess,
    baseline, decay_weeks, k_pressure, k_reversion, k_failure, k_conflict, k_support,
    anxiety_decay, erosion, rate_up, rate_revert, pressure_weight,
):  # fmt: skip
    """Organisation o's head: one step of :func:`lead`."""
    pressure[o] = rules.decay_pressure(pressure[o], baseline[o], decay_weeks[o])
    leader_anxiety[o] = rules.update_leader_anxiety(
        leader_anxiety[o],
        pressure[o],
        reversion_pressure[o],
        failure_rate[o],
        unresolved_share[o],
        support[o],
        k_pressure[o],
        k_reversion[o],
        k_failure[o],
        k_conflict[o],
        k_support[o],
        anxiety_decay[o],
    )
    e = rules.excess_anxiety(leader_anxiety[o], containment[o])
    excess[o] = e
    containment[o] = rules.erode_containment(containment[o], e, erosion[o])
    distribution_before[o] = distribution[o]
    distribution[o] = rules.revert_distribution(
        distribution[o],
        target[o],
        e,
        heroic_identification[o],
        reversion_pressure[o],
        rate_up[o],
        rate_revert[o],
        pressure_weight[o],
    )


@jit(nrt=False)
def lead(
    pressure,
    leader_anxiety,
    reversion_pressure,
    failure_rate,
    unresolved_share,
    support,
    containment,
    distribution,
    distribution_before,
    target,
    heroic_identification,
    excess,
    # LEAD_PARAMETERS, one value per organisation:
    baseline,
    decay_weeks,
    k_pressure,
    k_reversion,
    k_failure,
    k_conflict,
    k_support,
    anxiety_decay,
    erosion,
    rate_up,
    rate_revert,
    pressure_weight,
):
    """Pressure relaxes; each head's anxiety, containment and distribution move (in place)."""
    for o in range(pressure.size):
        _lead_one(
            o, pressure, leader_anxiety, reversion_pressure, failure_rate, unresolved_share,
            support, containment, distribution, distribution_before, target,
            heroic_identification, excess, baseline, decay_weeks, k_pressure, k_reversion,
            k_failure, k_conflict, k_support, anxiety_decay, erosion, rate_up, rate_revert,
            pressure_weight,
        )  # fmt: skip


# --- step 3: the leaders' learning group ---------------------------------------------------

MEET_PARAMETERS = ("meeting_interval", "busy_absence", "group_quality", "containment_learning")


@register_jitable(inline="always")
def _meeting(o, step, in_group, interval):
    """Whether organisation o's head is called to a meeting of the group this week."""
    return in_group[o] and step % np.int64(interval[o]) == 0


@register_jitable(inline="always")
def _meet_one(
    o, step, bases, org_run, org_keys, in_group, leader_anxiety, cohesion, containment,
    support, attended, interval, busy, quality, learning,
):  # fmt: skip
    """Organisation o's head at this week's meeting (if any): one step of :func:`meet`."""
    attends = False
    if _meeting(o, step, in_group, interval):
        u = uniform_one(bases[org_run[o], ATTEND], org_keys[o])
        attends = rules.attends_meeting(leader_anxiety[o], busy[o], u)
    # held by the group as it was before this meeting (its cohesion moves after)
    support[o] = rules.group_support(attends, quality[o], cohesion[org_run[o]])
    if attends:
        containment[o] = rules.learn_containment(containment[o], support[o], learning[o])
    attended[o] = attends


@jit(nrt=False)
def meet(
    step,
    bases,
    org_run,
    org_keys,
    in_group,
    leader_anxiety,
    cohesion,
    containment,
    support,
    attended,
    # MEET_PARAMETERS, one value per organisation:
    interval,
    busy,
    quality,
    learning,
):
    """Who attends this week's meeting, the support they get, the containment they learn."""
    for o in range(org_run.size):
        _meet_one(
            o, step, bases, org_run, org_keys, in_group, leader_anxiety, cohesion, containment,
            support, attended, interval, busy, quality, learning,
        )  # fmt: skip


@register_jitable(inline="always")
def _cohesion_one(r, step, run_first_org, run_orgs, in_group, attended, cohesion, interval, rate):  # fmt: skip
    """Run r's group after its meeting: one step of :func:`update_cohesion`."""
    members = 0
    present = 0
    first = run_first_org[r]
    for o in range(first, first + run_orgs[r]):
        if _meeting(o, step, in_group, interval):
            members += 1
            present += attended[o]
    if members > 0:  # the run's rate is its first organisation's (one group per run)
        cohesion[r] = rules.update_cohesion(cohesion[r], present / members, rate[first])


@jit(nrt=False)
def update_cohesion(step, run_first_org, run_orgs, in_group, attended, cohesion, interval, rate):
    """Each run's group grows cohesive as its members attend, and frays as they stay away."""
    for r in range(cohesion.size):
        _cohesion_one(
            r, step, run_first_org, run_orgs, in_group, attended, cohesion, interval, rate
        )


# --- step 5: offers and take-up ------------------------------------------------------------


TAKEUP_PARAMETERS = (
    "takeup_sharpness",
    "social_proof_weight",
    "takeup_trust_weight",
    "takeup_dependency_weight",
)


@register_jitable(inline="always")
def _offer_and_take_up_one(
    o, bases, org_run, org_start, org_size, keys, role, indptr, distribution, access,
    neighbours_led, authority, trust, anxiety, dependency, threshold, offered, leading,
    sharpness, proof_weight, trust_weight, dependency_weight, listed, at,
):  # fmt: skip
    """Organisation o's offers and take-up: one step of :func:`offer_and_take_up`.

    ``listed[at:at + org_size[o]]`` is scratch space for the list of those offered.
    """
    offer_base, takeup_base = bases[org_run[o], OFFER], bases[org_run[o], TAKEUP]
    distribution_o = distribution[o]
    sharpness_o, proof_weight_o = sharpness[o], proof_weight[o]
    trust_weight_o, dependency_weight_o = trust_weight[o], dependency_weight[o]
    first, last = org_start[o], org_start[o] + org_size[o]
    # who is offered, listed (without a branch per person: a guess per person costs)
    candidates = 0
    for i in range(first, last):
        offered[i] = rules.offer_opportunities(
            distribution_o, access[o, role[i]], uniform_one(offer_base, keys[i])
        )
        leading[i] = False
        listed[at + candidates] = i
        candidates += offered[i]
    for c in range(candidates):
        i = listed[at + c]
        proof = rules.social_proof(neighbours_led[i], indptr[i + 1] - indptr[i])
        chance = rules.takeup_probability(
            authority[i],
            proof,
            trust[i],
            anxiety[i],
            dependency[i],
            threshold[i],
            sharpness_o,
            proof_weight_o,
            trust_weight_o,
            dependency_weight_o,
        )
        leading[i] = uniform_one(takeup_base, keys[i]) < chance


@jit  # its list of those offered is allocated: references counted
def offer_and_take_up(
    bases,
    org_run,
    org_start,
    org_size,
    keys,
    role,
    indptr,
    distribution,
    access,
    neighbours_led,
    authority,
    trust,
    anxiety,
    dependency,
    threshold,
    offered,
    leading,
    # TAKEUP_PARAMETERS:
    sharpness,
    proof_weight,
    trust_weight,
    dependency_weight,
):
    """Who is offered an opportunity, and who of them takes it up (into ``offered``, ``leading``).

    ``neighbours_led[i]``: how many of i's neighbours led last week (counted by last
    week's :func:`update_staff`, or by :func:`count_led_neighbours`).
    """
    listed = np.empty(org_size.max() if org_size.size else 0, dtype=np.int64)
    for o in range(org_start.size):
        _offer_and_take_up_one(
            o, bases, org_run, org_start, org_size, keys, role, indptr, distribution, access,
            neighbours_led, authority, trust, anxiety, dependency, threshold, offered, leading,
            sharpness, proof_weight, trust_weight, dependency_weight, listed, 0,
        )  # fmt: skip


# --- step 6: outcomes and conflict -----------------------------------------------------------


OUTCOME_PARAMETERS = (
    "success_sharpness",
    "success_peer_trust_weight",
    "success_holding_weight",
    "task_difficulty",
    "collision_rate",
)


@register_jitable(inline="always")
def _clear_outcomes_one(i, succeeded, failed, collisions, in_conflict, unresolved):
    """Person i's outcomes before the week's acts: the first pass of :func:`outcomes`."""
    succeeded[i] = failed[i] = in_conflict[i] = unresolved[i] = False
    collisions[i] = 0.0


@register_jitable(inline="always")
def _act_one(
    i, bases, run, keys, org, indptr, indices, leading, expertise, peer_trust, containment,
    role_clarity, succeeded, failed, collisions, in_conflict,
    sharpness, peer_weight, holding_weight, difficulty, collision_rate,
):  # fmt: skip
    """Person i's act, if any: success, the neighbour met and a collision (may mark j too)."""
    if not leading[i]:
        return
    o, r = org[i], run[i]
    chance = rules.success_probability(
        expertise[i],
        peer_trust[i],
        containment[o],
        role_clarity[o],
        sharpness[o],
        peer_weight[o],
        holding_weight[o],
        difficulty[o],
    )
    succeeded[i] = uniform_one(bases[r, SUCCESS], keys[i]) < chance
    failed[i] = not succeeded[i]
    degree = indptr[i + 1] - indptr[i]
    if degree == 0:
        return
    pick = np.int64(math.floor(uniform_one(bases[r, MEET], keys[i]) * degree))  # CUDA: no np.floor
    j = indices[indptr[i] + pick]
    if not leading[j]:
        return
    chance = rules.collision_probability(peer_trust[i], collision_rate[o])
    if uniform_one(bases[r, COLLIDE], keys[i]) < chance:
        collisions[i] += 1.0
        in_conflict[i] = True
        in_conflict[j] = True


@register_jitable(inline="always")
def _resolve_one(i, bases, run, keys, peer_trust, in_conflict, unresolved):
    """Whether person i's conflict stays unresolved (after every act has been made)."""
    if in_conflict[i]:
        unresolved[i] = rules.stays_unresolved(
            peer_trust[i], uniform_one(bases[run[i], RESOLVE], keys[i])
        )


@jit(nrt=False)
def outcomes(
    bases,
    run,
    keys,
    org,
    indptr,
    indices,
    leading,
    expertise,
    peer_trust,
    containment,
    role_clarity,
    succeeded,
    failed,
    collisions,
    in_conflict,
    unresolved,
    # OUTCOME_PARAMETERS:
    sharpness,
    peer_weight,
    holding_weight,
    difficulty,
    collision_rate,
):
    """Success or failure of each act; each actor meets one random neighbour and may collide.

    Three passes over the staff: an act may mark a neighbour as in conflict, so every
    act is made before any conflict is resolved.
    """
    for i in range(org.size):
        _clear_outcomes_one(i, succeeded, failed, collisions, in_conflict, unresolved)
    for i in range(org.size):
        _act_one(
            i, bases, run, keys, org, indptr, indices, leading, expertise, peer_trust,
            containment, role_clarity, succeeded, failed, collisions, in_conflict,
            sharpness, peer_weight, holding_weight, difficulty, collision_rate,
        )  # fmt: skip
    for i in range(org.size):
        _resolve_one(i, bases, run, keys, peer_trust, in_conflict, unresolved)


@register_jitable(inline="always")
def _count_led_one(i, indptr, indices, leading, neighbours_led):
    """How many of person i's neighbours are ``leading``."""
    led = 0
    for k in range(indptr[i], indptr[i + 1]):
        led += leading[indices[k]]
    neighbours_led[i] = led


@jit(nrt=False)
def count_led_neighbours(indptr, indices, leading, neighbours_led):
    """How many of each person's neighbours are ``leading``."""
    for i in range(indptr.size - 1):
        _count_led_one(i, indptr, indices, leading, neighbours_led)


# --- step 7: staff update (synchronous: neighbours' values are last week's) ---------------


STAFF_PARAMETERS = (
    "authority_gain",
    "authority_loss",
    "authority_rest_pull",
    "ambiguity_anxiety",
    "anxiety_contagion",
    "failure_anxiety",
    "conflict_anxiety",
    "pressure_anxiety",
    "holding_relief",
    "reflection_relief",
    "anxiety_decay",
    "projection_rate",
    "success_independence",
    "referral_dependency",
    "holding_trust_gain",
    "abdication_trust_loss",
    "withdrawal_trust_loss",
    "collaboration_gain",
    "conflict_peer_loss",
    "recent_weight",
)


@register_jitable(inline="always")
def _neighbourhood_one(i, indptr, indices, anxiety, leading, neighbours_led, anxiety_next):
    """Person i's neighbours: their mean anxiety (last week's) and how many led this week.

    The mean goes to ``anxiety_next[i]``, where the person's own update reads and
    replaces it; the count to ``neighbours_led[i]`` (also next week's social proof).
    """
    total = 0.0
    led = 0
    for k in range(indptr[i], indptr[i + 1]):
        j = indices[k]
        total += anxiety[j]
        led += leading[j]
    neighbours_led[i] = led  # also next week's social proof
    anxiety_next[i] = rules.neighbour_mean(total, indptr[i + 1] - indptr[i], anxiety[i])


@register_jitable(inline="always")
def _clear_tally_one(o, tally, hist):
    """Organisation o's tally and histogram set to zero, before its staff are added."""
    for c in range(tally.shape[1]):
        tally[o, c] = 0.0
    for v in range(hist.shape[1]):
        hist[o, v] = 0


@register_jitable(inline="always")
def _update_staff_one(
    o, org_start, org_size, leading, succeeded, failed, in_conflict, unresolved, authority,
    resting_authority, anxiety, anxiety_next, dependency, trust, peer_trust, recently_led,
    neighbours_led, offered, collisions, history, window_mask, tally, hist, head, parameters,
):  # fmt: skip
    """Organisation o's staff updated, in index order, and tallied: one step of :func:`update_staff`.

    Reads ``anxiety_next[i]`` as left by :func:`_neighbourhood_one` for each of its staff.
    ``head`` and ``parameters`` are tuples of the per-organisation arrays of
    :func:`update_staff`, in its order: a call of more than 30 arguments is compiled by
    Python as a call with ``*args``, which numba cannot inline.
    """
    (
        heroic_identification, distribution, distribution_before, role_clarity, pressure,
        containment, reflecting,
    ) = head  # fmt: skip
    (
        authority_gain, authority_loss, authority_rest_pull, ambiguity_anxiety,
        anxiety_contagion, failure_anxiety, conflict_anxiety, pressure_anxiety, holding_relief,
        reflection_relief, anxiety_decay, projection_rate, success_independence,
        referral_dependency, holding_trust_gain, abdication_trust_loss, withdrawal_trust_loss,
        collaboration_gain, conflict_peer_loss, recent_weight,
    ) = parameters  # fmt: skip
    _clear_tally_one(o, tally, hist)
    # the organisation's head and parameters, read once for all its staff
    heroic_identification_o = heroic_identification[o]
    authority_gain_o = authority_gain[o]
    authority_loss_o = authority_loss[o]
    authority_rest_pull_o = authority_rest_pull[o]
    distribution_o = distribution[o]
    role_clarity_o = role_clarity[o]
    pressure_o = pressure[o]
    containment_o = containment[o]
    reflecting_o = reflecting[o]
    ambiguity_anxiety_o = ambiguity_anxiety[o]
    anxiety_contagion_o = anxiety_contagion[o]
    failure_anxiety_o = failure_anxiety[o]
    conflict_anxiety_o = conflict_anxiety[o]
    pressure_anxiety_o = pressure_anxiety[o]
    holding_relief_o = holding_relief[o]
    reflection_relief_o = reflection_relief[o]
    anxiety_decay_o = anxiety_decay[o]
    projection_rate_o = projection_rate[o]
    success_independence_o = success_independence[o]
    referral_dependency_o = referral_dependency[o]
    distribution_before_o = distribution_before[o]
    holding_trust_gain_o = holding_trust_gain[o]
    abdication_trust_loss_o = abdication_trust_loss[o]
    withdrawal_trust_loss_o = withdrawal_trust_loss[o]
    collaboration_gain_o = collaboration_gain[o]
    conflict_peer_loss_o = conflict_peer_loss[o]
    recent_weight_o = recent_weight[o]
    for i in range(org_start[o], org_start[o] + org_size[o]):
        neighbour_anxiety = anxiety_next[i]
        authority_before, anxiety_before = authority[i], anxiety[i]
        authority[i] = rules.update_authority(
            authority_before,
            resting_authority[i],
            succeeded[i],
            failed[i],
            leading[i],
            heroic_identification_o,
            authority_gain_o,
            authority_loss_o,
            authority_rest_pull_o,
        )
        anxiety_next[i] = rules.update_staff_anxiety(
            anxiety_before,
            neighbour_anxiety,
            distribution_o,
            role_clarity_o,
            failed[i],
            in_conflict[i],
            pressure_o,
            containment_o,
            trust[i],
            reflecting_o,
            ambiguity_anxiety_o,
            anxiety_contagion_o,
            failure_anxiety_o,
            conflict_anxiety_o,
            pressure_anxiety_o,
            holding_relief_o,
            reflection_relief_o,
            anxiety_decay_o,
        )
        dependency[i] = rules.update_dependency(
            dependency[i],
            authority_before,
            anxiety_before,
            succeeded[i],
            unresolved[i],
            projection_rate_o,
            success_independence_o,
            referral_dependency_o,
        )
        trust[i] = rules.update_trust(
            trust[i],
            containment_o,
            role_clarity_o,
            distribution_o,
            distribution_before_o,
            recently_led[i],
            holding_trust_gain_o,
            abdication_trust_loss_o,
            withdrawal_trust_loss_o,
        )
        peer_trust[i] = rules.update_peer_trust(
            peer_trust[i],
            succeeded[i] and neighbours_led[i] > 0,
            in_conflict[i],
            collaboration_gain_o,
            conflict_peer_loss_o,
        )
        recently_led[i] = rules.remember_leading(recently_led[i], leading[i], recent_weight_o)
        history[i] = (history[i] << np.uint32(1)) | np.uint32(leading[i])
        _tally_one(
            i, o, offered, leading, succeeded, failed, collisions, unresolved, anxiety_next,
            trust, peer_trust, dependency, authority, history, window_mask, tally, hist,
        )  # fmt: skip


@jit(nrt=False)
def update_staff(
    org_start,
    org_size,
    indptr,
    indices,
    leading,
    succeeded,
    failed,
    in_conflict,
    unresolved,
    authority,
    resting_authority,
    anxiety,
    anxiety_next,
    dependency,
    trust,
    peer_trust,
    recently_led,
    neighbours_led,
    offered,
    collisions,
    history,
    window_mask,
    tally,
    hist,
    heroic_identification,
    distribution,
    distribution_before,
    role_clarity,
    pressure,
    containment,
    reflecting,
    # STAFF_PARAMETERS:
    authority_gain,
    authority_loss,
    authority_rest_pull,
    ambiguity_anxiety,
    anxiety_contagion,
    failure_anxiety,
    conflict_anxiety,
    pressure_anxiety,
    holding_relief,
    reflection_relief,
    anxiety_decay,
    projection_rate,
    success_independence,
    referral_dependency,
    holding_trust_gain,
    abdication_trust_loss,
    withdrawal_trust_loss,
    collaboration_gain,
    conflict_peer_loss,
    recent_weight,
):
    """Every staff member's new state; anxiety goes to ``anxiety_next``, the rest in place.

    In the same pass it counts, for each person, the neighbours who led this week
    (``neighbours_led``, next week's social proof), adds this week to each person's
    leading ``history``, and tallies each organisation's staff (as :func:`tally_staff`).

    Neighbours read each other's anxiety, so it is double-buffered; every other state
    is read only by its owner, so it is updated in place after all its readers.
    """
    # First each neighbourhood: the neighbours' mean anxiety (last week's), held in
    # anxiety_next until the person's own update replaces it, and how many led this week.
    # (A pass of its own: its irregular inner loop would otherwise stall the arithmetic.)
    for i in range(anxiety.size):
        _neighbourhood_one(i, indptr, indices, anxiety, leading, neighbours_led, anxiety_next)
    head = (
        heroic_identification, distribution, distribution_before, role_clarity, pressure,
        containment, reflecting,
    )  # fmt: skip
    parameters = (
        authority_gain, authority_loss, authority_rest_pull, ambiguity_anxiety,
        anxiety_contagion, failure_anxiety, conflict_anxiety, pressure_anxiety, holding_relief,
        reflection_relief, anxiety_decay, projection_rate, success_independence,
        referral_dependency, holding_trust_gain, abdication_trust_loss, withdrawal_trust_loss,
        collaboration_gain, conflict_peer_loss, recent_weight,
    )  # fmt: skip
    for o in range(org_start.size):
        _update_staff_one(
            o, org_start, org_size, leading, succeeded, failed, in_conflict, unresolved,
            authority, resting_authority, anxiety, anxiety_next, dependency, trust, peer_trust,
            recently_led, neighbours_led, offered, collisions, history, window_mask, tally,
            hist, head, parameters,
        )  # fmt: skip


@register_jitable(inline="always")
def _tally_one(
    i, o, offered, leading, succeeded, failed, collisions, unresolved, anxiety, trust,
    peer_trust, dependency, authority, history, window_mask, tally, hist,
):  # fmt: skip
    """Adds person i to their organisation's tally and to the histogram of acts in the window."""
    count = _popcount(history[i] & window_mask[o])
    hist[o, count] += 1
    tally[o, T_ACTIVE] += count > 0
    tally[o, T_ACTS] += leading[i]
    tally[o, T_SUCCESSES] += succeeded[i]
    tally[o, T_FAILURES] += failed[i]
    tally[o, T_COLLISIONS] += collisions[i]
    tally[o, T_OFFERS] += offered[i]
    tally[o, T_UNRESOLVED] += unresolved[i]
    tally[o, T_ANXIETY] += anxiety[i]
    tally[o, T_TRUST] += trust[i]
    tally[o, T_PEER_TRUST] += peer_trust[i]
    tally[o, T_DEPENDENCY] += dependency[i]
    tally[o, T_AUTHORITY] += authority[i]
    tally[o, T_REVERSION_PRESSURE] += dependency[i] * anxiety[i]


@register_jitable(inline="always")
def _tally_staff_one(
    o, org_start, org_size, offered, leading, succeeded, failed, collisions, unresolved,
    anxiety, trust, peer_trust, dependency, authority, history, window_mask, tally, hist,
):  # fmt: skip
    """Organisation o's tally of its staff, in index order: :func:`tally_staff` for one.

    The CPU's :func:`tally_staff` walks the staff (contiguous, organisation by
    organisation) and adds each in index order; this adds the same terms in the same
    order, for one organisation, where one thread tallies one organisation.
    """
    _clear_tally_one(o, tally, hist)
    for i in range(org_start[o], org_start[o] + org_size[o]):
        _tally_one(
            i, o, offered, leading, succeeded, failed, collisions, unresolved, anxiety,
            trust, peer_trust, dependency, authority, history, window_mask, tally, hist,
        )  # fmt: skip


@jit(nrt=False)
def tally_staff(
    org, offered, leading, succeeded, failed, collisions, unresolved, anxiety, trust,
    peer_trust, dependency, authority, history, window_mask, tally, hist,
):  # fmt: skip
    """Each organisation's sums over its staff, and its histogram of acts in the window.

    ``tally[o, T_...]`` are the sums; ``hist[o, v]`` counts its staff with v acts in the
    density window. :func:`update_staff` tallies as it updates; this pass tallies again
    when an extension may have changed the staff's state after the update.
    """
    tally[:] = 0.0
    hist[:] = 0
    for i in range(org.size):
        _tally_one(
            i, org[i], offered, leading, succeeded, failed, collisions, unresolved, anxiety,
            trust, peer_trust, dependency, authority, history, window_mask, tally, hist,
        )  # fmt: skip


# --- step 8: reflection and the week's close ------------------------------------------------


@register_jitable(inline="always")
def _reflection_one(o, step, cycle_origin, cycle_length, reflection_weeks, in_cycles, reflect_now, out):  # fmt: skip
    """Whether organisation o reflects this week: one step of :func:`reflection_weeks`."""
    position = (step - cycle_origin[o]) % np.int64(cycle_length[o])
    in_window = position >= cycle_length[o] - reflection_weeks[o]
    out[o] = (in_cycles[o] and in_window) or reflect_now[o]


@jit(nrt=False)
def reflection_weeks(
    step, cycle_origin, cycle_length, reflection_weeks, in_cycles, reflect_now, out
):
    """Whether each organisation reflects this week: the cycle's last weeks, or a live reflection."""
    for o in range(out.size):
        _reflection_one(
            o, step, cycle_origin, cycle_length, reflection_weeks, in_cycles, reflect_now, out
        )


@register_jitable(inline="always")
def _close_cycle_week_one(
    o, step, cycle_origin, cycle_length, clarity_gain, reflecting, role_clarity, org_size,
    tally, cycle_acts, cycle_successes, mean_anxiety, cycle_end,
):  # fmt: skip
    """Organisation o's close of the week: one step of :func:`close_cycle_week`."""
    role_clarity[o] = rules.reflect_role_clarity(role_clarity[o], reflecting[o], clarity_gain[o])
    cycle_acts[o] += tally[o, T_ACTS]
    cycle_successes[o] += tally[o, T_SUCCESSES]
    mean_anxiety[o] = tally[o, T_ANXIETY] / org_size[o]
    position = (step - cycle_origin[o]) % np.int64(cycle_length[o])
    cycle_end[o] = position == cycle_length[o] - 1


@jit(nrt=False)
def close_cycle_week(
    step,
    cycle_origin,
    cycle_length,
    clarity_gain,
    reflecting,
    role_clarity,
    org_size,
    tally,
    cycle_acts,
    cycle_successes,
    mean_anxiety,
    cycle_end,
):
    """Role clarity grows in reflection weeks; the cycle's acts and successes add up.

    Marks the organisations whose cycle ends this week (their staff's mean anxiety in
    ``mean_anxiety``) and returns whether any does, for the replanning that follows.
    """
    any_end = False
    for o in range(org_size.size):
        _close_cycle_week_one(
            o, step, cycle_origin, cycle_length, clarity_gain, reflecting, role_clarity,
            org_size, tally, cycle_acts, cycle_successes, mean_anxiety, cycle_end,
        )  # fmt: skip
        any_end = any_end or cycle_end[o]
    return any_end


# --- step 8: replanning at a cycle's end ---------------------------------------------------

REPLAN_PARAMETERS = ("tolerance_low", "tolerance_high", "step_up", "adaptive_success")


@register_jitable(inline="always")
def _replan_one(
    o, cycle_end, in_cycles, adaptive, mean_anxiety, cycle_acts, cycle_successes, target,
    target_floor, final_target, reflect_now, tolerance_low, tolerance_high, step_up,
    success_needed,
):  # fmt: skip
    """Organisation o's head replans if its cycle ended: one step of :func:`replan`."""
    reflect_now[o] = False  # a live reflection lasts the week it was called
    if not cycle_end[o]:
        return
    if in_cycles[o]:
        target[o] = rules.replan_target(
            target[o], mean_anxiety[o], tolerance_low[o], tolerance_high[o], step_up[o],
            target_floor[o], final_target[o],
        )  # fmt: skip
    elif adaptive[o]:
        acts = cycle_acts[o]
        rate = cycle_successes[o] / acts if acts > 0 else 0.0
        target[o] = rules.replan_adaptive(
            target[o], rate, acts, mean_anxiety[o], success_needed[o], tolerance_low[o],
            tolerance_high[o], step_up[o], target_floor[o], final_target[o],
        )  # fmt: skip
    cycle_acts[o] = 0.0
    cycle_successes[o] = 0.0


@jit(nrt=False)
def replan(
    cycle_end,
    in_cycles,
    adaptive,
    mean_anxiety,
    cycle_acts,
    cycle_successes,
    target,
    target_floor,
    final_target,
    reflect_now,
    # REPLAN_PARAMETERS, one value per organisation:
    tolerance_low,
    tolerance_high,
    step_up,
    success_needed,
):
    """Heads whose cycle ended step their target (cycles) or adapt it; live reflections end."""
    for o in range(cycle_end.size):
        _replan_one(
            o, cycle_end, in_cycles, adaptive, mean_anxiety, cycle_acts, cycle_successes,
            target, target_floor, final_target, reflect_now, tolerance_low, tolerance_high,
            step_up, success_needed,
        )  # fmt: skip


# --- step 9: observation ------------------------------------------------------------------


@register_jitable
def _popcount(x):
    """Bits set: few are (a density window of weeks), so a loop over them is quickest."""
    count = 0
    while x:
        x &= x - np.uint32(1)
        count += 1
    return count


@register_jitable(inline="always")
def _observe_one(
    o, org_size, tally, hist, density_window, leader_acts_window, leader_anxiety,
    distribution, containment, pressure, role_clarity, target, support, attended, in_group,
    failure_rate, unresolved_share, reversion_pressure, row,
):  # fmt: skip
    """Organisation o's metrics this week: one column of :func:`observe`."""
    size = org_size[o]
    t = tally[o]
    acts = t[T_ACTS]
    # the head's acts: staff × (1 − distribution), kept over the window
    leader_acts = size * (1.0 - distribution[o])
    for k in range(leader_acts_window.shape[1] - 1, 0, -1):
        leader_acts_window[o, k] = leader_acts_window[o, k - 1]
    leader_acts_window[o, 0] = leader_acts
    leader_recent = 0.0
    for k in range(density_window[o]):
        leader_recent += leader_acts_window[o, k]
    total = acts + leader_acts
    row[DISTRIBUTION_INDEX, o] = acts / total if total > 0 else 0.0
    row[LEADERSHIP_DENSITY, o] = t[T_ACTIVE] / size
    row[LEADERSHIP_CENTRALIZATION, o] = gini_of_histogram(hist[o], leader_recent, size)
    row[ANXIETY, o] = t[T_ANXIETY] / size
    row[TRUST, o] = t[T_TRUST] / size
    row[PEER_TRUST, o] = t[T_PEER_TRUST] / size
    row[DEPENDENCY, o] = t[T_DEPENDENCY] / size
    row[AUTHORITY, o] = t[T_AUTHORITY] / size
    row[LEADER_ANXIETY, o] = leader_anxiety[o]
    row[DISTRIBUTION, o] = distribution[o]
    row[CONTAINMENT, o] = containment[o]
    row[CONFLICT_RATE, o] = t[T_COLLISIONS] / acts if acts > 0 else 0.0
    row[SUCCESS_RATE, o] = t[T_SUCCESSES] / acts if acts > 0 else 0.0
    row[PRESSURE, o] = pressure[o]
    row[ROLE_CLARITY, o] = role_clarity[o]
    row[TARGET, o] = target[o]
    row[ACTS, o] = acts
    row[SUCCESSES, o] = t[T_SUCCESSES]
    row[COLLISIONS, o] = t[T_COLLISIONS]
    row[OFFERS, o] = t[T_OFFERS]
    row[SUPPORT, o] = support[o]
    row[ATTENDED, o] = attended[o]
    row[IN_GROUP, o] = in_group[o]
    failure_rate[o] = t[T_FAILURES] / acts if acts > 0 else 0.0
    unresolved_share[o] = t[T_UNRESOLVED] / size
    reversion_pressure[o] = t[T_REVERSION_PRESSURE] / size
    row[UNRESOLVED_SHARE, o] = unresolved_share[o]
    row[REVERSION_PRESSURE, o] = reversion_pressure[o]


@jit(nrt=False)
def observe(
    org_size,
    tally,
    hist,
    density_window,
    leader_acts_window,
    leader_anxiety,
    distribution,
    containment,
    pressure,
    role_clarity,
    target,
    support,
    attended,
    in_group,
    failure_rate,
    unresolved_share,
    reversion_pressure,
    row,
):
    """This week's metrics (MODEL.md §6) into ``row[metric, organisation]``, from the tally.

    Also moves each head's window of acts, and leaves the head's view of the week
    (failure rate, unresolved share, reversion pressure R) for next week's step 4.
    """
    for o in range(org_size.size):
        _observe_one(
            o, org_size, tally, hist, density_window, leader_acts_window, leader_anxiety,
            distribution, containment, pressure, role_clarity, target, support, attended,
            in_group, failure_rate, unresolved_share, reversion_pressure, row,
        )  # fmt: skip

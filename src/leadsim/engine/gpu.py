"""The week's phases as CUDA kernels: the same loop bodies as the CPU's, one thread each.

Each kernel of :mod:`leadsim.engine.kernels` is a loop whose body is a
``register_jitable`` function of the loop's index (``_lead_one(o, ...)``); numba's CUDA
target compiles those very bodies, and the rules of :mod:`leadsim.engine.rules` and the
random numbers of :mod:`leadsim.engine.random` that they call, as device functions.
Here the thread index takes the place of the loop (``o = cuda.grid(1)``), so there is
no second statement of the model: a rule changed in ``rules.py`` changes both engines.

One thread per organisation where a phase adds up an organisation's staff (the staff
update and its tally, the observation), its staff in index order as on the CPU, so the
sums are the same sums; one thread per person where each writes only its own entries
(a collision also marks the neighbour met as in conflict: every writer writes True).
A phase that the CPU runs as several passes over the staff is several launches here.

Each launcher takes the arguments of its CPU kernel, in the same order (two take
something else: :func:`offer_and_take_up` may be given its scratch list, and
:func:`tally_staff` takes ``org_start, org_size`` where the CPU's takes ``org``), as
numpy arrays (numba copies them to the device and back) or as device arrays.

Only this module imports ``numba.cuda``: ``import leadsim`` never does. Without a CUDA
GPU, :func:`require` (called by every launcher) says so in one line; with
``NUMBA_ENABLE_CUDASIM=1`` set before this module is imported, the kernels run on
numba's CUDA simulator, on the CPU, as Python (slowly: for tests on tiny batches).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from numba import config, cuda

from leadsim.engine import kernels as k

SIMULATED = bool(config.ENABLE_CUDASIM)
# Threads per block: the simulator runs each thread as a Python thread, so fewer there.
THREADS = 32 if SIMULATED else 128

_available: bool | None = None


def require() -> None:
    """Raise a one-line RuntimeError unless a CUDA GPU (or numba's simulator) is at hand."""
    global _available
    if _available is None:
        try:
            _available = bool(cuda.is_available())
        except Exception:  # a broken driver install: as good as none
            _available = False
    if not _available:
        raise RuntimeError(
            "no CUDA GPU found (numba.cuda.is_available() is False: no NVIDIA driver, "
            "device or CUDA runtime); set NUMBA_ENABLE_CUDASIM=1 to run the kernels on the "
            "CPU simulator"
        )


def _grid(n: int) -> tuple[int, int]:
    """Blocks and threads per block for n threads (at least one block)."""
    require()
    return max(1, -(-int(n) // THREADS)), THREADS


def _host(array) -> np.ndarray:
    """A device array's contents on the host (a numpy array as it is)."""
    return array.copy_to_host() if hasattr(array, "copy_to_host") else np.asarray(array)


# --- the kernels: one thread per run, organisation or person ------------------------------


@cuda.jit
def _step_bases(seeds, step, purposes, out):
    r = cuda.grid(1)
    if r < seeds.size:
        k._step_bases_one(r, seeds, step, purposes, out)


@cuda.jit
def _lead(
    pressure, leader_anxiety, reversion_pressure, failure_rate, unresolved_share, support,
    containment, distribution, distribution_before, target, heroic_identification, excess,
    baseline, decay_weeks, k_pressure, k_reversion, k_failure, k_conflict, k_support,
    anxiety_decay, erosion, rate_up, rate_revert, pressure_weight,
):  # fmt: skip
    o = cuda.grid(1)
    if o < pressure.size:
        k._lead_one(
            o, pressure, leader_anxiety, reversion_pressure, failure_rate, unresolved_share,
            support, containment, distribution, distribution_before, target,
            heroic_identification, excess, baseline, decay_weeks, k_pressure, k_reversion,
            k_failure, k_conflict, k_support, anxiety_decay, erosion, rate_up, rate_revert,
            pressure_weight,
        )  # fmt: skip


@cuda.jit
def _offer_and_take_up(
    bases, org_run, org_start, org_size, keys, role, indptr, distribution, access,
    neighbours_led, authority, trust, anxiety, dependency, threshold, offered, leading,
    sharpness, proof_weight, trust_weight, dependency_weight, listed,
):  # fmt: skip
    o = cuda.grid(1)
    if o < org_start.size:
        k._offer_and_take_up_one(
            o, bases, org_run, org_start, org_size, keys, role, indptr, distribution, access,
            neighbours_led, authority, trust, anxiety, dependency, threshold, offered, leading,
            sharpness, proof_weight, trust_weight, dependency_weight, listed, org_start[o],
        )  # fmt: skip


@cuda.jit
def _clear_outcomes(succeeded, failed, collisions, in_conflict, unresolved):
    i = cuda.grid(1)
    if i < succeeded.size:
        k._clear_outcomes_one(i, succeeded, failed, collisions, in_conflict, unresolved)


@cuda.jit
def _act(
    bases, run, keys, org, indptr, indices, leading, expertise, peer_trust, containment,
    role_clarity, succeeded, failed, collisions, in_conflict,
    sharpness, peer_weight, holding_weight, difficulty, collision_rate,
):  # fmt: skip
    i = cuda.grid(1)
    if i < org.size:
        k._act_one(
            i, bases, run, keys, org, indptr, indices, leading, expertise, peer_trust,
            containment, role_clarity, succeeded, failed, collisions, in_conflict,
            sharpness, peer_weight, holding_weight, difficulty, collision_rate,
        )  # fmt: skip


@cuda.jit
def _resolve(bases, run, keys, peer_trust, in_conflict, unresolved):
    i = cuda.grid(1)
    if i < in_conflict.size:
        k._resolve_one(i, bases, run, keys, peer_trust, in_conflict, unresolved)


@cuda.jit
def _count_led(indptr, indices, leading, neighbours_led):
    i = cuda.grid(1)
    if i < indptr.size - 1:
        k._count_led_one(i, indptr, indices, leading, neighbours_led)


@cuda.jit
def _neighbourhood(indptr, indices, anxiety, leading, neighbours_led, anxiety_next):
    i = cuda.grid(1)
    if i < anxiety.size:
        k._neighbourhood_one(i, indptr, indices, anxiety, leading, neighbours_led, anxiety_next)


@cuda.jit
def _update_staff(
    org_start, org_size, leading, succeeded, failed, in_conflict, unresolved, authority,
    resting_authority, anxiety, anxiety_next, dependency, trust, peer_trust, recently_led,
    neighbours_led, offered, collisions, history, window_mask, tally, hist,
    heroic_identification, distribution, distribution_before, role_clarity, pressure,
    containment, reflecting,
    authority_gain, authority_loss, authority_rest_pull, ambiguity_anxiety, anxiety_contagion,
    failure_anxiety, conflict_anxiety, pressure_anxiety, holding_relief, reflection_relief,
    anxiety_decay, projection_rate, success_independence, referral_dependency,
    holding_trust_gain, abdication_trust_loss, withdrawal_trust_loss, collaboration_gain,
    conflict_peer_loss, recent_weight,
):  # fmt: skip
    o = cuda.grid(1)
    if o < org_start.size:
        head = (
            heroic_identification, distribution, distribution_before, role_clarity, pressure,
            containment, reflecting,
        )  # fmt: skip
        parameters = (
            authority_gain, authority_loss, authority_rest_pull, ambiguity_anxiety,
            anxiety_contagion, failure_anxiety, conflict_anxiety, pressure_anxiety,
            holding_relief, reflection_relief, anxiety_decay, projection_rate,
            success_independence, referral_dependency, holding_trust_gain,
            abdication_trust_loss, withdrawal_trust_loss, collaboration_gain,
            conflict_peer_loss, recent_weight,
        )  # fmt: skip
        k._update_staff_one(
            o, org_start, org_size, leading, succeeded, failed, in_conflict, unresolved,
            authority, resting_authority, anxiety, anxiety_next, dependency, trust, peer_trust,
            recently_led, neighbours_led, offered, collisions, history, window_mask, tally,
            hist, head, parameters,
        )  # fmt: skip


@cuda.jit
def _tally_staff(
    org_start, org_size, offered, leading, succeeded, failed, collisions, unresolved, anxiety,
    trust, peer_trust, dependency, authority, history, window_mask, tally, hist,
):  # fmt: skip
    o = cuda.grid(1)
    if o < org_start.size:
        k._tally_staff_one(
            o, org_start, org_size, offered, leading, succeeded, failed, collisions, unresolved,
            anxiety, trust, peer_trust, dependency, authority, history, window_mask, tally,
            hist,
        )  # fmt: skip


@cuda.jit
def _reflection_weeks(step, cycle_origin, cycle_length, reflection_weeks, in_cycles, reflect_now, out):  # fmt: skip
    o = cuda.grid(1)
    if o < out.size:
        k._reflection_one(
            o, step, cycle_origin, cycle_length, reflection_weeks, in_cycles, reflect_now, out
        )


@cuda.jit
def _close_cycle_week(
    step, cycle_origin, cycle_length, clarity_gain, reflecting, role_clarity, org_size, tally,
    cycle_acts, cycle_successes, mean_anxiety, cycle_end,
):  # fmt: skip
    o = cuda.grid(1)
    if o < org_size.size:
        k._close_cycle_week_one(
            o, step, cycle_origin, cycle_length, clarity_gain, reflecting, role_clarity,
            org_size, tally, cycle_acts, cycle_successes, mean_anxiety, cycle_end,
        )  # fmt: skip


@cuda.jit
def _observe(
    org_size, tally, hist, density_window, leader_acts_window, leader_anxiety, distribution,
    containment, pressure, role_clarity, target, support, attended, in_group, failure_rate,
    unresolved_share, reversion_pressure, row,
):  # fmt: skip
    o = cuda.grid(1)
    if o < org_size.size:
        k._observe_one(
            o, org_size, tally, hist, density_window, leader_acts_window, leader_anxiety,
            distribution, containment, pressure, role_clarity, target, support, attended,
            in_group, failure_rate, unresolved_share, reversion_pressure, row,
        )  # fmt: skip


# --- the launchers: the CPU kernels' arguments, a grid sized to them ----------------------


def step_bases(seeds, step, purposes, out) -> None:
    """As :func:`leadsim.engine.kernels.step_bases`: one thread per run."""
    _step_bases[_grid(len(seeds))](seeds, step, purposes, out)


def lead(*arrays) -> None:
    """As :func:`leadsim.engine.kernels.lead` (same arguments): one thread per organisation."""
    _lead[_grid(len(arrays[0]))](*arrays)


def offer_and_take_up(*arrays, listed=None) -> None:
    """As :func:`leadsim.engine.kernels.offer_and_take_up`: one thread per organisation.

    ``listed``: scratch space of one int64 per person (allocated on the device if not
    given); organisation o lists those offered in its own block, from ``org_start[o]``.
    """
    n_staff = len(arrays[4])  # keys: one per person
    if listed is None:
        require()
        listed = cuda.device_array(n_staff, dtype=np.int64)
    _offer_and_take_up[_grid(len(arrays[2]))](*arrays, listed)


def outcomes(
    bases, run, keys, org, indptr, indices, leading, expertise, peer_trust, containment,
    role_clarity, succeeded, failed, collisions, in_conflict, unresolved,
    sharpness, peer_weight, holding_weight, difficulty, collision_rate,
) -> None:  # fmt: skip
    """As :func:`leadsim.engine.kernels.outcomes`: its three passes, one thread per person each."""
    grid = _grid(len(org))
    _clear_outcomes[grid](succeeded, failed, collisions, in_conflict, unresolved)
    _act[grid](
        bases, run, keys, org, indptr, indices, leading, expertise, peer_trust, containment,
        role_clarity, succeeded, failed, collisions, in_conflict,
        sharpness, peer_weight, holding_weight, difficulty, collision_rate,
    )  # fmt: skip
    _resolve[grid](bases, run, keys, peer_trust, in_conflict, unresolved)


def count_led_neighbours(indptr, indices, leading, neighbours_led) -> None:
    """As :func:`leadsim.engine.kernels.count_led_neighbours`: one thread per person."""
    _count_led[_grid(len(indptr) - 1)](indptr, indices, leading, neighbours_led)


def update_staff(org_start, org_size, indptr, indices, leading, *rest) -> None:
    """As :func:`leadsim.engine.kernels.update_staff` (same arguments).

    Two launches: each person's neighbourhood (one thread per person), then each
    organisation's staff, updated and tallied in index order (one thread per organisation).
    """
    anxiety, anxiety_next, neighbours_led = rest[6], rest[7], rest[12]
    _neighbourhood[_grid(len(anxiety))](
        indptr, indices, anxiety, leading, neighbours_led, anxiety_next
    )
    _update_staff[_grid(len(org_start))](org_start, org_size, leading, *rest)


def tally_staff(org_start, org_size, *rest) -> None:
    """As :func:`leadsim.engine.kernels.tally_staff`, with ``org_start, org_size`` for ``org``.

    One thread per organisation, adding its staff in index order (the CPU's order).
    """
    _tally_staff[_grid(len(org_start))](org_start, org_size, *rest)


def reflection_weeks(step, cycle_origin, cycle_length, reflection_weeks, in_cycles, reflect_now, out) -> None:  # fmt: skip
    """As :func:`leadsim.engine.kernels.reflection_weeks`: one thread per organisation."""
    _reflection_weeks[_grid(len(out))](
        step, cycle_origin, cycle_length, reflection_weeks, in_cycles, reflect_now, out
    )


def close_cycle_week(*arrays) -> bool:
    """As :func:`leadsim.engine.kernels.close_cycle_week`; whether any cycle ends (read back)."""
    org_size, cycle_end = arrays[6], arrays[11]
    _close_cycle_week[_grid(len(org_size))](*arrays)
    return bool(_host(cycle_end).any())


def observe(*arrays) -> None:
    """As :func:`leadsim.engine.kernels.observe`: one thread per organisation."""
    _observe[_grid(len(arrays[0]))](*arrays)


def host_kernels(org_start: np.ndarray, org_size: np.ndarray) -> Any:
    """The launchers with the CPU kernels' signatures, for an engine's host arrays.

    :class:`~leadsim.engine.core.Engine` (``device="gpu"``) calls these where it calls
    :mod:`leadsim.engine.kernels`; only :func:`tally_staff` differs, taking the
    organisations' blocks in place of ``org``.
    """
    require()

    def tally_staff_of(org, *rest) -> None:
        tally_staff(org_start, org_size, *rest)

    return SimpleNamespace(
        step_bases=step_bases,
        lead=lead,
        offer_and_take_up=offer_and_take_up,
        outcomes=outcomes,
        count_led_neighbours=count_led_neighbours,
        update_staff=update_staff,
        tally_staff=tally_staff_of,
        reflection_weeks=reflection_weeks,
        close_cycle_week=close_cycle_week,
        observe=observe,
    )

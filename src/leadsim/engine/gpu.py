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

Each launcher takes the arguments of its CPU kernel, in the same order
(:func:`offer_and_take_up` may also be given its scratch list), as device arrays or
as numpy arrays (numba then copies them to the device and back: for tests).
:class:`DeviceEngine` keeps the engine's state on the device and launches these.
The CPU's two kernels that only extensions need (counting social proof again, tallying
staff again) have no launcher: extensions run on the CPU engine only.

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
from leadsim.engine.core import Engine
from leadsim.engine.gpu_sizing import RECORD_CHUNK
from leadsim.engine.metrics import METRICS, StepRecord

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
def _meet(
    step, bases, org_run, org_keys, in_group, leader_anxiety, cohesion, containment, support,
    attended, interval, busy, quality, learning,
):  # fmt: skip
    o = cuda.grid(1)
    if o < org_run.size:
        k._meet_one(
            o, step, bases, org_run, org_keys, in_group, leader_anxiety, cohesion, containment,
            support, attended, interval, busy, quality, learning,
        )  # fmt: skip


@cuda.jit
def _update_cohesion(step, run_first_org, run_orgs, in_group, attended, cohesion, interval, rate):  # fmt: skip
    r = cuda.grid(1)
    if r < cohesion.size:
        k._cohesion_one(
            r, step, run_first_org, run_orgs, in_group, attended, cohesion, interval, rate
        )


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
def _replan(
    cycle_end, in_cycles, adaptive, mean_anxiety, cycle_acts, cycle_successes, target,
    target_floor, final_target, reflect_now, tolerance_low, tolerance_high, step_up,
    success_needed,
):  # fmt: skip
    o = cuda.grid(1)
    if o < cycle_end.size:
        k._replan_one(
            o, cycle_end, in_cycles, adaptive, mean_anxiety, cycle_acts, cycle_successes,
            target, target_floor, final_target, reflect_now, tolerance_low, tolerance_high,
            step_up, success_needed,
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


def meet(step, bases, org_run, *rest) -> None:
    """As :func:`leadsim.engine.kernels.meet`: one thread per organisation."""
    _meet[_grid(len(org_run))](step, bases, org_run, *rest)


def update_cohesion(step, run_first_org, run_orgs, in_group, attended, cohesion, interval, rate) -> None:  # fmt: skip
    """As :func:`leadsim.engine.kernels.update_cohesion`: one thread per run."""
    _update_cohesion[_grid(len(cohesion))](
        step, run_first_org, run_orgs, in_group, attended, cohesion, interval, rate
    )


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


def reflection_weeks(step, cycle_origin, cycle_length, reflection_weeks, in_cycles, reflect_now, out) -> None:  # fmt: skip
    """As :func:`leadsim.engine.kernels.reflection_weeks`: one thread per organisation."""
    _reflection_weeks[_grid(len(out))](
        step, cycle_origin, cycle_length, reflection_weeks, in_cycles, reflect_now, out
    )


def close_cycle_week(*arrays) -> None:
    """As :func:`leadsim.engine.kernels.close_cycle_week`, but returns nothing.

    Whether any cycle ended is not read back (that would wait for the device every
    week): :func:`replan` looks at each organisation's ``cycle_end`` itself.
    """
    _close_cycle_week[_grid(len(arrays[6]))](*arrays)


def replan(cycle_end, *rest) -> None:
    """As :func:`leadsim.engine.kernels.replan`: one thread per organisation."""
    _replan[_grid(len(cycle_end))](cycle_end, *rest)


def observe(*arrays) -> None:
    """As :func:`leadsim.engine.kernels.observe`: one thread per organisation."""
    _observe[_grid(len(arrays[0]))](*arrays)


LAUNCHERS = (
    "step_bases",
    "meet",
    "update_cohesion",
    "lead",
    "offer_and_take_up",
    "outcomes",
    "update_staff",
    "reflection_weeks",
    "close_cycle_week",
    "replan",
    "observe",
)
# The engine's state that lives on the device: staff, then organisations and runs.
STAFF_STATE = (
    "role", "expertise", "authority", "resting_authority", "trust", "peer_trust", "anxiety",
    "dependency", "threshold", "recently_led", "leading", "neighbours_led", "succeeded",
    "in_conflict", "unresolved", "history", "indptr", "indices",
)  # fmt: skip
# Events change these (on the host, between weeks: see DeviceEngine.apply_event).
ORG_STATE = (
    "pressure", "leader_anxiety", "reversion_pressure", "failure_rate", "unresolved_share",
    "containment", "distribution", "distribution_before", "target", "heroic_identification",
    "excess", "role_clarity", "final_target", "target_floor", "cycle_origin", "cycle_acts",
    "cycle_successes", "reflect_now", "leader_acts_window", "in_group", "cohesion",
)  # fmt: skip


class DeviceEngine(Engine):
    """The engine with its state on a CUDA GPU: ``Engine(runs, device="gpu")`` makes one.

    The organisations are built on the host as on the CPU (the same draws, the same
    networks), then every array the week changes is copied to the device once. Each
    phase is then a launch of the kernels above, on those device arrays; the
    parameters and the batch's layout (read-only) are copied once and again only when
    an event changes parameters. Nothing comes back during a week: the metrics go into
    a device buffer of :data:`RECORD_CHUNK` weeks, copied to the host when full or when
    :attr:`records` is read. An event is applied on the host: the organisations' state
    (:data:`ORG_STATE`, small) is copied back, changed by the CPU engine's own
    :meth:`~leadsim.engine.core.Engine.apply_event`, and copied out again.

    Extensions (Python hooks on the engine's arrays) run on the CPU engine only.
    """

    def __init__(self, runs, extensions=(), *, device: str = "gpu") -> None:
        """Build the organisations of ``runs`` on the host and move their state to the GPU."""
        if list(extensions):
            raise ValueError(
                "extensions: they run on the CPU engine only; allowed: device='cpu' with "
                "extensions, or device='gpu' without"
            )
        require()
        self._records_kept: list[StepRecord] = []
        super().__init__(runs, (), device="gpu")
        self._mirrors: dict[int, tuple[np.ndarray, Any]] = {}
        self._mirrors_version = self.p.version
        self._buffers: dict[tuple[str, int], Any] = {}
        for name in (*STAFF_STATE, *ORG_STATE, "_tally", "_hist"):
            setattr(self, name, cuda.to_device(np.ascontiguousarray(getattr(self, name))))
        self._counted_leading = self.leading  # counted at week 0: no one led before
        self._bases = cuda.device_array(self._bases.shape, dtype=np.uint64)
        self._chunk = cuda.device_array((RECORD_CHUNK, len(METRICS), self.n_org), dtype=np.float64)
        self._chunk_steps: list[int] = []
        listed = cuda.device_array(self.n_staff, dtype=np.int64)
        self._launchers = SimpleNamespace(
            **{name: self._on_device(globals()[name]) for name in LAUNCHERS}
        )
        self._launchers.offer_and_take_up = self._on_device(
            lambda *arrays: offer_and_take_up(*arrays, listed=listed)
        )

    @property
    def _kernels(self) -> Any:
        return self._launchers

    def _on_device(self, launch):
        """``launch`` with each host (numpy) argument replaced by its copy on the device."""

        def launch_on_device(*args):
            return launch(*(self._device(a) if isinstance(a, np.ndarray) else a for a in args))

        return launch_on_device

    def _device(self, array: np.ndarray) -> Any:
        """The device's copy of a read-only host array (parameters, layout), made once.

        Copies are keyed by the array (kept alive with them); all are dropped when an
        event changes parameters, as the parameter arrays are then rebuilt.
        """
        if self._mirrors_version != self.p.version or len(self._mirrors) > 512:
            self._mirrors.clear()
            self._mirrors_version = self.p.version
        kept = self._mirrors.get(id(array))
        if kept is None or kept[0] is not array:
            kept = self._mirrors[id(array)] = (array, cuda.to_device(np.ascontiguousarray(array)))
        return kept[1]

    def _fresh(self, name, shape, dtype=np.float64):
        """Two device buffers per name, by turns: this week's, and last week's (still read)."""
        key = (name, self.t % 2)
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = self._buffers[key] = cuda.device_array(shape, dtype=dtype)
        return buffer

    def _record_row(self):
        return self._chunk[len(self._chunk_steps)]

    def _keep_record(self, row) -> None:
        self._chunk_steps.append(self.t)
        if len(self._chunk_steps) == self._chunk.shape[0]:
            self._copy_records()

    def _copy_records(self) -> None:
        """The weeks waiting in the device buffer, copied to the host as records."""
        if not self._chunk_steps:
            return
        rows = self._take_rows(len(self._chunk_steps))  # the host's block: series are views
        self._chunk[: len(self._chunk_steps)].copy_to_host(ary=rows)
        for step, row in zip(self._chunk_steps, rows, strict=True):
            values = dict(zip(METRICS, row, strict=True))
            self._records_kept.append(StepRecord(step=step, values=values, table=row))
        self._chunk_steps = []

    @property
    def records(self) -> list[StepRecord]:
        """Every week's record so far (those still on the device are copied first)."""
        self._copy_records()
        return self._records_kept

    @records.setter
    def records(self, value: list[StepRecord]) -> None:
        self._records_kept = value

    def apply_event(self, event, run: int = 0) -> None:
        """Apply an event now: on the host, to the organisations' state copied back."""
        for name in ORG_STATE:
            setattr(self, name, getattr(self, name).copy_to_host())
        try:
            super().apply_event(event, run)
        finally:
            for name in ORG_STATE:
                setattr(self, name, cuda.to_device(np.ascontiguousarray(getattr(self, name))))

    def host(self, name: str) -> np.ndarray:
        """A state array's current values on the host (a copy), by its name."""
        return _host(getattr(self, name))


def batch_runs(staff: float, organisations: float, horizon: int, sharing: int = 1) -> int:
    """:func:`batch_size_for` this machine: its GPU's free memory and the host's available."""
    require()
    import psutil

    from leadsim.engine.gpu_sizing import batch_size_for

    device_free = cuda.current_context().get_memory_info()[0]
    cuda.close()  # the coordinator only asked: its context would hold the card's memory
    host_free = psutil.virtual_memory().available
    return batch_size_for(staff, organisations, horizon, sharing, device_free, host_free)

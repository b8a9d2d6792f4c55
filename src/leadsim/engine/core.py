"""The batch engine: many organisations, of many runs, advancing together.

State lives in flat arrays: staff arrays with an organisation index, one
block-diagonal sparse adjacency matrix, per-organisation leader arrays and
per-run learning-group arrays. A single run is the same engine with one run.
The order of a step is MODEL.md §3; the rules are in :mod:`leadsim.engine.rules`,
and the loops that apply them to every person in :mod:`leadsim.engine.kernels`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leadsim.engine import kernels, rules
from leadsim.engine.extensions import Extension
from leadsim.engine.metrics import MAX_WINDOW, METRICS, StepRecord, stack, summarise
from leadsim.engine.network import batch_adjacency, departments
from leadsim.engine.random import Purpose, agent_keys, stream_base, to_beta, to_normal, uniform
from leadsim.events import Event
from leadsim.params import POLICIES, POLICY_SETTINGS, ROLES, Parameters

_CLIP_LOW, _CLIP_HIGH = 0.01, 0.99
# The streams drawn every step: their bases are mixed together, once per step.
_STEP_PURPOSES = np.array(kernels.STEP_PURPOSES, dtype=np.uint64)
_STEP_COLUMN = {Purpose(int(p)): k for k, p in enumerate(_STEP_PURPOSES)}
_ROLE_INDEX = {name: k for k, name in enumerate(ROLES)}
_NUMERIC = tuple(
    name
    for name, value in Parameters().as_dict().items()
    if name not in POLICY_SETTINGS
    and isinstance(value, int | float)
    and not isinstance(value, bool)
)


@dataclass(frozen=True)
class RunSpec:
    """One run (one system): its parameters, seed, organisations and scheduled events."""

    params: Parameters
    seed: int
    organisations: int = 1
    events: tuple[Event, ...] = field(default_factory=tuple)


class ParamTable:
    """Per-organisation parameter values: a float where every organisation agrees, else an array."""

    def __init__(self, per_org: Sequence[Parameters], org_of_staff: np.ndarray) -> None:
        self.per_org = list(per_org)
        self._org_of_staff = org_of_staff
        self.version = 0  # bumped by every change, so derived arrays know to rebuild
        self._build()

    def _build(self) -> None:
        unique: dict[int, Parameters] = {}
        index = np.empty(len(self.per_org), dtype=np.int64)
        for o, p in enumerate(self.per_org):
            index[o] = len(unique) if id(p) not in unique else list(unique).index(id(p))
            unique.setdefault(id(p), p)
        distinct = list(unique.values())
        self.values: dict[str, float | np.ndarray] = {}
        for name in _NUMERIC:
            column = np.array([getattr(p, name) for p in distinct], dtype=np.float64)
            self.values[name] = float(column[0]) if np.all(column == column[0]) else column[index]
        self._staff: dict[str, float | np.ndarray] = {}
        self._org: dict[str, np.ndarray] = {}
        self._groups: dict[tuple[str, ...], tuple[np.ndarray, ...]] = {}

    def __getattr__(self, name: str) -> float | np.ndarray:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def staff(self, name: str) -> float | np.ndarray:
        """The value for each staff member (gathered once, until parameters change)."""
        if name not in self._staff:
            value = self.values[name]
            self._staff[name] = value if np.isscalar(value) else value[self._org_of_staff]
        return self._staff[name]

    def org(self, name: str) -> np.ndarray:
        """The value for each organisation, always an array (built once, until parameters change)."""
        if name not in self._org:
            value = self.values[name]
            # always a fresh, writable float64 array: a read-only view (what broadcasting
            # gives) is another type to the compiled kernels, and would compile them again
            column = np.empty(len(self.per_org), dtype=np.float64)
            column[:] = value
            self._org[name] = column
        return self._org[name]

    def orgs(self, names: tuple[str, ...]) -> tuple[np.ndarray, ...]:
        """Several parameters' per-organisation arrays, in order (for a kernel's arguments)."""
        group = self._groups.get(names)
        if group is None:
            group = self._groups[names] = tuple(self.org(name) for name in names)
        return group

    def replace(self, orgs: Sequence[int], **changes: object) -> None:
        """Change parameters of some organisations (validated by :class:`Parameters`).

        Only the changed columns are updated, so a `set` event costs O(organisations
        changed), not a rebuild of the whole batch's table.
        """
        for o in orgs:
            self.per_org[o] = self.per_org[o].replace(**changes)
        self.version += 1
        for name in changes:
            if name not in self.values:
                continue  # text, flags and policy settings are read from per_org
            column = self.values[name]
            if np.isscalar(column):
                column = np.full(len(self.per_org), column, dtype=np.float64)
            else:
                column = column.copy()
            column[np.asarray(orgs)] = float(getattr(self.per_org[orgs[0]], name))
            self.values[name] = column
            self._staff.pop(name, None)
            self._org.pop(name, None)
        self._groups.clear()


class Engine:
    """Simulates a batch of runs; ``step()`` advances every organisation one week."""

    def __new__(cls, runs: Sequence[RunSpec] = (), *args: Any, device: str = "cpu", **kwargs: Any):
        """``device="gpu"`` makes the GPU's engine (:class:`leadsim.engine.gpu.DeviceEngine`)."""
        if cls is Engine and device == "gpu":
            from leadsim.engine import gpu  # only here: importing leadsim never loads CUDA

            cls = gpu.DeviceEngine
        return super().__new__(cls)

    def __init__(
        self, runs: Sequence[RunSpec], extensions: Sequence[object] = (), *, device: str = "cpu"
    ) -> None:
        """Build the organisations of ``runs`` at week 0.

        ``device="gpu"`` builds the same organisations, then keeps their state on a CUDA
        GPU (or numba's CUDA simulator, ``NUMBA_ENABLE_CUDASIM=1``) and runs every
        phase there: :class:`leadsim.engine.gpu.DeviceEngine`, the same loop bodies.
        """
        self.runs = list(runs)
        self.extensions = list(extensions)  # see leadsim.engine.extensions
        if not self.runs:
            raise ValueError("runs: empty; an engine needs at least one run")
        if device not in ("cpu", "gpu"):
            raise ValueError(f"device: {device!r} is not a device; allowed: 'cpu' or 'gpu'")
        self.device = device
        self.t = 0
        self._init_layout()
        self._init_staff()
        self._init_network()
        self._init_leaders()
        self._events: dict[int, list[tuple[int, Event]]] = defaultdict(list)
        for r, run in enumerate(self.runs):
            for event in run.events:
                self._events[event.step].append((r, event))
        self.records: list[StepRecord] = []
        self._block: np.ndarray | None = None  # the records' rows (see _take_rows)
        self._block_used = 0
        self._tally = np.zeros((self.n_org, kernels.TALLY_COLUMNS))
        self._hist = np.zeros((self.n_org, MAX_WINDOW + 1), dtype=np.int64)
        self.event_log: list[tuple[int, int, Event]] = []  # (step, organisation, event)

    # --- set-up ------------------------------------------------------------------------

    @property
    def _kernels(self) -> Any:
        """The phase kernels this engine runs (the GPU's engine runs its own launchers)."""
        return kernels

    def _fresh(self, name: str, shape: int | tuple[int, ...], dtype: Any = np.float64) -> Any:
        """An array for this week's ``name`` (uninitialised; the phase writes every entry).

        A new one each week on the CPU: last week's stays as extensions and callers saw
        it. The GPU's engine reuses two buffers by turns instead.
        """
        return np.empty(shape, dtype=dtype)

    def _init_layout(self) -> None:
        org_params, org_run, org_local = [], [], []
        for r, run in enumerate(self.runs):
            for k in range(run.organisations):
                org_params.append(run.params)
                org_run.append(r)
                org_local.append(k)
        self.n_org = len(org_params)
        self.org_run = np.array(org_run, dtype=np.int64)
        self.org_local = np.array(org_local, dtype=np.int64)
        self.org_size = np.array([p.n_staff for p in org_params], dtype=np.int64)
        self.org_start = np.concatenate([[0], np.cumsum(self.org_size)[:-1]]).astype(np.int64)
        self.n_staff = int(self.org_size.sum())
        # 32-bit indices: at 100,000 staff every byte per person counts (issue 5's budget)
        self.org = np.repeat(np.arange(self.n_org, dtype=np.int32), self.org_size)
        self.run_of_staff = self.org_run.astype(np.int32)[self.org]
        run_first_org = np.searchsorted(self.org_run, np.arange(len(self.runs)))
        self._run_start = self.org_start[run_first_org]
        # each run's organisations are contiguous: its first, and how many
        self.run_first_org = run_first_org.astype(np.int64)
        self.run_orgs = np.array([run.organisations for run in self.runs], dtype=np.int64)
        self.keys = agent_keys(self.local_index)
        self.org_keys = agent_keys(self.org_local)
        self.seeds = np.array([run.seed for run in self.runs], dtype=np.uint64)
        self._bases_step = -1
        self._bases = np.empty((len(self.runs), _STEP_PURPOSES.size), dtype=np.uint64)
        self._cycles_version = -1
        self._access_version = -1
        self._window_version = -1
        self.p = ParamTable(org_params, self.org)
        self._single_run = len(self.runs) == 1

    def _step_bases(self) -> np.ndarray:
        """Each run's stream starts for this step: (runs, purposes), all mixed at once."""
        if self._bases_step != self.t:
            self._kernels.step_bases(self.seeds, self.t, _STEP_PURPOSES, self._bases)
            self._bases_step = self.t
        return self._bases

    def _base(self, purpose: Purpose) -> np.ndarray:
        """Each run's stream start for this step and purpose."""
        return self._step_bases()[:, _STEP_COLUMN[purpose]]

    def _draw(self, purpose: Purpose, index: np.ndarray | None = None) -> np.ndarray:
        """Uniforms for staff (all, or those at ``index``) for this step and purpose."""
        base = self._base(purpose)
        if index is None:
            b = base[0] if self._single_run else base[self.run_of_staff]
            return uniform(b, self.keys)
        b = base[0] if self._single_run else base[self.run_of_staff[index]]
        return uniform(b, self.keys[index])

    def _draw_org(self, purpose: Purpose) -> np.ndarray:
        base = self._base(purpose)
        return uniform(base[self.org_run], self.org_keys)

    def _init_draw(self, purpose: Purpose) -> np.ndarray:
        base = stream_base(self.seeds, 0, purpose)
        return uniform(base[self.run_of_staff], self.keys)

    def _init_staff(self) -> None:
        p, n = self.p, self.n_staff
        # Each organisation's seniors, then professional staff, then academics, dealt out
        # in the order of each person's ROLE draw (all organisations in one sort).
        size = self.org_size
        n_senior = np.array(
            [
                round(prm.share_senior * k)
                for prm, k in zip(self.p.per_org, size.tolist(), strict=True)
            ]
        )
        n_prof = np.array(
            [
                round(prm.share_professional * k)
                for prm, k in zip(self.p.per_org, size.tolist(), strict=True)
            ]
        )
        n_prof = np.minimum(n_prof, size - n_senior)
        order = np.lexsort((self._init_draw(Purpose.ROLE), self.org))  # stable within ties
        rank = order - self.org_start[self.org]  # place k of an organisation gets the k-th draw
        self.role = np.where(
            rank < n_senior[self.org],
            _ROLE_INDEX["senior"],
            np.where(
                rank < (n_senior + n_prof)[self.org],
                _ROLE_INDEX["professional"],
                _ROLE_INDEX["academic"],
            ),
        ).astype(np.int8)
        senior = self.role == _ROLE_INDEX["senior"]
        low, high = p.staff("expertise_low"), p.staff("expertise_high")
        self.expertise = rules.clip01(
            low
            + (high - low) * self._init_draw(Purpose.EXPERTISE)
            + senior * p.staff("senior_expertise_bonus")
        )
        beta = to_beta(
            self._init_draw(Purpose.AUTHORITY),
            p.staff("authority_beta_a"),
            p.staff("authority_beta_b"),
        )
        self.authority = rules.clip01(beta + senior * p.staff("senior_authority_bonus"))
        self.resting_authority = self.authority.copy()
        self.initial_authority = self.resting_authority  # the same values: never updated in place

        def clipped_normal(purpose: Purpose, mean: str, sd: str) -> np.ndarray:
            draw = to_normal(self._init_draw(purpose), p.staff(mean), p.staff(sd))
            return np.clip(draw, _CLIP_LOW, _CLIP_HIGH)

        self.trust = clipped_normal(Purpose.TRUST, "trust_mean", "trust_sd")
        self.peer_trust = clipped_normal(Purpose.PEER_TRUST, "peer_trust_mean", "peer_trust_sd")
        self.anxiety = clipped_normal(Purpose.ANXIETY, "anxiety_mean", "anxiety_sd")
        self.dependency = clipped_normal(Purpose.DEPENDENCY, "dependency_mean", "dependency_sd")
        self.threshold = rules.clip01(  # MODEL.md §2: draws other than the four above to [0, 1]
            to_normal(
                self._init_draw(Purpose.THRESHOLD),
                p.staff("threshold_mean"),
                p.staff("threshold_sd"),
            )
        )
        self.recently_led = np.zeros(n)
        self.leading = np.zeros(n, dtype=bool)
        self.neighbours_led = np.zeros(n, dtype=np.int32)  # no one led before step 0
        self._counted_leading = self.leading
        self.succeeded = np.zeros(n, dtype=bool)
        self.in_conflict = np.zeros(n, dtype=bool)
        self.unresolved = np.zeros(n, dtype=bool)
        self.history = np.zeros(n, dtype=np.uint32)  # bit k: led k weeks ago
        self.department = np.concatenate(
            [
                departments(int(s), prm.department_size)
                for s, prm in zip(self.org_size, self.p.per_org, strict=True)
            ]
        ).astype(np.int32)

    def _init_network(self) -> None:
        # each organisation's network is keyed by its run's seed and its place in the run
        seeds = [
            (int(self.seeds[run]) ^ (int(local) * 0x9E3779B97F4A7C15)) & 0xFFFFFFFFFFFFFFFF
            for run, local in zip(self.org_run, self.org_local, strict=True)
        ]
        self.adjacency = batch_adjacency(self.p.per_org, seeds, self.org_start, self.n_staff)
        # the kernels read the network's two arrays (the GPU's engine keeps them on the device)
        self.indptr, self.indices = self.adjacency.indptr, self.adjacency.indices

    def _init_leaders(self) -> None:
        m = self.n_org
        per_org = self.p.per_org

        def setting(name: str) -> np.ndarray:
            return np.array([prm.leader_setting(name) for prm in per_org], dtype=np.float64)

        self.containment = setting("containment")
        self.heroic_identification = setting("heroic_identification")
        self.role_clarity = setting("role_clarity")
        self.final_target = setting("final_target")
        self.distribution = np.array(
            [prm.initial_distribution for prm in per_org], dtype=np.float64
        )
        self.distribution_before = self.distribution.copy()
        self.leader_anxiety = np.array(
            [prm.initial_leader_anxiety for prm in per_org], dtype=np.float64
        )
        self.pressure = np.array([prm.pressure_baseline for prm in per_org], dtype=np.float64)
        self.support = np.zeros(m)
        self.attended = np.zeros(m, dtype=bool)
        self.in_group = np.array([prm.learning_group for prm in per_org], dtype=bool)
        self.cohesion = np.array([run.params.cohesion_start for run in self.runs], dtype=np.float64)
        self.policy = np.array([prm.policy for prm in per_org], dtype=object)
        self.approach = np.array([prm.approach for prm in per_org], dtype=object)
        self.cycle_origin = np.zeros(m, dtype=np.int64)
        self.target_floor = np.minimum(
            np.array([prm.initial_distribution for prm in per_org]), self.final_target
        )
        self.target = self._starting_target(np.arange(m))
        self.reflect_now = np.zeros(m, dtype=bool)
        self.excess = np.zeros(m)
        self.cycle_acts = np.zeros(m)
        self.cycle_successes = np.zeros(m)
        self.leader_acts_window = np.zeros((m, MAX_WINDOW))  # row-major: sums per organisation
        # last week's staff state, as seen by the leader (MODEL.md §3: F = U = 0 at step 0)
        self.failure_rate = np.zeros(m)
        self.unresolved_share = np.zeros(m)
        self.reversion_pressure = self._org_mean(self.dependency * self.anxiety)
        self.initial_authority_mean = self._org_mean(self.initial_authority)

    def _starting_target(self, orgs: np.ndarray) -> np.ndarray:
        """Target at step 0 (or at a new head's arrival) of each organisation's policy and approach."""
        stepped = np.clip(
            self.target_floor[orgs] + _as_org(self.p.step_up, orgs),
            self.target_floor[orgs],
            self.final_target[orgs],
        )
        gradual = (self.approach[orgs] == "cycles") | (self.policy[orgs] == "adaptive")
        return np.where(gradual, stepped, self.final_target[orgs])

    def _org_mean(self, values: np.ndarray) -> np.ndarray:
        return self._org_sum(values) / self.org_size

    def _org_sum(self, values: np.ndarray) -> np.ndarray:
        # Staff of an organisation are contiguous: each segment is summed on its own, in
        # the same order whatever else the batch holds (bit-identical alone or batched).
        return np.add.reduceat(np.asarray(values, dtype=np.float64), self.org_start)

    @property
    def degree(self) -> np.ndarray:
        """Each person's number of links (derived from the network, not kept)."""
        return np.diff(self.adjacency.indptr)

    @property
    def local_index(self) -> np.ndarray:
        """Each staff member's number within its run (across its organisations): its random key."""
        return np.arange(self.n_staff) - self._run_start[self.run_of_staff]

    def _access(self) -> np.ndarray:
        """Access to opportunities of each organisation's roles (MODEL.md §4 Offers): (orgs, roles).

        Built once and rebuilt only when a `set` event changes parameters.
        """
        p = self.p
        if self._access_version != p.version:
            self._access_cache = np.column_stack([p.org(f"access_{role}") for role in ROLES])
            self._access_version = p.version
        return self._access_cache

    # --- events ---------------------------------------------------------------------------

    def apply_event(self, event: Event, run: int = 0) -> None:
        """Apply an event now, to the run's organisations (all, or ``event.organisation``)."""
        orgs = np.flatnonzero(self.org_run == run)
        if event.organisation is not None:
            if event.organisation >= orgs.size:
                raise ValueError(
                    f"organisation: {event.organisation} does not exist; allowed: 0 to {orgs.size - 1}"
                )
            orgs = orgs[[event.organisation]]
        kind, args = event.kind, event.args
        if kind == "accountability_shock":
            self.pressure[orgs] += args["size"]
        elif kind == "join_learning_group":
            self.in_group[orgs] = True
        elif kind == "leave_learning_group":
            self.in_group[orgs] = False
        elif kind == "start_reflection":
            self.reflect_now[orgs] = True
        elif kind == "leader_change":
            self._change_leader(orgs, args["policy"], args.get("approach"))
        elif kind == "set":
            self._set_parameters(orgs, dict(args))
        for o in orgs:
            self.event_log.append((self.t, int(o), event))

    def _change_leader(self, orgs: np.ndarray, policy: str, approach: str | None) -> None:
        changes: dict[str, object] = {"policy": policy, "learning_group": False}
        changes.update(dict.fromkeys(POLICY_SETTINGS))
        if approach is not None:
            changes["approach"] = approach
        self.p.replace(orgs, **changes)
        settings = POLICIES[policy]
        self.containment[orgs] = settings["containment"]
        self.heroic_identification[orgs] = settings["heroic_identification"]
        self.final_target[orgs] = settings["final_target"]
        self.leader_anxiety[orgs] = _as_org(self.p.initial_leader_anxiety, orgs)
        self.policy[orgs] = policy
        self.approach[orgs] = self.p.per_org[orgs[0]].approach if approach is None else approach
        self.in_group[orgs] = False
        self.cycle_origin[orgs] = self.t
        self.cycle_acts[orgs] = 0.0
        self.cycle_successes[orgs] = 0.0
        self.target_floor[orgs] = np.minimum(
            _as_org(self.p.initial_distribution, orgs), self.final_target[orgs]
        )
        self.target[orgs] = self._starting_target(orgs)

    def _set_parameters(self, orgs: np.ndarray, changes: dict[str, object]) -> None:
        self.p.replace(orgs, **changes)
        for name in ("containment", "heroic_identification", "role_clarity"):
            if name in changes:
                getattr(self, name)[orgs] = float(changes[name])  # the head's state now
        if "final_target" in changes:
            self.final_target[orgs] = float(changes["final_target"])
            self.target_floor[orgs] = np.minimum(self.target_floor[orgs], self.final_target[orgs])
            quick = (self.approach[orgs] == "quick_fix") & (self.policy[orgs] != "adaptive")
            self.target[orgs] = np.where(
                quick,
                self.final_target[orgs],
                np.clip(self.target[orgs], self.target_floor[orgs], self.final_target[orgs]),
            )

    # --- the step ----------------------------------------------------------------------------

    def step(self) -> None:
        """Advance every organisation one week (MODEL.md §3, steps 1–9)."""
        t = self.t
        for run, event in self._events.get(t, ()):
            self.apply_event(event, run)  # 1. events

        self._meet_learning_group()  # 3.
        self._lead()  # 2. and 4. (pressure relaxes in the same pass: step 3 does not read it)
        self._extend("after_leader")
        offered, leading = self._offer_and_take_up()  # 5.
        succeeded, failed, collisions, in_conflict, unresolved = self._outcomes(leading)  # 6.
        self.reflecting = self._reflecting()
        # this week's outcomes, for extensions (staff arrays; the state updates after this)
        self.this_week = {
            "offered": offered,
            "leading": leading,
            "succeeded": succeeded,
            "failed": failed,
            "collisions": collisions,
            "in_conflict": in_conflict,
            "unresolved": unresolved,
        }
        self._extend("after_outcomes")
        self._update_staff(
            offered,
            leading,
            succeeded,
            failed,
            collisions,
            in_conflict,
            unresolved,
            self.reflecting,
        )
        self._extend("after_staff")  # 7.
        if self._may_change_staff("after_staff"):
            self._tally_staff()
        self._reflect_and_replan(self.reflecting)  # 8.
        self._extend("after_reflection")
        if self._may_change_staff("after_reflection"):
            self._tally_staff()
        self._observe()  # 9.
        self.t += 1

    def _may_change_staff(self, phase: str) -> bool:
        """Whether an extension acts at ``phase``, after the staff update has tallied them."""
        return any(_overrides(extension, phase) for extension in self.extensions)

    def _tally_staff(self) -> None:
        """Tally the staff again, after an extension that may have changed their state."""
        week = self.this_week
        self._kernels.tally_staff(
            self.org,
            week["offered"],
            week["leading"],
            week["succeeded"],
            week["failed"],
            week["collisions"],
            week["unresolved"],
            self.anxiety,
            self.trust,
            self.peer_trust,
            self.dependency,
            self.authority,
            self.history,
            self._window()[1],
            self._tally,
            self._hist,
        )

    def _extend(self, phase: str) -> None:
        """Call every extension's hook for ``phase`` (see :mod:`leadsim.engine.extensions`)."""
        for extension in self.extensions:
            hook = getattr(extension, phase, None)
            if hook is not None:
                hook(self)

    def run(self, steps: int) -> None:
        """Advance ``steps`` weeks."""
        self._reserve_records(steps)
        for _ in range(steps):
            self.step()

    # Rows of records allocated at once when steps come one at a time (not through run).
    RECORD_BLOCK = 64

    def _reserve_records(self, steps: int) -> None:
        """Room for ``steps`` more weeks of records in one block (a series is then a view)."""
        free = 0 if self._block is None else self._block.shape[0] - self._block_used
        if steps > free:
            self._block = np.empty((steps, len(METRICS), self.n_org))
            self._block_used = 0

    def _take_rows(self, n: int) -> np.ndarray:
        """The next ``n`` rows of the records' block, (n, metric, organisation), taken."""
        if self._block is None or self._block_used + n > self._block.shape[0]:
            self._block = np.empty((max(n, self.RECORD_BLOCK), len(METRICS), self.n_org))
            self._block_used = 0
        rows = self._block[self._block_used : self._block_used + n]
        self._block_used += n
        return rows

    def _meet_learning_group(self) -> None:
        """Step 3: heads in the group meet, are held, learn containment; the group's cohesion."""
        self.support = self._fresh("support", self.n_org)
        self.attended = self._fresh("attended", self.n_org, bool)
        interval, *rest = self.p.orgs(kernels.MEET_PARAMETERS)
        self._kernels.meet(
            self.t,
            self._step_bases(),
            self.org_run,
            self.org_keys,
            self.in_group,
            self.leader_anxiety,
            self.cohesion,
            self.containment,
            self.support,
            self.attended,
            interval,
            *rest,
        )
        self._kernels.update_cohesion(
            self.t,
            self.run_first_org,
            self.run_orgs,
            self.in_group,
            self.attended,
            self.cohesion,
            interval,
            self.p.org("cohesion_rate"),
        )

    def _lead(self) -> None:
        """Steps 2 and 4: pressure relaxes; each head's anxiety, containment and distribution."""
        p = self.p
        self._kernels.lead(
            self.pressure,
            self.leader_anxiety,
            self.reversion_pressure,
            self.failure_rate,
            self.unresolved_share,
            self.support,
            self.containment,
            self.distribution,
            self.distribution_before,
            self.target,
            self.heroic_identification,
            self.excess,
            *p.orgs(kernels.LEAD_PARAMETERS),
        )

    def _offer_and_take_up(self) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        offered = self._fresh("offered", self.n_staff, bool)
        leading = self._fresh("leading", self.n_staff, bool)
        self._kernels.offer_and_take_up(
            self._step_bases(),
            self.org_run,
            self.org_start,
            self.org_size,
            self.keys,
            self.role,
            self.indptr,
            self.distribution,
            self._access(),
            self._neighbours_led(),
            self.authority,
            self.trust,
            self.anxiety,
            self.dependency,
            self.threshold,
            offered,
            leading,
            *p.orgs(kernels.TAKEUP_PARAMETERS),
        )
        return offered, leading

    def _neighbours_led(self) -> np.ndarray:
        """How many of each person's neighbours led last week (social proof).

        Counted during last week's staff update; counted again here only if
        ``self.leading`` has been replaced since (by an extension, say).
        """
        if self._counted_leading is not self.leading:
            self._kernels.count_led_neighbours(
                self.indptr, self.indices, self.leading, self.neighbours_led
            )
            self._counted_leading = self.leading
        return self.neighbours_led

    def _outcomes(self, leading: np.ndarray):
        p, n = self.p, self.n_staff
        succeeded, failed = self._fresh("succeeded", n, bool), self._fresh("failed", n, bool)
        in_conflict = self._fresh("in_conflict", n, bool)
        unresolved = self._fresh("unresolved", n, bool)
        collisions = self._fresh("collisions", n)
        self._kernels.outcomes(
            self._step_bases(),
            self.run_of_staff,
            self.keys,
            self.org,
            self.indptr,
            self.indices,
            leading,
            self.expertise,
            self.peer_trust,
            self.containment,
            self.role_clarity,
            succeeded,
            failed,
            collisions,
            in_conflict,
            unresolved,
            *p.orgs(kernels.OUTCOME_PARAMETERS),
        )
        return succeeded, failed, collisions, in_conflict, unresolved

    def _plans(self) -> tuple[np.ndarray, np.ndarray]:
        """Which heads plan in cycles, and which adapt (rebuilt when parameters change)."""
        if self._cycles_version != self.p.version:  # policy and approach change only with p
            adaptive = self.policy == "adaptive"
            self._plan_flags = ((self.approach == "cycles") & ~adaptive, adaptive)
            self._cycles_version = self.p.version
        return self._plan_flags

    def _reflecting(self) -> np.ndarray:
        """Reflection weeks this step, per organisation (cycles approach, or a live reflection)."""
        p = self.p
        reflecting = self._fresh("reflecting", self.n_org, bool)
        self._kernels.reflection_weeks(
            self.t,
            self.cycle_origin,
            p.org("cycle_length"),
            p.org("reflection_weeks"),
            self._plans()[0],
            self.reflect_now,
            reflecting,
        )
        return reflecting

    def _update_staff(
        self, offered, leading, succeeded, failed, collisions, in_conflict, unresolved, reflecting
    ) -> None:
        p = self.p
        anxiety_next = self._fresh("anxiety", self.n_staff)
        self._kernels.update_staff(
            self.org_start,
            self.org_size,
            self.indptr,
            self.indices,
            leading,
            succeeded,
            failed,
            in_conflict,
            unresolved,
            self.authority,
            self.resting_authority,
            self.anxiety,
            anxiety_next,
            self.dependency,
            self.trust,
            self.peer_trust,
            self.recently_led,
            self.neighbours_led,
            offered,
            collisions,
            self.history,
            self._window()[1],
            self._tally,
            self._hist,
            self.heroic_identification,
            self.distribution,
            self.distribution_before,
            self.role_clarity,
            self.pressure,
            self.containment,
            reflecting,
            *p.orgs(kernels.STAFF_PARAMETERS),
        )
        self.anxiety = anxiety_next
        self.leading, self.succeeded = leading, succeeded
        self._counted_leading = leading  # neighbours_led now counts this week's leading
        self.in_conflict, self.unresolved = in_conflict, unresolved

    def _reflect_and_replan(self, reflecting) -> None:
        p = self.p
        mean_anxiety = self._fresh("mean_anxiety", self.n_org)
        cycle_end = self._fresh("cycle_end", self.n_org, bool)
        self._kernels.close_cycle_week(
            self.t,
            self.cycle_origin,
            p.org("cycle_length"),
            p.org("clarity_gain"),
            reflecting,
            self.role_clarity,
            self.org_size,
            self._tally,
            self.cycle_acts,
            self.cycle_successes,
            mean_anxiety,
            cycle_end,
        )
        self._kernels.replan(
            cycle_end,
            *self._plans(),
            mean_anxiety,
            self.cycle_acts,
            self.cycle_successes,
            self.target,
            self.target_floor,
            self.final_target,
            self.reflect_now,
            *p.orgs(kernels.REPLAN_PARAMETERS),
        )

    def _window(self) -> tuple[np.ndarray, np.ndarray]:
        """Each organisation's density window in weeks, and its bit mask over ``history``."""
        if self._window_version != self.p.version:
            window = self.p.org("density_window").astype(np.int64)
            mask = (np.uint64(1) << window.astype(np.uint64)) - np.uint64(1)
            self._window_pair = (window, mask.astype(np.uint32))
            self._window_version = self.p.version
        return self._window_pair

    def _record_row(self) -> np.ndarray:
        """Where this week's metrics go: the next row of the records' block, kept.

        Consecutive weeks' rows are consecutive in one block, so that the series
        (:func:`~leadsim.engine.metrics.stack`) are views of it, not a second copy.
        """
        return self._take_rows(1)[0]

    def _keep_record(self, row: np.ndarray) -> None:
        values = dict(zip(METRICS, row, strict=True))
        self.records.append(StepRecord(step=self.t, values=values, table=row))

    def _observe(self) -> None:
        row = self._record_row()
        self._kernels.observe(
            self.org_size,
            self._tally,
            self._hist,
            self._window()[0],
            self.leader_acts_window,
            self.leader_anxiety,
            self.distribution,
            self.containment,
            self.pressure,
            self.role_clarity,
            self.target,
            self.support,
            self.attended,
            self.in_group,
            self.failure_rate,
            self.unresolved_share,
            self.reversion_pressure,
            row,
        )
        self._keep_record(row)


def _overrides(extension: object, phase: str) -> bool:
    """Whether ``extension`` does something at ``phase`` (not the base class's no-op)."""
    hook = getattr(type(extension), phase, None) or getattr(extension, phase, None)
    return hook is not None and hook is not getattr(Extension, phase)


def _as_org(value: float | np.ndarray, orgs: np.ndarray) -> np.ndarray:
    return (
        np.broadcast_to(np.asarray(value, dtype=np.float64), (orgs.size,))
        if np.isscalar(value)
        else value[orgs]
    )


def _first_per_run(values: np.ndarray, org_run: np.ndarray, n_runs: int) -> np.ndarray:
    first = np.searchsorted(org_run, np.arange(n_runs))
    return values[first]


def series_of(engine: Engine) -> dict[str, np.ndarray]:
    """The engine's recorded series, each of shape (steps, organisations)."""
    return stack(engine.records)


def summaries_of(engine: Engine) -> dict[str, np.ndarray]:
    """Per-organisation summaries (MODEL.md §6) of what the engine has simulated so far."""
    names = (
        "reversion_high",
        "reversion_low",
        "smoothing_weeks",
        "reversion_weeks",
        "final_window",
    )
    params = {
        name: np.array([getattr(prm, name) for prm in engine.p.per_org], dtype=np.float64)
        for name in names
    }
    return summarise(series_of(engine), engine.initial_authority_mean, params)

"""The batch engine: many organisations, of many runs, advancing together.

State lives in flat arrays: staff arrays with an organisation index, one
block-diagonal sparse adjacency matrix, per-organisation leader arrays and
per-run learning-group arrays. A single run is the same engine with one run.
The order of a step is MODEL.md §3; the rules are in :mod:`leadsim.engine.rules`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from leadsim.engine import rules
from leadsim.engine.metrics import MAX_WINDOW, StepRecord, gini_with_leader, stack, summarise
from leadsim.engine.network import block_adjacency, departments, organisation_edges
from leadsim.engine.random import Purpose, agent_keys, stream_base, to_beta, to_normal, uniform
from leadsim.events import Event
from leadsim.params import POLICIES, POLICY_SETTINGS, ROLES, Parameters

_CLIP_LOW, _CLIP_HIGH = 0.01, 0.99
# The streams drawn every step: their bases are mixed together, once per step.
_STEP_PURPOSES = np.array(
    [Purpose.OFFER, Purpose.TAKEUP, Purpose.SUCCESS, Purpose.MEET, Purpose.COLLIDE,
     Purpose.RESOLVE, Purpose.ATTEND],
    dtype=np.uint64,
)  # fmt: skip
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


class Engine:
    """Simulates a batch of runs; ``step()`` advances every organisation one week."""

    def __init__(self, runs: Sequence[RunSpec], extensions: Sequence[object] = ()) -> None:
        self.runs = list(runs)
        self.extensions = list(extensions)  # see leadsim.engine.extensions
        if not self.runs:
            raise ValueError("runs: empty; an engine needs at least one run")
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
        self.event_log: list[tuple[int, int, Event]] = []  # (step, organisation, event)

    # --- set-up ------------------------------------------------------------------------

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
        self.keys = agent_keys(self.local_index)
        self.org_keys = agent_keys(self.org_local)
        self.seeds = np.array([run.seed for run in self.runs], dtype=np.uint64)
        self._bases_step = -1
        self._access_version = -1
        self.p = ParamTable(org_params, self.org)
        self._single_run = len(self.runs) == 1

    def _base(self, purpose: Purpose) -> np.ndarray:
        """Each run's stream start for this step and purpose (all purposes mixed at once)."""
        if self._bases_step != self.t:
            self._bases = stream_base(self.seeds[:, None], self.t, _STEP_PURPOSES[None, :])
            self._bases_step = self.t
        return self._bases[:, _STEP_COLUMN[purpose]]

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
        self.role = np.empty(n, dtype=np.int8)
        role_draw = self._init_draw(Purpose.ROLE)
        for o in range(self.n_org):
            size, params = int(self.org_size[o]), self.p.per_org[o]
            n_senior = round(params.share_senior * size)
            n_prof = round(params.share_professional * size)
            n_prof = min(n_prof, size - n_senior)
            roles = np.full(size, _ROLE_INDEX["academic"], dtype=np.int8)
            roles[:n_senior] = _ROLE_INDEX["senior"]
            roles[n_senior : n_senior + n_prof] = _ROLE_INDEX["professional"]
            sl = slice(self.org_start[o], self.org_start[o] + size)
            order = np.argsort(role_draw[sl], kind="stable")
            self.role[sl] = roles[order]
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
        edges = []
        for o in range(self.n_org):
            # each organisation's network is keyed by its run's seed and its place in the run
            seed = int(self.seeds[self.org_run[o]]) ^ (int(self.org_local[o]) * 0x9E3779B97F4A7C15)
            edges.append(organisation_edges(self.p.per_org[o], seed & 0xFFFFFFFFFFFFFFFF))
        self.adjacency = block_adjacency(edges, self.org_start, self.n_staff)
        self.degree = np.diff(self.adjacency.indptr).astype(np.int32)

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
    def local_index(self) -> np.ndarray:
        """Each staff member's number within its run (across its organisations): its random key."""
        return np.arange(self.n_staff) - self._run_start[self.run_of_staff]

    def _access(self) -> np.ndarray:
        """Each staff member's access to opportunities, by role (MODEL.md §4 Offers).

        Built once and rebuilt only when a `set` event changes parameters.
        """
        p = self.p
        if self._access_version != p.version:
            table = np.column_stack(
                [np.broadcast_to(getattr(p, f"access_{role}"), self.n_org) for role in ROLES]
            )
            self._access_cache = table[self.org, self.role]
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
        p, t = self.p, self.t
        for run, event in self._events.get(t, ()):
            self.apply_event(event, run)  # 1. events

        self.pressure = rules.decay_pressure(
            self.pressure, p.pressure_baseline, p.pressure_decay_weeks
        )
        self._meet_learning_group()  # 3.
        self._lead()  # 4.
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
            "in_conflict": in_conflict,
            "unresolved": unresolved,
        }
        self._extend("after_outcomes")
        self._update_staff(leading, succeeded, failed, in_conflict, unresolved, self.reflecting)
        self._extend("after_staff")  # 7.
        self._reflect_and_replan(self.reflecting, leading, succeeded)  # 8.
        self._extend("after_reflection")
        self._observe(offered, leading, succeeded, failed, collisions, unresolved)  # 9.
        self.t += 1

    def _extend(self, phase: str) -> None:
        """Call every extension's hook for ``phase`` (see :mod:`leadsim.engine.extensions`)."""
        for extension in self.extensions:
            hook = getattr(extension, phase, None)
            if hook is not None:
                hook(self)

    def run(self, steps: int) -> None:
        """Advance ``steps`` weeks."""
        for _ in range(steps):
            self.step()

    def _meet_learning_group(self) -> None:
        p = self.p
        self.support = np.zeros(self.n_org)
        self.attended = np.zeros(self.n_org, dtype=bool)
        interval = p.meeting_interval
        meeting = self.in_group & ((self.t % np.asarray(interval, dtype=np.int64)) == 0)
        if not meeting.any():
            return
        attends = meeting & rules.attends_meeting(
            self.leader_anxiety, p.busy_absence, self._draw_org(Purpose.ATTEND)
        )
        cohesion = self.cohesion[self.org_run]  # before this meeting's update
        self.support = rules.group_support(attends, p.group_quality, cohesion)
        self.containment = np.where(
            attends,
            rules.learn_containment(self.containment, self.support, p.containment_learning),
            self.containment,
        )
        self.attended = attends
        n_runs = len(self.runs)
        members = np.bincount(self.org_run, weights=meeting, minlength=n_runs)
        present = np.bincount(self.org_run, weights=attends, minlength=n_runs)
        met = members > 0
        share = np.divide(present, members, out=np.zeros(n_runs), where=met)
        rate = (
            p.cohesion_rate
            if np.isscalar(p.cohesion_rate)
            else _first_per_run(p.cohesion_rate, self.org_run, n_runs)
        )
        self.cohesion = np.where(
            met, rules.update_cohesion(self.cohesion, share, rate), self.cohesion
        )

    def _lead(self) -> None:
        p = self.p
        self.leader_anxiety = rules.update_leader_anxiety(
            self.leader_anxiety,
            self.pressure,
            self.reversion_pressure,
            self.failure_rate,
            self.unresolved_share,
            self.support,
            p.leader_pressure_sensitivity,
            p.leader_reversion_sensitivity,
            p.leader_failure_sensitivity,
            p.leader_conflict_sensitivity,
            p.leader_support_relief,
            p.leader_anxiety_decay,
        )
        excess = rules.excess_anxiety(self.leader_anxiety, self.containment)
        self.containment = rules.erode_containment(self.containment, excess, p.containment_erosion)
        self.distribution_before = self.distribution
        self.distribution = rules.revert_distribution(
            self.distribution,
            self.target,
            excess,
            self.heroic_identification,
            self.reversion_pressure,
            p.distribution_rate,
            p.reversion_rate,
            p.reversion_pressure_weight,
        )
        self.excess = excess

    def _offer_and_take_up(self) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        offered = rules.offer_opportunities(
            self.distribution[self.org], self._access(), self._draw(Purpose.OFFER)
        )
        candidates = np.flatnonzero(offered)
        proof = rules.social_proof(self.adjacency, self.leading, self.degree)  # last week's leading
        chance = rules.takeup_probability(
            self.authority[candidates],
            proof[candidates],
            self.trust[candidates],
            self.anxiety[candidates],
            self.dependency[candidates],
            self.threshold[candidates],
            _at(p.staff("takeup_sharpness"), candidates),
            _at(p.staff("social_proof_weight"), candidates),
            _at(p.staff("takeup_trust_weight"), candidates),
            _at(p.staff("takeup_dependency_weight"), candidates),
        )
        leading = np.zeros(self.n_staff, dtype=bool)
        leading[candidates] = self._draw(Purpose.TAKEUP, candidates) < chance
        return offered, leading

    def _outcomes(self, leading: np.ndarray):
        p = self.p
        actors = np.flatnonzero(leading)
        org = self.org[actors]
        chance = rules.success_probability(
            self.expertise[actors],
            self.peer_trust[actors],
            self.containment[org],
            self.role_clarity[org],
            _at(p.staff("success_sharpness"), actors),
            _at(p.staff("success_peer_trust_weight"), actors),
            _at(p.staff("success_holding_weight"), actors),
            _at(p.staff("task_difficulty"), actors),
        )
        succeeded = np.zeros(self.n_staff, dtype=bool)
        succeeded[actors] = self._draw(Purpose.SUCCESS, actors) < chance
        failed = leading & ~succeeded
        # conflict: each actor meets one random neighbour; two actors may collide
        degree = self.degree[actors]
        connected = actors[degree > 0]
        pick = np.floor(self._draw(Purpose.MEET, connected) * self.degree[connected]).astype(
            np.int64
        )
        met = self.adjacency.indices[self.adjacency.indptr[connected] + pick]
        both = leading[met]
        who, whom = connected[both], met[both]
        collide = self._draw(Purpose.COLLIDE, who) < rules.collision_probability(
            self.peer_trust[who], _at(p.staff("collision_rate"), who)
        )
        collisions = np.zeros(self.n_staff)
        np.add.at(collisions, who[collide], 1.0)
        in_conflict = np.zeros(self.n_staff, dtype=bool)
        in_conflict[who[collide]] = True
        in_conflict[whom[collide]] = True
        disputants = np.flatnonzero(in_conflict)
        unresolved = np.zeros(self.n_staff, dtype=bool)
        unresolved[disputants] = rules.stays_unresolved(
            self.peer_trust[disputants], self._draw(Purpose.RESOLVE, disputants)
        )
        return succeeded, failed, collisions, in_conflict, unresolved

    def _reflecting(self) -> np.ndarray:
        """Reflection weeks this step, per organisation (cycles approach, or a live reflection)."""
        position = (self.t - self.cycle_origin) % np.asarray(self.p.cycle_length, dtype=np.int64)
        in_window = position >= np.asarray(self.p.cycle_length) - np.asarray(
            self.p.reflection_weeks
        )
        cycles = (self.approach == "cycles") & (self.policy != "adaptive")
        return (cycles & in_window) | self.reflect_now

    def _update_staff(
        self, leading, succeeded, failed, in_conflict, unresolved, reflecting
    ) -> None:
        p, org = self.p, self.org
        neighbour_anxiety = rules.neighbour_mean(self.adjacency, self.anxiety, self.degree)
        neighbour_led = rules.social_proof(self.adjacency, leading, self.degree) > 0
        authority, anxiety = self.authority, self.anxiety  # last week's, read by every rule
        self.authority = rules.update_authority(
            authority,
            self.resting_authority,
            succeeded,
            failed,
            leading,
            self.heroic_identification[org],
            p.staff("authority_gain"),
            p.staff("authority_loss"),
            p.staff("authority_rest_pull"),
        )
        self.anxiety = rules.update_staff_anxiety(
            anxiety,
            neighbour_anxiety,
            self.distribution[org],
            self.role_clarity[org],
            failed,
            in_conflict,
            self.pressure[org],
            self.containment[org],
            self.trust,
            reflecting[org],
            p.staff("ambiguity_anxiety"),
            p.staff("anxiety_contagion"),
            p.staff("failure_anxiety"),
            p.staff("conflict_anxiety"),
            p.staff("pressure_anxiety"),
            p.staff("holding_relief"),
            p.staff("reflection_relief"),
            p.staff("anxiety_decay"),
        )
        self.dependency = rules.update_dependency(
            self.dependency,
            authority,
            anxiety,
            succeeded,
            unresolved,
            p.staff("projection_rate"),
            p.staff("success_independence"),
            p.staff("referral_dependency"),
        )
        self.trust = rules.update_trust(
            self.trust,
            self.containment[org],
            self.role_clarity[org],
            self.distribution[org],
            self.distribution_before[org],
            self.recently_led,
            p.staff("holding_trust_gain"),
            p.staff("abdication_trust_loss"),
            p.staff("withdrawal_trust_loss"),
        )
        self.peer_trust = rules.update_peer_trust(
            self.peer_trust,
            succeeded & neighbour_led,
            in_conflict,
            p.staff("collaboration_gain"),
            p.staff("conflict_peer_loss"),
        )
        self.recently_led = rules.remember_leading(
            self.recently_led, leading, p.staff("recent_weight")
        )
        self.leading, self.succeeded = leading, succeeded
        self.in_conflict, self.unresolved = in_conflict, unresolved

    def _reflect_and_replan(self, reflecting, leading, succeeded) -> None:
        p = self.p
        self.role_clarity = rules.reflect_role_clarity(
            self.role_clarity, reflecting, p.clarity_gain
        )
        self.reflect_now[:] = False
        self.cycle_acts += self._org_sum(leading)
        self.cycle_successes += self._org_sum(succeeded)
        position = (self.t - self.cycle_origin) % np.asarray(p.cycle_length, dtype=np.int64)
        cycle_end = position == np.asarray(p.cycle_length) - 1
        if not cycle_end.any():
            return
        mean_anxiety = self._org_mean(self.anxiety)
        adaptive = self.policy == "adaptive"
        cycles = (self.approach == "cycles") & ~adaptive
        stepped = rules.replan_target(
            self.target, mean_anxiety, p.tolerance_low, p.tolerance_high, p.step_up,
            self.target_floor, self.final_target,
        )  # fmt: skip
        rate = np.divide(
            self.cycle_successes,
            self.cycle_acts,
            out=np.zeros(self.n_org),
            where=self.cycle_acts > 0,
        )
        adapted = rules.replan_adaptive(
            self.target, rate, self.cycle_acts, mean_anxiety, p.adaptive_success,
            p.tolerance_low, p.tolerance_high, p.step_up, self.target_floor, self.final_target,
        )  # fmt: skip
        self.target = np.where(cycle_end & cycles, stepped, self.target)
        self.target = np.where(cycle_end & adaptive, adapted, self.target)
        self.cycle_acts[cycle_end] = 0.0
        self.cycle_successes[cycle_end] = 0.0

    def _observe(self, offered, leading, succeeded, failed, collisions, unresolved) -> None:
        p = self.p
        acts = self._org_sum(leading)
        successes = self._org_sum(succeeded)
        failures = self._org_sum(failed)
        collision_events = self._org_sum(collisions)
        leader_acts = self.org_size * (1.0 - self.distribution)
        total = acts + leader_acts
        index = np.divide(acts, total, out=np.zeros(self.n_org), where=total > 0)
        # leadership over the last density_window weeks
        self.history = (self.history << np.uint32(1)) | leading.astype(np.uint32)
        window = np.asarray(p.staff("density_window"), dtype=np.int64)
        mask = ((np.ones_like(window, dtype=np.uint64) << window.astype(np.uint64)) - 1).astype(
            np.uint32
        )
        recent = self.history & mask
        self.leader_acts_window = np.roll(self.leader_acts_window, 1, axis=1)
        self.leader_acts_window[:, 0] = leader_acts
        org_window = np.asarray(p.density_window, dtype=np.int64) * np.ones(self.n_org, np.int64)
        weeks = np.arange(MAX_WINDOW)[None, :] < org_window[:, None]
        # summed along contiguous rows of fixed width: the same order alone or batched
        leader_recent = (self.leader_acts_window * weeks).sum(axis=1)
        counts = np.bitwise_count(recent).astype(np.int64)
        density = self._org_mean(counts > 0)
        centralization = gini_with_leader(
            counts, self.org, self.n_org, leader_recent, self.org_size
        )

        self.failure_rate = np.divide(failures, acts, out=np.zeros(self.n_org), where=acts > 0)
        self.unresolved_share = self._org_mean(unresolved)
        self.reversion_pressure = self._org_mean(self.dependency * self.anxiety)
        self.records.append(
            StepRecord(
                step=self.t,
                values={
                    "distribution_index": index,
                    "leadership_density": density,
                    "leadership_centralization": centralization,
                    "anxiety": self._org_mean(self.anxiety),
                    "trust": self._org_mean(self.trust),
                    "peer_trust": self._org_mean(self.peer_trust),
                    "dependency": self._org_mean(self.dependency),
                    "authority": self._org_mean(self.authority),
                    "leader_anxiety": self.leader_anxiety.copy(),
                    "distribution": self.distribution.copy(),
                    "containment": self.containment.copy(),
                    "reversion_pressure": self.reversion_pressure.copy(),
                    "conflict_rate": np.divide(
                        collision_events, acts, out=np.zeros(self.n_org), where=acts > 0
                    ),
                    "success_rate": np.divide(
                        successes, acts, out=np.zeros(self.n_org), where=acts > 0
                    ),
                    "pressure": self.pressure.copy(),
                    "role_clarity": self.role_clarity.copy(),
                    "target": self.target.copy(),
                    "acts": acts,
                    "successes": successes,
                    "collisions": collision_events,
                    "offers": self._org_sum(offered),
                    "unresolved_share": self.unresolved_share.copy(),
                    "support": self.support.copy(),
                    "attended": self.attended.astype(np.float64),
                    "in_group": self.in_group.astype(np.float64),
                },
            )
        )


def _at(value: float | np.ndarray, index: np.ndarray) -> float | np.ndarray:
    return value if np.isscalar(value) else value[index]


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

"""The reference model's agents: a top leader per organisation and its staff.

Plain Mesa, as a careful Mesa user would write MODEL.md §2–§4: every rule is a few
lines of Python inside the agent that owns it, and every random number comes from
Mesa's ``self.random``. Updating is synchronous (MODEL.md §3): staff compute their
new state from last week's in one pass (``compute``) and commit it in the next
(``advance``), so the order in which ``shuffle_do`` visits them does not matter.
Nothing here calls ``leadsim.engine.rules``: this is an independent oracle.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import mesa
from mesa.discrete_space import FixedAgent

from leadsim.params import POLICIES

if TYPE_CHECKING:
    from leadsim.params import Parameters

ROLE_ACCESS = {
    "senior": "access_senior",
    "academic": "access_academic",
    "professional": "access_professional",
}


def clip01(x: float) -> float:
    """Clip to [0, 1]."""
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def logistic(x: float, sharpness: float) -> float:
    """σ(sharpness·x), without overflow for large arguments."""
    z = sharpness * x
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class TopLeader(mesa.Agent):
    """A head teacher, dean or CEO, and the organisation-level quantities of their organisation.

    The leader owns the organisation's ``pressure``, ``role_clarity`` and ``target``, its
    staff list and the week's tallies that the leader reads next week (F, U and R).
    """

    def __init__(self, model: mesa.Model, params: Parameters) -> None:
        super().__init__(model)
        self.params = params
        self.staff: list[StaffMember] = []
        self.pressure = params.pressure_baseline
        self.role_clarity = params.leader_setting("role_clarity")
        self.containment = params.leader_setting("containment")
        self.heroic_identification = params.leader_setting("heroic_identification")
        self.final_target = params.leader_setting("final_target")
        self.distribution = params.initial_distribution
        self.distribution_before = self.distribution
        self.anxiety = params.initial_leader_anxiety
        self.in_group = params.learning_group
        self.support = 0.0
        self.attended = False
        self.cycle_origin = 0
        self.target_floor = min(params.initial_distribution, self.final_target)
        self.target = self.starting_target()
        self.reflect_now = False
        self.reflecting = False
        self.cycle_acts = 0
        self.cycle_successes = 0
        self.acts_window: deque[float] = deque(maxlen=params.density_window)
        # last week's staff state as the leader sees it (F = U = 0 at step 0)
        self.failure_rate = 0.0
        self.unresolved_share = 0.0
        self.reversion_pressure = 0.0
        self.initial_authority = 0.0
        # this week's observed metrics (MODEL.md §6), read by the data collector
        self.metrics: dict[str, float] = {}

    # --- policy -----------------------------------------------------------------------

    def gradual(self) -> bool:
        """Cycles, or an adaptive head: the target starts low and is replanned."""
        return self.params.approach == "cycles" or self.params.policy == "adaptive"

    def starting_target(self) -> float:
        """The target at step 0, or at a new head's arrival."""
        if not self.gradual():
            return self.final_target
        stepped = self.target_floor + self.params.step_up
        return min(max(stepped, self.target_floor), self.final_target)

    def arrive(self, policy: str, approach: str | None, week: int) -> None:
        """A new head: the policy's containment and heroism, staff and clarity unchanged."""
        changes: dict[str, object] = dict.fromkeys(POLICIES[policy])
        changes.update(policy=policy, learning_group=False)
        if approach is not None:
            changes["approach"] = approach
        self.params = self.params.replace(**changes)
        self.containment = self.params.leader_setting("containment")
        self.heroic_identification = self.params.leader_setting("heroic_identification")
        self.final_target = self.params.leader_setting("final_target")
        self.anxiety = self.params.initial_leader_anxiety
        self.in_group = False
        self.cycle_origin = week
        self.cycle_acts = self.cycle_successes = 0
        self.target_floor = min(self.params.initial_distribution, self.final_target)
        self.target = self.starting_target()

    def change(self, changes: dict[str, object]) -> None:
        """A ``set`` event: new parameters, and the head's state where it is a setting."""
        self.params = self.params.replace(**changes)
        for name in ("containment", "heroic_identification", "role_clarity"):
            if name in changes:
                setattr(self, name, float(changes[name]))
        if "final_target" in changes:
            self.final_target = float(changes["final_target"])
            self.target_floor = min(self.target_floor, self.final_target)
            if self.params.approach == "quick_fix" and self.params.policy != "adaptive":
                self.target = self.final_target
            else:
                self.target = min(max(self.target, self.target_floor), self.final_target)

    # --- the week -----------------------------------------------------------------------

    def feel_pressure(self) -> None:
        """Accountability pressure decays towards its baseline."""
        p = self.params
        self.pressure = p.pressure_baseline + (self.pressure - p.pressure_baseline) * math.exp(
            -1.0 / p.pressure_decay_weeks
        )

    def lead(self) -> None:
        """Leader anxiety, excess anxiety, containment erosion and distribution (MODEL.md §4)."""
        p = self.params
        a = self.anxiety
        a += (
            p.leader_pressure_sensitivity * self.pressure
            + p.leader_reversion_sensitivity * self.reversion_pressure
            + p.leader_failure_sensitivity * self.failure_rate
            + p.leader_conflict_sensitivity * self.unresolved_share
            - p.leader_support_relief * self.support
            - p.leader_anxiety_decay * a
        )
        self.anxiety = clip01(a)
        excess = max(0.0, self.anxiety - self.containment)
        self.containment = clip01(
            self.containment - p.containment_erosion * excess * self.containment
        )
        d = self.distribution
        self.distribution_before = d
        up = p.distribution_rate * (1.0 - excess) * (self.target - d)
        back = p.reversion_rate * (
            excess * (1.0 + self.heroic_identification)
            + p.reversion_pressure_weight * self.reversion_pressure
        )
        self.distribution = clip01(d + up - back * d)
        position = (self.model.week - self.cycle_origin) % p.cycle_length
        in_cycles = p.approach == "cycles" and p.policy != "adaptive"
        self.reflecting = (
            in_cycles and position >= p.cycle_length - p.reflection_weeks
        ) or self.reflect_now

    def reflect_and_replan(self) -> None:
        """Reflection weeks grow role clarity; at a cycle's end the head replans the target."""
        p = self.params
        if self.reflecting:
            self.role_clarity = clip01(
                self.role_clarity + p.clarity_gain * (1.0 - self.role_clarity)
            )
        self.reflect_now = False
        staff = self.staff
        self.cycle_acts += sum(1 for s in staff if s.leading)
        self.cycle_successes += sum(1 for s in staff if s.succeeded)
        if (self.model.week - self.cycle_origin) % p.cycle_length != p.cycle_length - 1:
            return
        mean_anxiety = sum(s.anxiety for s in staff) / len(staff)
        up = mean_anxiety < p.tolerance_low
        down = mean_anxiety > p.tolerance_high
        if p.policy == "adaptive":
            rate = self.cycle_successes / self.cycle_acts if self.cycle_acts else 0.0
            up = up and self.cycle_acts > 0 and rate >= p.adaptive_success
            replan = True
        else:
            replan = p.approach == "cycles"
        if replan:
            moved = self.target + p.step_up * up - p.step_up * down
            self.target = min(max(moved, self.target_floor), self.final_target)
        self.cycle_acts = self.cycle_successes = 0

    def observe(self) -> None:
        """This week's metrics (MODEL.md §6), and what the leader will read next week."""
        staff, n = self.staff, len(self.staff)
        acts = successes = collisions = unresolved = recent_leaders = 0
        anxiety = trust = peer_trust = dependency = authority = reversion = 0.0
        counts = []
        for s in staff:
            acts += s.leading
            successes += s.succeeded
            collisions += s.collisions
            unresolved += s.unresolved
            count = sum(s.led_window)
            counts.append(count)
            recent_leaders += count > 0
            anxiety += s.anxiety
            trust += s.trust
            peer_trust += s.peer_trust
            dependency += s.dependency
            authority += s.authority
            reversion += s.dependency * s.anxiety
        leader_acts = n * (1.0 - self.distribution)
        self.acts_window.append(leader_acts)
        total = acts + leader_acts
        self.failure_rate = (acts - successes) / acts if acts else 0.0
        self.unresolved_share = unresolved / n
        self.reversion_pressure = reversion / n
        self.metrics = {
            "distribution_index": acts / total if total > 0 else 0.0,
            "leadership_density": recent_leaders / n,
            "leadership_centralization": gini([*counts, sum(self.acts_window)]),
            "anxiety": anxiety / n,
            "trust": trust / n,
            "peer_trust": peer_trust / n,
            "dependency": dependency / n,
            "authority": authority / n,
            "leader_anxiety": self.anxiety,
            "distribution": self.distribution,
            "containment": self.containment,
            "reversion_pressure": self.reversion_pressure,
            "conflict_rate": collisions / acts if acts else 0.0,
            "success_rate": successes / acts if acts else 0.0,
            "pressure": self.pressure,
            "acts": float(acts),
            "successes": float(successes),
            "collisions": float(collisions),
        }


def gini(values: list[float]) -> float:
    """Gini coefficient ``Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n Σ x)``, via the sorted values (0 when all are 0)."""
    total = sum(values)
    if total <= 0:
        return 0.0
    n = len(values)
    ordered = sorted(values)
    pairs = 2.0 * sum((2 * i - n + 1) * x for i, x in enumerate(ordered))
    return pairs / (2.0 * n * total)


class StaffMember(FixedAgent):
    """A teacher, academic, or professional or administrative staff member on the network."""

    def __init__(
        self, model: mesa.Model, leader: TopLeader, role: str, cell: mesa.discrete_space.Cell
    ) -> None:
        super().__init__(model)
        p = leader.params
        rnd = self.random
        self.leader = leader
        self.role = role
        self.cell = cell
        self.neighbours: list[StaffMember] = []  # filled once the network is populated
        senior = role == "senior"
        self.expertise = clip01(
            rnd.uniform(p.expertise_low, p.expertise_high) + senior * p.senior_expertise_bonus
        )
        self.authority = clip01(
            rnd.betavariate(p.authority_beta_a, p.authority_beta_b)
            + senior * p.senior_authority_bonus
        )
        self.resting_authority = self.authority
        self.trust = _clipped_gauss(rnd, p.trust_mean, p.trust_sd)
        self.peer_trust = _clipped_gauss(rnd, p.peer_trust_mean, p.peer_trust_sd)
        self.anxiety = _clipped_gauss(rnd, p.anxiety_mean, p.anxiety_sd)
        self.dependency = _clipped_gauss(rnd, p.dependency_mean, p.dependency_sd)
        self.threshold = clip01(rnd.gauss(p.threshold_mean, p.threshold_sd))
        self.recently_led = 0.0
        self.led_window: deque[bool] = deque(maxlen=p.density_window)
        # last week's leading (committed) and this week's (being decided)
        self.leading = False
        self.acting = False
        self.succeeded = False
        self.in_conflict = False
        self.unresolved = False
        self.collisions = 0
        self._next: tuple[float, ...] = ()

    def meet_network(self) -> None:
        """Cache the neighbours: the network is fixed for the whole run."""
        self.neighbours = list(self.cell.neighborhood.agents)

    def decide(self) -> None:
        """Offers and take-up: a threshold model with social proof from last week."""
        leader, p, rnd = self.leader, self.leader.params, self.random
        self.acting = self.succeeded = self.in_conflict = self.unresolved = False
        self.collisions = 0
        if rnd.random() >= leader.distribution * getattr(p, ROLE_ACCESS[self.role]):
            return
        neighbours = self.neighbours
        proof = sum(n.leading for n in neighbours) / len(neighbours) if neighbours else 0.0
        drive = (
            self.authority
            + p.social_proof_weight * proof
            + p.takeup_trust_weight * self.trust
            - self.anxiety
            - p.takeup_dependency_weight * self.dependency
            - self.threshold
        )
        self.acting = rnd.random() < logistic(drive, p.takeup_sharpness)

    def act(self) -> None:
        """An act succeeds or fails; the actor meets one random neighbour and may collide."""
        if not self.acting:
            return
        leader, p, rnd = self.leader, self.leader.params, self.random
        skill = (
            self.expertise
            + p.success_peer_trust_weight * self.peer_trust
            + p.success_holding_weight * leader.containment * leader.role_clarity
        )
        self.succeeded = rnd.random() < logistic(skill - p.task_difficulty, p.success_sharpness)
        if not self.neighbours:
            return
        other = rnd.choice(self.neighbours)
        if other.acting and rnd.random() < p.collision_rate * (1.0 - self.peer_trust):
            self.collisions += 1
            self.in_conflict = other.in_conflict = True

    def compute(self) -> None:
        """The new state, from last week's state and this week's acts (not yet committed)."""
        leader, p = self.leader, self.leader.params
        if self.in_conflict:
            self.unresolved = self.random.random() < 1.0 - self.peer_trust
        failed = self.acting and not self.succeeded
        authority, anxiety = self.authority, self.anxiety

        if not self.acting:
            authority_change = p.authority_rest_pull * (self.resting_authority - authority)
        elif self.succeeded:
            authority_change = (
                p.authority_gain * (1.0 - leader.heroic_identification) * (1.0 - authority)
            )
        else:
            authority_change = -p.authority_loss

        neighbours = self.neighbours
        around = sum(n.anxiety for n in neighbours) / len(neighbours) if neighbours else anxiety
        anxiety_change = (
            p.ambiguity_anxiety * leader.distribution * (1.0 - leader.role_clarity)
            + p.anxiety_contagion * (around - anxiety)
            + p.failure_anxiety * failed
            + p.conflict_anxiety * self.in_conflict
            + p.pressure_anxiety * leader.pressure
            - p.holding_relief * leader.containment * self.trust * anxiety
            - p.reflection_relief * leader.reflecting * anxiety
            - p.anxiety_decay * anxiety
        )

        dependency_change = (
            p.projection_rate * (1.0 - authority) * (anxiety - self.dependency)
            - p.success_independence * self.succeeded * self.dependency
            + p.referral_dependency * self.unresolved
        )

        withdrawn = max(0.0, leader.distribution_before - leader.distribution)
        trust_change = (
            p.holding_trust_gain * leader.containment * leader.role_clarity * (1.0 - self.trust)
            - p.abdication_trust_loss
            * leader.distribution
            * (1.0 - leader.containment)
            * self.trust
            - p.withdrawal_trust_loss * withdrawn * self.recently_led
        )

        room = self.peer_trust * (1.0 - self.peer_trust)
        together = self.succeeded and any(n.acting for n in neighbours)
        peer_change = (
            p.collaboration_gain * together * room - p.conflict_peer_loss * self.in_conflict * room
        )

        self._next = (
            clip01(authority + authority_change),
            clip01(anxiety + anxiety_change),
            clip01(self.dependency + dependency_change),
            clip01(self.trust + trust_change),
            clip01(self.peer_trust + peer_change),
            (1.0 - p.recent_weight) * self.recently_led + p.recent_weight * self.acting,
        )

    def advance(self) -> None:
        """Commit this week's state: what colleagues will read next week."""
        (
            self.authority,
            self.anxiety,
            self.dependency,
            self.trust,
            self.peer_trust,
            self.recently_led,
        ) = self._next
        self.leading = self.acting
        self.led_window.append(self.acting)


def _clipped_gauss(rnd, mean: float, sd: float) -> float:
    """A normal draw clipped to [0.01, 0.99], off the fixed points of the saturating rules."""
    return min(0.99, max(0.01, rnd.gauss(mean, sd)))

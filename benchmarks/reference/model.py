"""The reference model: MODEL.md as a careful Mesa user would write it.

A ``mesa.Model`` holding one system: one or more organisations, each a
:class:`TopLeader` and its :class:`StaffMember` agents on a collegial network (a
networkx graph in a ``mesa.discrete_space.Network``), and a leaders' learning group.
A week is a few ``shuffle_do`` passes in the order of MODEL.md §3. Random numbers
come from Mesa's ``self.random``.

Two things are shared with leadsim on purpose, to remove sources of difference
that are not the rules: :class:`leadsim.params.Parameters` (the parameter set and
its defaults) and :func:`leadsim.engine.network.organisation_edges` (the network
builder; a Mesa user would call networkx's ``stochastic_block_model``, which draws
the same kind of graph). For an integer seed the network is the one the engine
builds for that seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import mesa
import networkx as nx
from mesa.discrete_space import Network

from leadsim.engine.network import organisation_edges
from leadsim.events import Event
from leadsim.params import Parameters

from .agents import StaffMember, TopLeader

# What the data collector records for each organisation every week (MODEL.md §6).
RECORDED = (
    "distribution_index",
    "leadership_density",
    "leadership_centralization",
    "anxiety",
    "trust",
    "peer_trust",
    "dependency",
    "authority",
    "leader_anxiety",
    "distribution",
    "containment",
    "reversion_pressure",
    "conflict_rate",
    "success_rate",
    "pressure",
    "acts",
    "successes",
    "collisions",
)
_GOLDEN = 0x9E3779B97F4A7C15


class LearningGroup:
    """The leaders' learning group of a system: members meet every ``meeting_interval`` weeks."""

    def __init__(self, model: ReferenceModel, cohesion: float) -> None:
        self.model = model
        self.cohesion = cohesion

    def meet(self, leaders: Iterable[TopLeader]) -> None:
        """Members attend with probability ``1 − busy·anxiety``; attenders are held."""
        week, rnd = self.model.week, self.model.random
        members = attending = 0
        for leader in leaders:
            leader.support, leader.attended = 0.0, False
            p = leader.params
            if not leader.in_group or week % p.meeting_interval:
                continue
            members += 1
            if rnd.random() < 1.0 - p.busy_absence * leader.anxiety:
                attending += 1
                leader.attended = True
                leader.support = p.group_quality * self.cohesion
                leader.containment += (
                    p.containment_learning * leader.support * (1.0 - leader.containment)
                )
                leader.containment = min(1.0, max(0.0, leader.containment))
        if members:
            share = attending / members
            rate = self.model.leaders[0].params.cohesion_rate
            change = rate * (share * (1.0 - self.cohesion) - (1.0 - share) * self.cohesion)
            self.cohesion = min(1.0, max(0.0, self.cohesion + change))


class ReferenceModel(mesa.Model):
    """One system: ``organisations`` organisations of ``params``, stepped a week at a time."""

    def __init__(
        self,
        params: Parameters | None = None,
        *,
        rng: int = 0,
        organisations: int = 1,
        events: Sequence[Event] = (),
    ) -> None:
        super().__init__(rng=rng)
        params = Parameters() if params is None else params
        self.week = 0
        self.events = sorted(events, key=lambda event: event.step)
        self.leaders = [TopLeader(self, params) for _ in range(organisations)]
        self.learning_group = LearningGroup(self, params.cohesion_start)

        graph = nx.Graph()
        offset = 0
        for k in range(organisations):
            graph.add_nodes_from(range(offset, offset + params.n_staff))
            seed = (rng ^ (k * _GOLDEN)) & 0xFFFFFFFFFFFFFFFF
            heads, tails = organisation_edges(params, seed)
            graph.add_edges_from(
                zip((heads + offset).tolist(), (tails + offset).tolist(), strict=True)
            )
            offset += params.n_staff
        self.grid = Network(graph, random=self.random, layout=None)

        cells = list(self.grid.all_cells)
        for k, leader in enumerate(self.leaders):
            for role in self._roles(params):
                cell = cells[k * params.n_staff + len(leader.staff)]
                leader.staff.append(StaffMember(self, leader, role, cell))
        self.staff = self.agents_by_type[StaffMember]
        self.staff.do("meet_network")
        for leader in self.leaders:
            n = len(leader.staff)
            leader.reversion_pressure = sum(s.dependency * s.anxiety for s in leader.staff) / n
            leader.initial_authority = sum(s.authority for s in leader.staff) / n

        self.datacollector = mesa.DataCollector(
            agenttype_reporters={
                TopLeader: {name: _metric(name) for name in RECORDED},
            }
        )

    def _roles(self, params: Parameters) -> list[str]:
        """Exact counts of each role, shuffled over the staff."""
        n = params.n_staff
        n_senior = round(params.share_senior * n)
        n_professional = min(round(params.share_professional * n), n - n_senior)
        roles = (
            ["senior"] * n_senior
            + ["professional"] * n_professional
            + ["academic"] * (n - n_senior - n_professional)
        )
        self.random.shuffle(roles)
        return roles

    def step(self) -> None:
        """One week, in the order of MODEL.md §3."""
        for event in self.events:
            if event.step == self.week:
                self.apply_event(event)
        leaders = self.agents_by_type[TopLeader]
        leaders.do("feel_pressure")
        self.learning_group.meet(self.leaders)
        leaders.shuffle_do("lead")
        self.staff.shuffle_do("decide")
        self.staff.shuffle_do("act")
        self.staff.shuffle_do("compute")
        self.staff.shuffle_do("advance")
        leaders.shuffle_do("reflect_and_replan")
        leaders.do("observe")
        self.datacollector.collect(self)
        self.week += 1

    def apply_event(self, event: Event) -> None:
        """A scheduled or live event (MODEL.md §5), for one organisation or all."""
        leaders = self.leaders if event.organisation is None else [self.leaders[event.organisation]]
        for leader in leaders:
            if event.kind == "accountability_shock":
                leader.pressure += event.args["size"]
            elif event.kind == "join_learning_group":
                leader.in_group = True
            elif event.kind == "leave_learning_group":
                leader.in_group = False
            elif event.kind == "start_reflection":
                leader.reflect_now = True
            elif event.kind == "leader_change":
                leader.arrive(event.args["policy"], event.args.get("approach"), self.week)
            elif event.kind == "set":
                leader.change(dict(event.args))


def _metric(name: str):
    def report(leader: TopLeader) -> float:
        return leader.metrics[name]

    return report

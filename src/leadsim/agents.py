"""The model's agents: a top leader per organisation and its staff (MODEL.md §2).

The engine keeps every agent's state in flat numpy arrays and updates them all at
once, synchronously (MODEL.md §3). These Mesa agents are thin views on those
arrays: reading an attribute reads the engine's array, and setting one writes into
it, so that a dashboard, a data collector or a facilitator at the console sees and
changes the very state the rules work on. The agents do not step themselves.

A state accepts any real number from 0 to 1, Python's or numpy's (``np.float32(0.5)``,
``np.int64(1)``); booleans, NaN and anything outside [0, 1] are refused. The engine
simulates a fixed staff, so ``remove()`` is refused in one line rather than taking an
agent out of ``model.agents`` while the engine goes on simulating it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from leadsim.params import ROLES

if TYPE_CHECKING:
    from leadsim.model import LeadershipModel


_REAL = int | float | np.integer | np.floating  # Python's and numpy's real scalars
_BOOL = bool | np.bool_


def _state(array: str, key: str, doc: str) -> property:
    """A [0, 1] state living in ``model.engine.<array>[agent.<key>]``, readable and writable."""

    def get(agent: mesa.Agent) -> float:
        return float(getattr(agent.model.engine, array)[getattr(agent, key)])

    def set_(agent: mesa.Agent, value: float) -> None:
        if isinstance(value, _BOOL) or not isinstance(value, _REAL):
            raise ValueError(f"{array}: expected a number from 0 to 1, got {value!r}")
        if not 0 <= value <= 1:  # NaN fails too
            raise ValueError(f"{array}: {value!r} is out of range; allowed: 0 to 1")
        getattr(agent.model.engine, array)[getattr(agent, key)] = float(value)

    return property(get, set_, doc=doc)


def _fact(array: str, kind: type, doc: str) -> property:
    """A staff member's read-only value from ``model.engine.<array>[agent.index]``."""

    def get(agent: StaffMember) -> object:
        return kind(getattr(agent.model.engine, array)[agent.index])

    return property(get, doc=doc)


class StaffMember(mesa.Agent):
    """A teacher, academic, or professional or administrative staff member.

    ``index`` is the staff member's position in the engine's flat staff arrays.
    Does not step itself: the engine updates all staff together, each week.
    """

    authority = _state("authority", "index", "readiness to lead on one's own authority")
    trust = _state("trust", "index", "trust in the top leader")
    peer_trust = _state("peer_trust", "index", "trust in colleagues")
    anxiety = _state("anxiety", "index", "the staff member's anxiety")
    dependency = _state("dependency", "index", "expectation that the leader holds the answers")
    recently_led = _state("recently_led", "index", "memory of one's own leading")
    expertise = _fact("expertise", float, "expertise, fixed for life")
    threshold = _fact("threshold", float, "personal threshold for taking up leadership")
    department = _fact("department", int, "department within the organisation")
    leading = _fact("leading", bool, "took up a leadership act this week")
    succeeded = _fact("succeeded", bool, "this week's act succeeded")
    in_conflict = _fact("in_conflict", bool, "collided with a colleague this week")

    def __init__(self, model: LeadershipModel, index: int) -> None:
        """Create the view on staff member ``index`` of ``model.engine``."""
        super().__init__(model)
        self.index = index
        self.organisation = int(model.engine.org_local[model.engine.org[index]])

    def remove(self) -> None:
        """Refused: the engine simulates a fixed staff, so no one can leave mid-run."""
        raise RuntimeError(
            "remove: a staff member cannot be removed; the engine simulates a fixed staff "
            "(n_staff per organisation): change their state instead, or build a model "
            "with a smaller n_staff"
        )

    @property
    def role(self) -> str:
        """``senior``, ``academic`` or ``professional``."""
        return ROLES[self.model.engine.role[self.index]]

    @property
    def neighbours(self) -> np.ndarray:
        """Indices (into the staff arrays and ``model.staff``) of this person's colleagues."""
        adjacency = self.model.engine.adjacency
        return adjacency.indices[adjacency.indptr[self.index] : adjacency.indptr[self.index + 1]]


class TopLeader(mesa.Agent):
    """The head teacher, dean or CEO of organisation ``organisation``.

    Does not step itself: the engine updates every leader together, each week.
    """

    anxiety = _state("leader_anxiety", "organisation", "the leader's own anxiety")
    containment = _state("containment", "organisation", "capacity to hold staff's anxiety")
    distribution = _state("distribution", "organisation", "share of leadership opened to staff")
    heroic_identification = _state(
        "heroic_identification", "organisation", "belief that survival is the leader's alone"
    )
    target = _state("target", "organisation", "what the leader's policy currently aims for")

    def __init__(self, model: LeadershipModel, organisation: int) -> None:
        """Create the view on the leader of ``organisation``."""
        super().__init__(model)
        self.organisation = organisation

    def remove(self) -> None:
        """Refused: every organisation always has a head; ``leader_change`` replaces one."""
        raise RuntimeError(
            "remove: a top leader cannot be removed; every organisation has a head: "
            "use model.leader_change(policy, organisation=...) to replace one"
        )

    @property
    def in_group(self) -> bool:
        """The leader belongs to a leaders' learning group."""
        return bool(self.model.engine.in_group[self.organisation])

    @in_group.setter
    def in_group(self, value: bool) -> None:
        if not isinstance(value, _BOOL):
            raise ValueError(f"in_group: expected true or false, got {value!r}")
        self.model.engine.in_group[self.organisation] = bool(value)

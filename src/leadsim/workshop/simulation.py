"""A room's system: the engine over its schools, with some heads played by people.

A seated head's decisions replace the model's leader policy for that school only,
and only where the policy decides (MODEL.md §4-5): the distribution *target*, and
whether the head *attends* a learning-group meeting; a reflection week is the
``start_reflection`` event. Everything else (anxiety, containment, distribution,
the staff) follows the model's rules. Unseated schools keep the scenario's policy.

Decisions are data: each is an entry of the room's record, applied at a week, so a
room's run replayed from its record (:func:`replay`) is the same run, bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from leadsim.config import Scenario
from leadsim.engine import Engine, RunSpec
from leadsim.engine.core import series_of, summaries_of
from leadsim.engine.extensions import Extension
from leadsim.events import make_event

TARGET_STEP = 0.1  # how far a head raises or lowers the distribution target in one decision
SHOCK_SIZE = 1.0  # an inspection, as the accountability_shock of the shipped scenarios
CHOICES: dict[str, float] = {"raise": TARGET_STEP, "hold": 0.0, "lower": -TARGET_STEP}


@dataclass(frozen=True)
class Decision:
    """One seated head's decision for a term.

    Attributes:
        choice: ``raise``, ``hold`` or ``lower`` the distribution target.
        attend: Whether the head attends the learning-group meetings of the term.
        reflect: Whether the head holds a reflection week at the start of the term.
    """

    choice: str = "hold"
    attend: bool = True
    reflect: bool = False

    def __post_init__(self) -> None:
        if self.choice not in CHOICES:
            raise ValueError(
                f"choice: {self.choice!r} is not a choice; allowed: raise, hold, lower"
            )
        if not isinstance(self.attend, bool) or not isinstance(self.reflect, bool):
            raise ValueError(
                f"attend, reflect: {self.attend!r}, {self.reflect!r}; allowed: true or false"
            )

    def label(self) -> str:
        """Short text for logs and tables: ``raise, attend, reflect``."""
        parts = [self.choice, "attend" if self.attend else "skip group"]
        if self.reflect:
            parts.append("reflect")
        return ", ".join(parts)


class SeatedHeads(Extension):
    """Holds each seated head's target against the model's own replanning.

    Under the ``cycles`` and ``adaptive`` policies the model replans the target at the
    end of a cycle (step 8); a seated head's target is theirs, so it is written back
    after that phase, before the week is recorded.
    """

    def __init__(self, schools: int) -> None:
        self.seated = np.zeros(schools, dtype=bool)
        self.target = np.zeros(schools)

    def hold(self, engine: Engine) -> None:
        """Write the seated heads' targets into the engine."""
        engine.target[self.seated] = self.target[self.seated]

    def after_reflection(self, engine: Engine) -> None:
        """After replanning: the seated heads' targets stand."""
        self.hold(engine)


class RoomEngine(Engine):
    """The engine, with a seated head's attendance choice in place of the attendance draw.

    The rule (MODEL.md §4, learning group) is unchanged: a head attends when
    ``u < 1 − busy·anxiety``, on last week's anxiety, which nothing else of the meeting
    reads. A head who chose to attend enters it with anxiety 0 (always attends), one who
    chose not to with anxiety ∞ (never attends); the head's own anxiety is untouched.
    Unseated heads (choice −1) meet as the model has them.
    """

    def __init__(self, runs: Sequence[RunSpec], heads: SeatedHeads) -> None:
        super().__init__(runs, [heads])
        self.heads = heads
        self.attendance_choice = np.full(self.n_org, -1, dtype=np.int8)

    def _meet_learning_group(self) -> None:
        choice = self.attendance_choice
        if not (choice >= 0).any():
            super()._meet_learning_group()
            return
        anxiety = self.leader_anxiety
        self.leader_anxiety = np.where(choice == 1, 0.0, np.where(choice == 0, np.inf, anxiety))
        try:
            super()._meet_learning_group()
        finally:
            self.leader_anxiety = anxiety


def entry_decision(seat: int, week: int, decision: Decision, target: float) -> dict[str, Any]:
    """A decision as a line of the record (the target it sets is recorded, not recomputed)."""
    return {
        "week": week,
        "kind": "decide",
        "seat": seat,
        "choice": decision.choice,
        "target": target,
        "attend": decision.attend,
        "reflect": decision.reflect,
    }


def entry_shock(week: int, school: int | None) -> dict[str, Any]:
    """An inspection at one school (``school``) or all (``None``) as a line of the record."""
    return {"week": week, "kind": "shock", "seat": school, "size": SHOCK_SIZE}


class RoomRun:
    """One system of a room: the scenario's schools on one engine, advanced term by term."""

    def __init__(self, scenario: Scenario, *, seated: bool = True) -> None:
        self.scenario = scenario
        self.schools = scenario.organisations
        self.heads = SeatedHeads(self.schools)
        spec = RunSpec(scenario.params, scenario.seed, scenario.organisations, scenario.events)
        self.engine = RoomEngine([spec], self.heads)
        self.uses_seats = seated  # False: the model's own heads, entries' decisions ignored

    @property
    def week(self) -> int:
        """Weeks simulated so far (the next week to run)."""
        return self.engine.t

    def next_target(self, seat: int, choice: str) -> float:
        """The target a seat's choice sets from its current target (clipped to [0, 1])."""
        current = self.heads.target[seat] if self.heads.seated[seat] else self.engine.target[seat]
        return float(np.clip(current + CHOICES[choice], 0.0, 1.0))

    def apply(self, entry: Mapping[str, Any]) -> None:
        """Apply one line of the record, now (at the engine's current week)."""
        engine, seat = self.engine, entry["seat"]
        if entry["week"] != engine.t:
            raise ValueError(
                f"week: an entry for week {entry['week']} applied at week {engine.t}; "
                "allowed: the entries of the week the engine is at"
            )
        if entry["kind"] == "shock":
            engine.apply_event(
                make_event(engine.t, "accountability_shock", seat, size=entry["size"])
            )
            return
        if entry["kind"] != "decide":
            raise ValueError(
                f"kind: {entry['kind']!r} is not a record entry; allowed: decide, shock"
            )
        if not self.uses_seats:
            return
        self.heads.seated[seat] = True
        self.heads.target[seat] = float(entry["target"])
        engine.attendance_choice[seat] = 1 if entry["attend"] else 0
        if entry["reflect"]:
            engine.apply_event(make_event(engine.t, "start_reflection", seat))

    def play(self, entries: Iterable[Mapping[str, Any]], weeks: int) -> None:
        """Apply a term's entries (all at this week), then run ``weeks`` weeks."""
        for entry in entries:
            self.apply(entry)
        for _ in range(weeks):
            self.heads.hold(self.engine)
            self.engine.step()

    def series(self) -> dict[str, np.ndarray]:
        """Recorded series, each of shape (weeks, schools)."""
        return series_of(self.engine)

    def reverted(self) -> tuple[list[bool], list[int | None]]:
        """Per school: reverted so far, and the week of reversion."""
        if not self.engine.records:
            return [False] * self.schools, [None] * self.schools
        summary = summaries_of(self.engine)
        flags = [bool(v) for v in summary["reverted"]]
        weeks = [
            int(w) if f else None for f, w in zip(flags, summary["time_to_reversion"], strict=True)
        ]
        return flags, weeks


def replay(
    scenario: Scenario, terms: Sequence[Mapping[str, Any]], *, seated: bool = True
) -> RoomRun:
    """Run a room again from its record: each term's entries, then its weeks.

    ``seated=False`` runs the same scenario, seed and inspections with the model's own
    heads: "you vs the model".
    """
    run = RoomRun(scenario, seated=seated)
    for term in terms:
        run.play(term["entries"], int(term["weeks"]))
    return run

"""A workshop room: seats, tokens, terms and the record, as plain state (no I/O).

A room is one system of a multi-school scenario (``learning_group`` by default). Each
school is a seat: a participant who joins takes a free seat and plays its head; an
empty seat is played by the model's own leader policy. Observers watch without acting.

Play is by terms. While a term is open every seated head decides (raise, hold or lower
the distribution target; attend the learning group or not; a reflection week or not).
The term runs when every seated head has decided, when the facilitator's timer ends or
when the facilitator moves on; an undecided head holds. Who may do what:

- the facilitator holds the room's secret ``key`` (in the facilitator's link only)
  and alone controls the room;
- a participant's seat token (given at join, kept by their browser) acts on that seat
  only, and gets the seat back after a drop;
- everything a visitor sends is bounded (:mod:`leadsim.workshop.limits`)
  and refused in one line (:class:`RoomError`) when out of bounds.

Every change bumps :attr:`Room.version`, which pages wait on to stay current.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from leadsim.config import Scenario, ScenarioError, find_scenario
from leadsim.dashboard.limits import check_scenario
from leadsim.workshop.limits import (
    DEFAULT_SCENARIO,
    DEFAULT_TERM_WEEKS,
    MAX_NAME,
    MAX_OBSERVERS,
    MAX_SEATS,
    MAX_TERMS,
    TERM_WEEKS,
    TIMER_SECONDS,
)
from leadsim.workshop.simulation import (
    Decision,
    RoomRun,
    entry_decision,
    entry_shock,
    replay,
)

NAME = re.compile(r"[^\W_](?:[\w .'-]*[^\W_.])?")  # letters and digits, inner spaces . ' -
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a projector
CODE_LENGTH = 6
SCHOOL_NAMES = (
    "Ashfield",
    "Brookside",
    "Castlegate",
    "Dunmore",
    "Elmhurst",
    "Fairview",
    "Glenwood",
    "Hollybank",
    "Ivydale",
    "Juniper Hill",
    "Kingsmead",
    "Larchmont",
)
# facilitator actions -> the arguments each takes
CONTROLS: dict[str, tuple[str, ...]] = {
    "start": (),
    "pause": (),
    "next": (),
    "settings": ("term_weeks", "timer"),
    "compare": ("on",),
    "release": ("school",),
    "end": (),
}


class RoomError(ValueError):
    """A request the room refuses: one line, with an HTTP-like status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def school_name(index: int) -> str:
    """The display name of school ``index``."""
    return f"{SCHOOL_NAMES[index]} School"


def check_name(name: Any) -> str:
    """A display name, trimmed; raise :class:`RoomError` if it is not one."""
    if not isinstance(name, str):
        raise RoomError("name: expected text; allowed: 1 to 24 letters, digits, spaces, . ' -")
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME or not NAME.fullmatch(name):
        raise RoomError(
            f"name: {name[:30]!r} is not allowed; allowed: 1 to {MAX_NAME} letters, digits, spaces, . ' -"
        )
    return name


def room_scenario(name: str = DEFAULT_SCENARIO, schools: int | None = None) -> Scenario:
    """The scenario a room plays: a shipped scenario (or file) with at most 12 schools."""
    try:
        scenario = find_scenario(name)
        if schools is not None:
            scenario = scenario.with_changes(organisations=schools)
        scenario = check_scenario(scenario)
    except ScenarioError as err:
        raise RoomError(str(err)) from None
    if not 1 <= scenario.organisations <= MAX_SEATS:
        raise RoomError(
            f"organisations: {scenario.organisations}; allowed: 1 to {MAX_SEATS} schools in a room"
        )
    return scenario


@dataclass
class Seat:
    """A school, and the participant who plays its head (``None``: the model does)."""

    school: int
    name: str | None = None
    token: str | None = None
    attend: bool = True  # the head's last attendance choice: an undecided head keeps it


@dataclass
class Room:
    """One room's state. Not thread-safe: the server serialises calls (one lock per room)."""

    scenario: Scenario
    scenario_ref: str = DEFAULT_SCENARIO
    code: str = ""
    key: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.code = self.code or new_code()
        self.run = RoomRun(self.scenario)
        self.seats = [Seat(k) for k in range(self.scenario.organisations)]
        self.observers: set[str] = set()
        self.phase = "lobby"
        self.term_weeks = DEFAULT_TERM_WEEKS
        self.timer = 0  # seconds; 0: no timer
        self.deadline: float | None = None
        self.remaining: float | None = None  # a paused timer's seconds left
        self.pending: dict[int, Decision] = {}
        self.pending_shocks: list[int | None] = []
        self.terms: list[dict[str, Any]] = []  # the record: [{start, weeks, entries}]
        self.compare = False  # show "you vs the model" before the room ends
        self.version = 0
        self._model_run: RoomRun | None = None

    # --- who is asking --------------------------------------------------------------------

    def is_facilitator(self, key: Any) -> bool:
        """Whether ``key`` is this room's facilitator key (compared in constant time)."""
        return isinstance(key, str) and secrets.compare_digest(key.encode(), self.key.encode())

    def seat_of(self, token: Any) -> int | None:
        """The seat a participant token owns, or ``None``."""
        if not isinstance(token, str) or not token:
            return None
        for seat in self.seats:
            if seat.token is not None and secrets.compare_digest(
                seat.token.encode(), token.encode()
            ):
                return seat.school
        return None

    def is_observer(self, token: Any) -> bool:
        """Whether ``token`` is one of this room's observer tokens."""
        return isinstance(token, str) and token in self.observers

    def role_of(self, token: Any) -> tuple[str, int | None]:
        """``(role, seat)`` of a token: facilitator, participant (with its seat), observer."""
        if self.is_facilitator(token):
            return "facilitator", None
        seat = self.seat_of(token)
        if seat is not None:
            return "participant", seat
        if self.is_observer(token):
            return "observer", None
        raise RoomError("token: not a member of this room; join with the room code", 403)

    # --- joining --------------------------------------------------------------------------

    def join(self, name: Any) -> tuple[int, str]:
        """Seat a participant in the first free seat: ``(seat, token)``."""
        name = check_name(name)
        if self.phase == "ended":
            raise RoomError("room: the room has ended; allowed: watch its debrief", 409)
        free = [seat for seat in self.seats if seat.token is None]
        if not free:
            raise RoomError(
                f"room: all {len(self.seats)} seats are taken; allowed: watch as an observer", 429
            )
        seat = free[0]
        seat.name, seat.token = name, secrets.token_urlsafe(16)
        self._changed()
        return seat.school, seat.token

    def observe(self) -> str:
        """An observer token (at most :data:`MAX_OBSERVERS` per room)."""
        if len(self.observers) >= MAX_OBSERVERS:
            raise RoomError(f"room: {MAX_OBSERVERS} observers already; allowed: no more", 429)
        token = secrets.token_urlsafe(16)
        self.observers.add(token)
        return token

    # --- playing --------------------------------------------------------------------------

    def decide(self, token: Any, decision: Decision) -> bool:
        """Record a seated head's decision for the open term; True if the term then ran."""
        role, seat = self.role_of(token)
        if role != "participant" or seat is None:
            raise RoomError("decide: only a seated head decides, for their own school", 403)
        if self.phase == "ended":
            raise RoomError("decide: the room has ended", 409)
        self.pending[seat] = decision
        self._changed()
        if self.phase == "open" and self.all_decided():
            self.run_term()
            return True
        return False

    def seated(self) -> list[int]:
        """Schools whose head is a participant."""
        return [seat.school for seat in self.seats if seat.token is not None]

    def all_decided(self) -> bool:
        """Every seated head has decided (and at least one is seated)."""
        seated = self.seated()
        return bool(seated) and all(school in self.pending for school in seated)

    def control(self, key: Any, action: Any, args: dict[str, Any] | None = None) -> None:
        """A facilitator's action: start, pause, next (run the term now), settings, release, end.

        ``release`` frees a school's seat (``{"school": k}``): its head's token stops
        working, and the next participant to join takes it (a phone that died: its head
        joins again from another device). The school holds meanwhile, as an undecided
        head's does; its record is kept.
        """
        if not self.is_facilitator(key):
            raise RoomError("control: only the facilitator controls the room", 403)
        args = args or {}
        if action not in CONTROLS:
            raise RoomError(
                f"action: {str(action)[:30]!r} is not an action; allowed: {', '.join(CONTROLS)}"
            )
        unknown = sorted(set(args) - set(CONTROLS[action]))
        if unknown:
            allowed = ", ".join(CONTROLS[action]) or "none"
            raise RoomError(f"{action}.{unknown[0][:30]}: unknown argument; allowed: {allowed}")
        if self.phase == "ended":
            raise RoomError(f"{action}: the room has ended", 409)
        if action == "settings":
            self._settings(**args)
        elif action == "start":
            if self.phase == "paused" and self.remaining is not None:
                self.deadline = self.clock() + self.remaining
            else:
                self._arm_timer()
            self.phase, self.remaining = "open", None
            if self.all_decided():
                self.run_term()
        elif action == "pause" and self.phase == "open":
            self.phase = "paused"
            left = None if self.deadline is None else max(0.0, self.deadline - self.clock())
            self.remaining, self.deadline = left, None
        elif action == "next":
            self.run_term()
        elif action == "compare":
            self.compare = bool(args.get("on", not self.compare))
        elif action == "release":
            self._release(args.get("school"))
        elif action == "end":
            self.phase, self.deadline = "ended", None
        self._changed()

    def _release(self, school: Any) -> None:
        if (
            isinstance(school, bool)
            or not isinstance(school, int)
            or not 0 <= school < len(self.seats)
        ):
            raise RoomError(
                f"release.school: {str(school)[:20]} is not a school; allowed: 0 to {len(self.seats) - 1}"
            )
        seat = self.seats[school]
        if seat.token is None:
            raise RoomError(f"release: {school_name(school)}'s seat is free already", 409)
        seat.token = None
        self.pending.pop(school, None)

    def shock(self, key: Any, school: Any) -> None:
        """The facilitator schedules an inspection at one school or all, for the next term."""
        if not self.is_facilitator(key):
            raise RoomError("shock: only the facilitator sends an inspection", 403)
        if school is not None and (
            isinstance(school, bool)
            or not isinstance(school, int)
            or not 0 <= school < len(self.seats)
        ):
            raise RoomError(
                f"school: {str(school)[:20]!r} is not a school; allowed: 0 to {len(self.seats) - 1}, or all"
            )
        if self.phase == "ended":
            raise RoomError("shock: the room has ended", 409)
        if len(self.pending_shocks) >= len(self.seats) + 1:
            raise RoomError(
                f"shock: {len(self.pending_shocks)} inspections queued for this term already; "
                "allowed: one per school and one for all",
                429,
            )
        self.pending_shocks.append(school)
        self._changed()

    def _settings(self, term_weeks: Any = None, timer: Any = None) -> None:
        if term_weeks is not None:
            low, high = TERM_WEEKS
            if (
                isinstance(term_weeks, bool)
                or not isinstance(term_weeks, int)
                or not low <= term_weeks <= high
            ):
                raise RoomError(
                    f"term_weeks: {str(term_weeks)[:20]!r}; allowed: {low} to {high} weeks"
                )
            self.term_weeks = term_weeks
        if timer is not None:
            low, high = TIMER_SECONDS
            if (
                isinstance(timer, bool)
                or not isinstance(timer, int)
                or not (timer == 0 or low <= timer <= high)
            ):
                raise RoomError(
                    f"timer: {str(timer)[:20]!r}; allowed: 0 (none) or {low} to {high} seconds"
                )
            self.timer = timer
            if self.phase == "open":
                self._arm_timer()

    def _arm_timer(self) -> None:
        self.deadline = self.clock() + self.timer if self.timer else None

    def due(self) -> bool:
        """Whether the open term's timer has ended."""
        return self.phase == "open" and self.deadline is not None and self.clock() >= self.deadline

    def weeks_left(self) -> int:
        """Weeks the room may still run (the scenario's horizon bounds the room)."""
        return self.scenario.horizon - self.run.week

    def run_term(self) -> None:
        """Run the open term: inspections, then each seated head's decision, then its weeks."""
        if self.phase == "ended":
            raise RoomError("next: the room has ended", 409)
        weeks = min(self.term_weeks, self.weeks_left())
        week = self.run.week
        entries = [entry_shock(week, school) for school in self.pending_shocks]
        for school in self.seated():
            seat = self.seats[school]
            decision = self.pending.get(school) or Decision("hold", seat.attend, False)
            seat.attend = decision.attend
            target = self.run.next_target(school, decision.choice)
            entries.append(entry_decision(school, week, decision, target))
        term = {"start": week, "weeks": weeks, "entries": entries}
        self.run.play(entries, weeks)
        self.terms.append(term)
        self.pending, self.pending_shocks = {}, []
        self._model_run = None
        if len(self.terms) >= MAX_TERMS or self.weeks_left() <= 0:
            self.phase, self.deadline = "ended", None
        elif self.phase == "open":
            self._arm_timer()
        self._changed()

    def _changed(self) -> None:
        self.version += 1

    # --- the record and the debrief ---------------------------------------------------------

    def record(self) -> dict[str, Any]:
        """The room's record: scenario, seed, schools and every term's entries (JSON-able)."""
        return {
            "scenario": self.scenario_ref,
            "schools": self.scenario.organisations,
            "seed": self.scenario.seed,
            "horizon": self.scenario.horizon,
            "heads": {seat.school: seat.name for seat in self.seats if seat.name},
            "terms": self.terms,
        }

    def model_run(self) -> RoomRun:
        """The same scenario, seed, inspections and weeks, with the model's own heads."""
        if self._model_run is None:
            self._model_run = replay(self.scenario, self.terms, seated=False)
        return self._model_run


def replay_record(record: dict[str, Any], *, seated: bool = True) -> RoomRun:
    """Run a room's record again (see :func:`leadsim.workshop.simulation.replay`)."""
    scenario = room_scenario(record["scenario"], record["schools"]).with_changes(
        seed=record["seed"], horizon=record["horizon"]
    )
    return replay(scenario, record["terms"], seated=seated)


def new_code() -> str:
    """A fresh room code: six letters or digits that read unambiguously."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))

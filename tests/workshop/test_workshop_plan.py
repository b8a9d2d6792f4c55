"""The room plan of docs/workshop.md says only what a room does (as tests/test_guide.py does for
the dashboard's plan).

The plan tells the facilitator what the model does with some decisions ("a head who skips
the group term after term reverts, in weeks 19 to 24"). Each such figure is a claim below:
the phrase, as the guide has it, and the room that shows it, played through
:class:`~leadsim.workshop.room.Room` as the room's pages play it: six participants join
the default room, the facilitator starts it, every head decides every term (4 weeks), and
the facilitator sends an inspection to all schools at the start of term 7.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from leadsim.workshop.room import Room, room_scenario
from leadsim.workshop.simulation import Decision

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "workshop.md"
ROOM_PLAN = "## A second plan: a workshop room, where the heads in the room play the heads"
FIGURE = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])|\b[Ww]eeks? \d+")  # as tests/test_guide.py
TERMS, INSPECTION_TERM = 10, 7  # the plan: six terms, the inspection and three terms, one more

Script = Callable[[int, int], Decision]  # (term from 1, school) -> the head's decision
SCRIPTS: dict[str, Script] = {
    "hold and attend": lambda term, school: Decision("hold", True, False),
    "skip the group": lambda term, school: Decision("hold", False, False),
    "lower at the inspection": lambda term, school: Decision(
        "lower" if term == INSPECTION_TERM else "hold", True, False
    ),
    "reflect from the inspection": lambda term, school: Decision(
        "hold", True, term >= INSPECTION_TERM
    ),
}


@cache
def room(script: str) -> Room:
    """The default room, six heads playing ``script`` for the plan's ten terms."""
    played = Room(room_scenario())
    tokens = [played.join(f"Head {k}")[1] for k in range(played.scenario.organisations)]
    played.control(played.key, "start", {})
    for term in range(1, TERMS + 1):
        if term == INSPECTION_TERM:
            played.shock(played.key, None)
        for school, token in enumerate(tokens):
            played.decide(token, SCRIPTS[script](term, school))
    return played


def reversions(run) -> list[int]:
    """The weeks of the schools that reverted, in order."""
    _, weeks = run.reverted()
    return sorted(week for week in weeks if week is not None)


def inspection_week(played: Room) -> int:
    """The week the room's record says the inspection landed."""
    (week,) = [e["week"] for t in played.terms for e in t["entries"] if e["kind"] == "shock"]
    return week


def last_four_weeks(run) -> float:
    return float(np.mean(run.series()["distribution_index"][-4:]))


# (the phrase, as the guide says it; what the room shows; what the phrase allows)
CLAIMS: tuple[tuple[str, Callable[[], object], Callable[[object], bool]], ...] = (
    ("(seed 42, checked with these exact decisions)", lambda: room_scenario().seed, (42).__eq__),
    (
        "heads who hold their target and go to every meeting keep all six schools distributed",
        lambda: (
            room("hold and attend").scenario.organisations,
            reversions(room("hold and attend").run),
        ),
        ((6, [])).__eq__,
    ),
    (
        "a head who skips the group term after term reverts, in weeks 19 to 24",
        lambda: reversions(room("skip the group").run),
        lambda weeks: len(weeks) == 6 and weeks[0] == 19 and weeks[-1] == 24,
    ),
    (
        "At the start of term 7 (week 24)",
        lambda: inspection_week(room("hold and attend")),
        (24).__eq__,
    ),
    (
        "with the model's own heads, two of the six schools revert after this inspection "
        "(weeks 33 and 34)",
        lambda: reversions(room("hold and attend").model_run()),
        [33, 34].__eq__,
    ),
    (
        "Heads who hold their target and keep going to the group: none.",
        lambda: reversions(room("hold and attend").run),
        [].__eq__,
    ),
    (
        "Heads who answer the inspection by lowering their target revert much like the "
        "model's (two schools)",
        lambda: len(reversions(room("lower at the inspection").run)),
        (2).__eq__,
    ),
    (
        "Heads who hold a reflection week every term from the inspection on: none revert",
        lambda: reversions(room("reflect from the inspection").run),
        [].__eq__,
    ),
    (
        "a distribution index of 0.65 against 0.20 over the last four weeks",
        lambda: (
            last_four_weeks(room("reflect from the inspection").run),
            last_four_weeks(room("reflect from the inspection").model_run()),
        ),
        lambda pair: abs(pair[0] - 0.65) <= 0.01 and abs(pair[1] - 0.20) <= 0.01,
    ),
)


def flat(text: str) -> str:
    return " ".join(text.split())


def room_plan() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    assert ROOM_PLAN in text, f"docs/workshop.md has no '{ROOM_PLAN}'"
    return flat(text.split(ROOM_PLAN, 1)[1])


@pytest.mark.parametrize(("phrase", "measure", "allowed"), CLAIMS, ids=[c[0][:40] for c in CLAIMS])
def test_the_room_plan_says_what_the_room_does(phrase, measure, allowed):
    assert phrase in room_plan(), f"the room plan no longer says {phrase!r}: update its claim"
    value = measure()
    assert allowed(value), f"the room plan says {phrase!r}, but the room shows {value!r}"


def test_every_figure_of_the_room_plan_is_claimed():
    text = room_plan()
    spans = [m.span() for phrase, *_ in CLAIMS for m in re.finditer(re.escape(phrase), text)]
    loose = [
        text[max(0, m.start() - 60) : m.end() + 20]
        for m in FIGURE.finditer(text)
        if not any(start <= m.start() and m.end() <= end for start, end in spans)
    ]
    assert not loose, "figures of the room plan no claim checks: " + " | ".join(loose)

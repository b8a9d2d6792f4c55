"""The workshop guide and the student exercises say only what the page shows (issue 13).

``docs/workshop.md`` tells a facilitator what the dashboard will do ("B's staff anxiety
peaks near 0.33"), and the notes of ``docs/exercises.md`` tell a teacher what students
should find. Each such figure is a row of :data:`CLAIMS`: the document, the exact
phrase that quotes it, what to measure on a run made as the page makes it, and the
range the phrase allows. A test checks that the phrase is still in the document (so an
edit of the text cannot leave its check behind unnoticed) and that the run gives a
value in the range.

Runs are made as the dashboard makes them: a :class:`~leadsim.dashboard.session.Session`
of ``Setup.of(scenario)`` with the controls' changes as ``overrides``, side B's change
as a :class:`~leadsim.dashboard.session.ComparePlan`, *Run to week* and *Play* as the
session's ``run_to`` and ``play_on``, and each intervention pressed at its week, for
every organisation (the page's default). What is measured is what the page draws: the
time series' rows (:func:`~leadsim.dashboard.payloads.series_frame`), the radar's two
shapes, the small multiples' meetings, the verdict beside the week counter, and, for
what has no chart, the metrics the CSV export writes (the engine's records).

How a phrase reads, as a range:

- "near 0.33", "about 0.33": within 0.03; "near 0.3", "about 0.3": within 0.05;
- a bare figure ("from 0.57"): within 0.01, as the hover box reads it;
- "between 0.73 and 0.78", "0.45–0.49": every value within those, give or take 0.02
  ("accept readings within a few hundredths", say the exercises' notes);
- a week ("reverts in week 17"), a count, a verdict or a label: exactly.

"Near the end" is the mean of weeks 140 to 155, where the exercises ask students to
read the weekly index ("at a few weeks near the end"). Runs are shared between claims
and made once per module (60 staff for 156 weeks take about 0.05 s).

A figure of the session plan or the teachers' notes that no claim covers fails
:func:`test_every_figure_is_claimed`: add its claim, or, if it is something the
facilitator types or a week to look at, a phrase to :data:`SETTINGS`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from leadsim.config import SCENARIO_DIR, list_scenarios
from leadsim.dashboard import payloads
from leadsim.dashboard.controls import CONTROLS, choices, default_plan, plain_name, shown
from leadsim.dashboard.limits import MAX_HORIZON, MAX_SPEED, MIN_SPEED
from leadsim.dashboard.session import ComparePlan, Session, Setup, Side
from leadsim.dashboard.views import verdict, week_text
from leadsim.engine.metrics import stack
from leadsim.params import POLICIES

ROOT = Path(__file__).resolve().parents[1]
DOCS = {
    "workshop": ROOT / "docs" / "workshop.md",
    "exercises": ROOT / "docs" / "exercises.md",
}
SCENARIOS = {scenario.name: scenario for scenario in list_scenarios(SCENARIO_DIR)}
END = slice(140, 156)  # "near the end": weeks 140 to 155
SERIES_METRICS = [metric for metric, *_ in payloads.SERIES]


def flat(text: str) -> str:
    """The text with every run of white space as one space (phrases span line breaks)."""
    return " ".join(text.split())


# --- what the page was set to, and what was pressed --------------------------------------


@dataclasses.dataclass(frozen=True)
class Run:
    """A run as the page makes it: enough to make it again, exactly."""

    scenario: str
    overrides: tuple[tuple[str, Any], ...] = ()
    compare: tuple[str, Any] | None = None
    seed: int | None = None
    presses: tuple[tuple[int, str, tuple[tuple[str, Any], ...]], ...] = ()
    weeks: int | None = None  # run to this week; None: Play to the end


def page(
    scenario: str,
    *,
    overrides: dict[str, Any] | None = None,
    compare: tuple[str, Any] | None = None,
    seed: int | None = None,
    presses: Sequence[tuple[int, str, tuple[tuple[str, Any], ...]]] = (),
    weeks: int | None = None,
) -> Run:
    """The scenario picked in the menu, controls changed, compare set, buttons pressed."""
    return Run(scenario, tuple((overrides or {}).items()), compare, seed, tuple(presses), weeks)


def press(week: int, kind: str, **args: Any) -> tuple[int, str, tuple[tuple[str, Any], ...]]:
    """An intervention pressed when the counter reads ``week``, for every organisation."""
    return week, kind, tuple({"organisation": None, **args}.items())


def setup_of(run: Run) -> Setup:
    """The setup the page's controls describe."""
    setup = Setup.of(SCENARIOS[run.scenario])
    if run.overrides:
        setup = dataclasses.replace(setup, overrides=dict(run.overrides))
    if run.seed is not None:
        setup = dataclasses.replace(setup, seed=run.seed)
    if run.compare is not None:
        setup = dataclasses.replace(setup, compare=ComparePlan(*run.compare))
    return setup


def play(run: Run) -> Session:
    """Make the run: *Run to week* each press's week, press it, then play on.

    Mesa's data collector is switched off: it only reads the engine's records, which is
    what the page reads too, and it takes three quarters of a step's time.
    """
    session = Session(setup_of(run))
    for side in session.sides:
        side.model.datacollector.collect = lambda model: None

    def go_on() -> None:
        while session.week < session.until and not session.at_cap:
            session.step()  # what Session.play does, a week at a time, without the clock

    for week in sorted({week for week, _, _ in run.presses}):
        if week > session.week:
            session.run_to(week)
            go_on()
        for at, kind, args in run.presses:
            if at == week:
                session.intervene(kind, **dict(args))
    if run.weeks is None:
        session.play_on()
    else:
        session.run_to(run.weeks)
    go_on()
    return session


class Runs:
    """The runs the claims read, each made once, and what the page shows of them."""

    def __init__(self) -> None:
        self._sessions: dict[Run, Session] = {}
        self._series: dict[tuple[Run, int, int], dict[str, np.ndarray]] = {}

    def session(self, run: Run) -> Session:
        if run not in self._sessions:
            self._sessions[run] = play(run)
        return self._sessions[run]

    def side(self, run: Run, side: int = 0) -> Side:
        return self.session(run).sides[side]

    def series(self, run: Run, metric: str, side: int = 0, school: int = 0) -> np.ndarray:
        """Week by week: the time series' line if the page draws one, else the CSV's column."""
        key = (run, side, school)
        if key not in self._series:
            one = self.side(run, side)
            records = stack(one.model.engine.records)
            columns = {name: values[:, one.org_index(school)] for name, values in records.items()}
            rows = np.array(payloads.series_frame(one, school, 0, 0)["rows"], dtype=float)
            columns.update({name: rows[:, k] for k, name in enumerate(SERIES_METRICS)})
            self._series[key] = columns
        return self._series[key][metric]

    # --- measures ---------------------------------------------------------------------

    def at(self, run: Run, metric: str, week: int, side: int = 0, school: int = 0) -> float:
        return float(self.series(run, metric, side, school)[week])

    def start(self, run: Run, metric: str, side: int = 0, school: int = 0) -> float:
        return self.at(run, metric, 0, side, school)

    def last(self, run: Run, metric: str, side: int = 0, school: int = 0) -> float:
        return float(self.series(run, metric, side, school)[-1])

    def peak(
        self, run: Run, metric: str, side: int = 0, school: int = 0, weeks: slice = slice(None)
    ) -> float:
        return float(self.series(run, metric, side, school)[weeks].max())

    def peak_week(self, run: Run, metric: str, side: int = 0, school: int = 0) -> int:
        return int(np.argmax(self.series(run, metric, side, school)))

    def low(
        self, run: Run, metric: str, side: int = 0, school: int = 0, weeks: slice = slice(None)
    ) -> float:
        return float(self.series(run, metric, side, school)[weeks].min())

    def mean(self, run: Run, metric: str, weeks: slice, side: int = 0, school: int = 0) -> float:
        return float(self.series(run, metric, side, school)[weeks].mean())

    def near_end(
        self, run: Run, metric: str = "distribution_index", side: int = 0, school: int = 0
    ) -> float:
        return self.mean(run, metric, END, side, school)

    def reversion(self, run: Run, side: int = 0, school: int = 0) -> int | None:
        """The week of the red *reverted* line (the verdict's week), or ``None``."""
        return self.side(run, side).watches[school].week

    def holds(self, run: Run, side: int = 0, school: int = 0) -> bool:
        """Distributed, and never reverted: the verdict stays green."""
        watch = self.side(run, side).watches[school]
        return watch.distributed and watch.week is None

    def verdict(self, run: Run, side: int = 0, school: int = 0) -> str:
        """The verdict beside the week counter."""
        return verdict(self.side(run, side), school)[0]

    def schools(self, run: Run, side: int = 0) -> range:
        return range(self.side(run, side).organisations)

    def radar(self, run: Run, axis: str, when: str, side: int = 0) -> float:
        """The ASERT radar's ``start`` (dashed) or ``now`` shape, on one axis."""
        frame = payloads.radar_frame(self.side(run, side), 0)
        return float(frame[when][list(payloads.ASERT_LABELS).index(axis)])

    def meetings(self, run: Run, school: int, side: int = 0) -> tuple[list[int], list[int]]:
        """The weeks of the small multiples' green dots (attended) and red circles (missed)."""
        rows = payloads.multiples_frame(self.side(run, side), 0, 0)["rows"]
        attended = [week for week, row in enumerate(rows) if row[2][school] == 1]
        missed = [week for week, row in enumerate(rows) if row[2][school] == 0]
        return attended, missed


def spread(values: Sequence[Any]) -> tuple[Any, Any]:
    """The lowest and highest of several values; ``(None, None)`` if one is missing.

    A reversion week is ``None`` for a run that holds: "all six revert, weeks 19–24" then
    fails, as it should. Where some runs hold, leave them out first (:func:`reverted`).
    """
    values = list(values)
    if not values or any(value is None for value in values):
        return None, None
    return min(values), max(values)


def reverted(weeks: Sequence[int | None]) -> list[int]:
    """The reversion weeks of the runs that reverted."""
    return [week for week in weeks if week is not None]


def setting(run: Run, name: str, side: int = 0) -> Any:
    """A parameter's value as the page's control (or side B's field) shows it."""
    params = setup_of(run).scenarios()[side].params
    value = getattr(params, name)
    return params.leader_setting(name) if value is None else value


def side_labels(run: Run) -> str:
    """The two sides' titles in compare mode, as the page writes them."""
    setup = setup_of(run)
    assert setup.compare is not None
    varied = setup.compare.parameter
    return (
        f"*A: {plain_name(varied)} = {shown(setup.value(varied))}* and "
        f"*B: {plain_name(varied)} = {shown(setup.compare.value)}*"
    )


def control(name: str) -> Any:
    return next(c for c in CONTROLS if c.name == name)


# --- how a phrase reads ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Accept:
    """Numbers from ``low`` to ``high``; a pair (lowest, highest) must lie within both."""

    low: float
    high: float

    def __contains__(self, value: Any) -> bool:
        values = value if isinstance(value, tuple) else (value,)
        return all(
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and self.low - 1e-9 <= v <= self.high + 1e-9
            for v in values
        )

    def __str__(self) -> str:
        return f"{self.low:g} to {self.high:g}"


@dataclasses.dataclass(frozen=True)
class Exactly:
    """This value, and nothing else (a week, a count, a verdict, a label)."""

    value: Any

    def __contains__(self, value: Any) -> bool:
        return value == self.value

    def __str__(self) -> str:
        return f"exactly {self.value!r}"


def near(figure: str, tol: float | None = None) -> Accept:
    """Read "near 0.33" as within 0.03, "about 0.3" as within 0.05 (or within ``tol``)."""
    decimals = len(figure.partition(".")[2])
    x = float(figure)
    tol = tol if tol is not None else (0.05 if decimals <= 1 else 0.03)
    return Accept(x - tol, x + tol)


def reads(figure: str) -> Accept:
    """A bare figure ("from 0.57"), as the hover box reads it."""
    return near(figure, 0.01)


def between(low: float, high: float, tol: float = 0.02) -> Accept:
    """Read "between 0.73 and 0.78" or "0.45–0.49": every value, give or take ``tol``."""
    return Accept(low - tol, high + tol)


def under(x: float) -> Accept:
    return Accept(-math.inf, x)


def over(x: float) -> Accept:
    return Accept(x, math.inf)


YES = Exactly(True)


Expect = Accept | Exactly


@dataclasses.dataclass(frozen=True)
class Claim:
    """Figures a document quotes in one phrase, and how to check them on the run it describes.

    ``measure`` gives one value per expectation (a tuple if there are several).
    """

    doc: str
    phrase: str
    measure: Callable[[Runs], Any]
    expect: tuple[Expect, ...]

    def values(self, runs: Runs) -> tuple[Any, ...]:
        value = self.measure(runs)
        return value if len(self.expect) > 1 else (value,)

    def __str__(self) -> str:
        return f"{self.doc}: {self.phrase}"


def claim(doc: str, phrase: str, measure: Callable[[Runs], Any], *expect: Expect) -> Claim:
    return Claim(doc, phrase, measure, expect)


# --- the runs the documents describe -----------------------------------------------------

# Workshop, episode 1: the head steps back.
ABDICATION = page("abdication")
# Episode 2: compare on; the page fills in side B's policy.
HEADS = page("abdication", compare=("policy", "integrated"))
# Episode 3: integrated; side B's containment 0.8, side A's 0.50; run to week 52, shock.
SHOCK_SETUP = {"overrides": {"containment": 0.5}, "compare": ("containment", 0.8)}
BEFORE_SHOCK = page("integrated", weeks=52, **SHOCK_SETUP)


def shock_in(week: int) -> Run:
    return page(
        "integrated", presses=[press(week, "accountability_shock", size=1.5)], **SHOCK_SETUP
    )


SHOCK = shock_in(52)
SHOCK_WEEKS = range(40, 71)  # "whenever you press between weeks 40 and 70"
# Episode 4: egalitarian; side B's approach (the page picks cycles).
PACE = page("egalitarian", compare=("approach", "cycles"))
QUICK_FIX = page("egalitarian")


def reflection_weeks_from(week: int) -> Run:
    """Reflection week pressed in two consecutive weeks (episode 4, live; exercise 2)."""
    return page(
        "egalitarian",
        presses=[press(week, "start_reflection"), press(week + 1, "start_reflection")],
    )


AWAY_DAYS = reflection_weeks_from(6)  # "Step six times ... Reflection week, Step, ..."
AWAY_DAY_WEEKS = range(2, 14)  # "anywhere between weeks 2 and 13"
# Episode 5: six schools, no group; then joined in week 26; then in a group from week 0.
ALONE = page("no_learning_group")
JOINED = page("no_learning_group", presses=[press(26, "join_learning_group")])
GROUP = page("learning_group")
# Episode 6.
ASERT = page("integrated_cycles")
# More time.
RIVALRY = page("rivalry")
NEW_HEAD = page("new_head")
NEW_HEAD_LIVE = page("abdication", presses=[press(30, "leader_change", policy="integrated")])
HIERARCHY = page("hierarchical")
ADAPTIVE = page("adaptive")

# Exercises.


def contained(containment: float, seed: int | None = None) -> Run:
    """Exercise 1: integrated, the head's containment moved."""
    return page("integrated", overrides={"containment": containment}, seed=seed)


NO_REFLECTION = page("egalitarian_cycles", compare=("reflection_weeks", 0))


def inspected(containment: float, seed: int | None = None) -> Run:
    """Exercise 3: the low-containment inspection, side B's containment typed in."""
    return page("inspection_low_containment", compare=("containment", containment), seed=seed)


INSPECTION = inspected(0.6)
INSPECTION_JOINED = page("inspection_low_containment", presses=[press(60, "join_learning_group")])
GROUP_B = page("no_learning_group", compare=("learning_group", True))


def meeting_every(weeks: int) -> Run:
    """Exercise 4: side B's heads meet every ``weeks`` weeks."""
    return page("learning_group", compare=("meeting_interval", weeks))


def peers(peer_trust: float, **more: Any) -> Run:
    """Exercise 5: rivalry, peer trust at the start moved (and a remedy)."""
    return page("rivalry", overrides={"peer_trust_mean": peer_trust, **more})


def climb_start(r: Runs, run: Run, level: float = 0.2, window: int = 8) -> int:
    """The week from which the six schools' mean index, over ``window`` weeks, stays above ``level``."""
    mean = np.mean([r.series(run, "distribution_index", 0, k) for k in r.schools(run)], axis=0)
    smooth = np.convolve(mean, np.ones(window) / window, mode="valid")  # weeks window-1 …
    below = np.flatnonzero(smooth <= level)
    return int(below[-1] + window) if below.size else window - 1


def back_above(r: Runs, run: Run, level: float, side: int, after: int, weeks: int = 8) -> int:
    """The first week after ``after`` from which the index stays above ``level`` for ``weeks``."""
    index = r.series(run, "distribution_index", side)
    for week in range(after, len(index) - weeks):
        if (index[week : week + weeks] > level).all():
            return week
    return -1


def first_rise(r: Runs, run: Run, school: int, after: int) -> int:
    """The first week after ``after`` in which the school's head's containment grows."""
    containment = r.series(run, "containment", 0, school)
    return next(
        t for t in range(after + 1, len(containment)) if containment[t] > containment[t - 1]
    )


def misses_by_anxiety(r: Runs, run: Run, since: int) -> bool:
    """The most anxious head (mean since ``since``) misses most meetings, the calmest fewest."""
    schools = sorted(
        r.schools(run), key=lambda k: r.mean(run, "leader_anxiety", slice(since, None), 0, k)
    )
    missed = [len(r.meetings(run, k)[1]) for k in schools]
    return missed[-1] == max(missed) and missed[0] == min(missed)


def collisions_per_act(r: Runs, run: Run) -> float:
    """Collisions per leadership act over the run (the CSV's columns)."""
    return float(r.series(run, "collisions").sum() / r.series(run, "acts").sum())


def seeds() -> set[int]:
    return {scenario.seed for scenario in SCENARIOS.values()}


def events_of(name: str) -> list[tuple[int, str, dict[str, Any]]]:
    return [(event.step, event.kind, dict(event.args)) for event in SCENARIOS[name].events]


W, E = "workshop", "exercises"
A, B = 0, 1  # the sides of a comparison
AFTER_SHOCK = slice(52, None)

CLAIMS: tuple[Claim, ...] = (
    # --- workshop: before the session --------------------------------------------------
    claim(W, "the seed the dashboard starts with (42)", lambda r: seeds(), Exactly({42})),
    claim(
        W,
        "(here: reverted to hierarchy in week 17)",
        lambda r: int(r.side(ABDICATION).model.summary()["time_to_reversion"].iloc[0]),
        Exactly(17),
    ),
    claim(
        W,
        "*Week 160 (extended past 156)*), up to 520 weeks",
        lambda r: (week_text(160, 156), MAX_HORIZON),
        Exactly("week 160 (extended past 156)"),
        Exactly(520),
    ),
    claim(
        W,
        "At the default 4 weeks per second, three years (156 weeks) take 40 seconds; at 8 about 20",
        lambda r: (r.session(ABDICATION).speed, 156 / r.session(ABDICATION).speed, 156 / 8),
        Exactly(4.0),
        near("40", 1),
        near("20", 1),
    ),
    claim(W, "(about three seconds at 8 weeks per second)", lambda r: 26 / 8, near("3", 0.5)),
    claim(
        W,
        "<kbd>Weeks per second</kbd> goes from 0.5 to 20",
        lambda r: (MIN_SPEED, MAX_SPEED),
        Exactly(0.5),
        Exactly(20.0),
    ),
    claim(W, "(42 for every shipped scenario)", lambda r: seeds(), Exactly({42})),
    # --- opening -----------------------------------------------------------------------
    claim(
        W,
        "a head and sixty staff in six departments",
        lambda r: (
            r.side(ABDICATION).model.engine.n_staff,
            len(set(r.side(ABDICATION).model.engine.department)),
        ),
        Exactly(60),
        Exactly(6),
    ),
    claim(
        W,
        "Nothing in the model says 'revert at week 17'",
        lambda r: r.reversion(ABDICATION),
        Exactly(17),
    ),
    # --- episode 1: the head steps back --------------------------------------------------
    claim(
        W,
        "hands eight in ten leadership opportunities",
        lambda r: POLICIES["delegating"]["final_target"],
        Exactly(0.8),
    ),
    claim(
        W,
        "Weeks 1–4: triangles appear all over the organisation view, and the verdict turns green, *leadership distributed, holding so far*.",
        lambda r: (
            r.verdict(page("abdication", weeks=1)),
            r.verdict(page("abdication", weeks=4)),
            r.peak(ABDICATION, "acts", weeks=slice(1, 5)) / r.start(ABDICATION, "acts"),
        ),
        Exactly("not yet distributed"),
        Exactly("leadership distributed, holding so far"),
        over(1.5),  # staff leading (triangles) in the busiest of weeks 1–4, against week 0
    ),
    claim(
        W,
        "The distribution index (thick blue) jumps to about 0.4",
        lambda r: r.peak(ABDICATION, "distribution_index", weeks=slice(1, 5)),
        near("0.4"),
    ),
    claim(
        W,
        "climbs from about 0.22 at the start to 0.43 by week 30",
        lambda r: (r.start(ABDICATION, "anxiety"), r.at(ABDICATION, "anxiety", 30)),
        near("0.22"),
        reads("0.43"),
    ),
    claim(
        W,
        "Soon after week 17 the verdict turns red: *reverted to hierarchy in week 17*",
        lambda r: r.verdict(ABDICATION),
        Exactly("reverted to hierarchy in week 17"),
    ),
    claim(
        W,
        "The head's anxiety (orange) climbs to about 0.55",
        lambda r: r.peak(ABDICATION, "leader_anxiety"),
        near("0.55"),
    ),
    claim(
        W,
        "a brown line that starts at 0.10 and sinks to nothing",
        lambda r: (r.start(ABDICATION, "containment"), r.last(ABDICATION, "containment")),
        reads("0.10"),
        under(0.01),
    ),
    claim(
        W,
        "falls back only to about 0.3 and stays there for the rest of the run",
        lambda r: spread(
            [r.mean(ABDICATION, "distribution", slice(w, w + 8)) for w in range(30, 156, 8)]
        ),
        near("0.3"),
    ),
    claim(
        W,
        "but the distribution index sinks to about 0.05",
        lambda r: r.near_end(ABDICATION),
        near("0.05", 0.03),
    ),
    claim(
        W,
        "The head still offers a third of the work",
        lambda r: r.near_end(ABDICATION, "distribution"),
        near("0.33"),
    ),
    claim(
        W,
        "falls from 0.57 to 0.31 by week 26 and to 0.04 by the end",
        lambda r: (
            r.start(ABDICATION, "trust"),
            r.at(ABDICATION, "trust", 26),
            r.last(ABDICATION, "trust"),
        ),
        reads("0.57"),
        reads("0.31"),
        reads("0.04"),
    ),
    claim(
        W,
        "the *now* shape has shrunk on Context (trust) and Change (distribution)",
        lambda r: tuple(
            r.radar(ABDICATION, axis, "now") < r.radar(ABDICATION, axis, "start") - 0.1
            for axis in ("context", "change")
        ),
        YES,
        YES,
    ),
    # --- episode 2: same staff, a different head -----------------------------------------
    claim(
        W,
        "side B's policy with *integrated*",
        lambda r: default_plan(Setup.of(SCENARIOS["abdication"])),
        Exactly(ComparePlan("policy", "integrated")),
    ),
    claim(
        W,
        "*A: Head's policy = delegating* and *B: Head's policy = integrated*",
        lambda r: side_labels(HEADS),
        Exactly("*A: Head's policy = delegating* and *B: Head's policy = integrated*"),
    ),
    claim(
        W,
        "opens a little less (seven in ten)",
        lambda r: POLICIES["integrated"]["final_target"],
        Exactly(0.7),
    ),
    claim(
        W,
        "much more containment (0.6 instead of 0.1)",
        lambda r: (setting(HEADS, "containment", B), setting(HEADS, "containment", A)),
        Exactly(0.6),
        Exactly(0.1),
    ),
    claim(
        W,
        "Side A reverts in week 17 as before (its caption turns *reverted to hierarchy in week 17*)",
        lambda r: (r.reversion(HEADS, A), r.verdict(HEADS, A)),
        Exactly(17),
        Exactly("reverted to hierarchy in week 17"),
    ),
    claim(
        W,
        "Side B stays *leadership distributed, holding so far* to week 156",
        lambda r: (r.verdict(HEADS, B), r.session(HEADS).week),
        Exactly("leadership distributed, holding so far"),
        Exactly(156),
    ),
    claim(
        W,
        "with the index between about 0.4 and 0.6 all along",
        lambda r: spread(r.series(HEADS, "distribution_index", B)[1:]),
        between(0.4, 0.6, 0.05),
    ),
    claim(
        W,
        "B's staff anxiety peaks near 0.33 (A's near 0.44)",
        lambda r: (r.peak(HEADS, "anxiety", B), r.peak(HEADS, "anxiety", A)),
        near("0.33"),
        near("0.44"),
    ),
    claim(
        W,
        "trust in B's head ends near 0.5 (A's near 0.04)",
        lambda r: (r.last(HEADS, "trust", B), r.last(HEADS, "trust", A)),
        near("0.5"),
        near("0.04"),
    ),
    claim(
        W,
        "Culture (authority) grows from 0.54 to about 0.76",
        lambda r: (r.radar(HEADS, "culture", "start", B), r.radar(HEADS, "culture", "now", B)),
        reads("0.54"),
        near("0.76"),
    ),
    claim(
        W,
        "B's orange line peaks near 0.67 around week 21, A's near 0.55",
        lambda r: (
            r.peak(HEADS, "leader_anxiety", B),
            r.peak_week(HEADS, "leader_anxiety", B),
            r.peak(HEADS, "leader_anxiety", A),
        ),
        near("0.67"),
        near("21", 2),
        near("0.55"),
    ),
    # --- episode 3: an inspection arrives ------------------------------------------------
    claim(
        W,
        "*A: Head's containment = 0.5* and *B: Head's containment = 0.8*",
        lambda r: side_labels(SHOCK),
        Exactly("*A: Head's containment = 0.5* and *B: Head's containment = 0.8*"),
    ),
    claim(
        W,
        "Both sides distribute and hold; the run stops on week 52",
        lambda r: (
            r.holds(BEFORE_SHOCK, A),
            r.holds(BEFORE_SHOCK, B),
            r.session(BEFORE_SHOCK).week,
        ),
        YES,
        YES,
        Exactly(52),
    ),
    claim(
        W,
        "jumps to more than seven times its usual level",
        lambda r: r.peak(SHOCK, "pressure") / r.at(SHOCK, "pressure", 51),
        Accept(7, 8),
    ),
    claim(
        W,
        "A dashed line labelled *shock 1.5*",
        lambda r: r.side(SHOCK).model.events(),
        Exactly([(52, 0, "shock 1.5")]),
    ),
    claim(
        W,
        "Pressure (grey) jumps from 0.2 to about 1.5 on both sides",
        lambda r: (
            r.at(SHOCK, "pressure", 51),
            r.peak(SHOCK, "pressure", A),
            r.peak(SHOCK, "pressure", B),
        ),
        reads("0.2"),
        near("1.5"),
        near("1.5"),
    ),
    claim(
        W,
        "still near 0.6 ten weeks later, and down to about 0.25 only after six months",
        lambda r: (r.at(SHOCK, "pressure", 52 + 10), r.at(SHOCK, "pressure", 52 + 26)),
        near("0.6"),
        near("0.25"),
    ),
    claim(
        W,
        "(A's to about 0.9, B's to the top of the scale)",
        lambda r: (
            r.peak(SHOCK, "leader_anxiety", A, weeks=AFTER_SHOCK),
            r.peak(SHOCK, "leader_anxiety", B, weeks=AFTER_SHOCK),
        ),
        near("0.9"),
        over(0.99),
    ),
    claim(
        W,
        "reverts about ten weeks after the shock (week 62 if you pressed in week 52)",
        lambda r: r.reversion(SHOCK, A),
        Exactly(62),
    ),
    claim(W, "and stays near 0.2 to the end", lambda r: r.near_end(SHOCK, side=A), near("0.2")),
    claim(
        W,
        "slipped only from 0.5 to about 0.44 before the shock, slides to about 0.1 by the end",
        lambda r: (
            r.start(SHOCK, "containment", A),
            r.at(SHOCK, "containment", 51, A),
            r.last(SHOCK, "containment", A),
        ),
        reads("0.5"),
        near("0.44"),
        near("0.1"),
    ),
    claim(W, "Trust in A's head ends near 0.17", lambda r: r.last(SHOCK, "trust", A), near("0.17")),
    claim(
        W,
        "dips to about 0.2 and is back above 0.5 by week 80, ending near 0.6",
        lambda r: (
            r.low(SHOCK, "distribution_index", B, weeks=AFTER_SHOCK),
            back_above(r, SHOCK, 0.5, B, after=52),
            r.near_end(SHOCK, side=B),
        ),
        near("0.2"),
        Accept(53, 80),
        near("0.6"),
    ),
    claim(
        W,
        "B's containment is only worn from 0.80 to about 0.72",
        lambda r: (r.start(SHOCK, "containment", B), r.last(SHOCK, "containment", B)),
        reads("0.80"),
        near("0.72"),
    ),
    claim(
        W,
        "whenever you press between weeks 40 and 70: side A reverts 7 to 12 weeks later and side B recovers",
        lambda r: (
            spread([r.reversion(shock_in(w), A) - w for w in SHOCK_WEEKS]),
            all(r.holds(shock_in(w), B) for w in SHOCK_WEEKS),
            min(r.near_end(shock_in(w), side=B) for w in SHOCK_WEEKS),
        ),
        Exactly((7, 12)),
        YES,
        over(0.5),
    ),
    # --- episode 4: a quick fix or cycles ------------------------------------------------
    claim(
        W,
        "side B's approach becomes *cycles*",
        lambda r: next(v for v in choices("approach") if v != setting(PACE, "approach")),
        Exactly("cycles"),
    ),
    claim(
        W,
        "*A: Change approach = quick fix* and *B: Change approach = cycles*",
        lambda r: side_labels(PACE),
        Exactly("*A: Change approach = quick fix* and *B: Change approach = cycles*"),
    ),
    claim(
        W,
        "share nine in ten leadership opportunities",
        lambda r: POLICIES["egalitarian"]["final_target"],
        Exactly(0.9),
    ),
    claim(
        W,
        "twelve-week cycles of planning, action, reflection and replanning: two reflection weeks close each cycle",
        lambda r: (setting(PACE, "cycle_length", B), setting(PACE, "reflection_weeks", B)),
        Exactly(12),
        Exactly(2),
    ),
    claim(
        W,
        "Side A jumps to an index near 0.6 in the first weeks, then reverts in week 24; its staff anxiety climbs to about 0.5",
        lambda r: (
            r.peak(PACE, "distribution_index", A, weeks=slice(1, 9)),
            r.reversion(PACE, A),
            r.peak(PACE, "anxiety", A),
        ),
        near("0.6"),
        Exactly(24),
        near("0.5"),
    ),
    claim(
        W,
        "Side B climbs in steps (about 0.15 by week 20, 0.3 by week 50, 0.5 by week 130)",
        lambda r: tuple(
            r.mean(PACE, "distribution_index", slice(w - 4, w + 5), B) for w in (20, 50, 130)
        ),
        near("0.15"),
        near("0.3"),
        near("0.5"),
    ),
    claim(
        W,
        "never reverts, and its staff anxiety stays at or below where it started (about 0.2)",
        lambda r: (
            r.holds(PACE, B),
            r.peak(PACE, "anxiety", B) - r.start(PACE, "anxiety", B),
            r.start(PACE, "anxiety", B),
        ),
        YES,
        under(0.0),
        near("0.2"),
    ),
    claim(
        W,
        "On B's radar Culture (authority) and Relationships (peer trust) grow",
        lambda r: tuple(
            r.radar(PACE, axis, "now", B) - r.radar(PACE, axis, "start", B)
            for axis in ("culture", "relationships")
        ),
        over(0.1),
        over(0.1),
    ),
    claim(
        W,
        "(from 0.58 to about 0.1): B's head has little containment (0.3, worn to under 0.1)",
        lambda r: (
            r.start(PACE, "trust", B),
            r.last(PACE, "trust", B),
            r.start(PACE, "containment", B),
            r.last(PACE, "containment", B),
        ),
        reads("0.58"),
        near("0.1"),
        reads("0.3"),
        under(0.1),
    ),
    claim(
        W,
        "the counter reads *Week 6 of 156*",
        lambda r: week_text(r.session(page("egalitarian", weeks=6)).week, 156),
        Exactly("week 6 of 156"),
    ),
    claim(
        W,
        "The school reverts in week 78 instead of week 24",
        lambda r: (r.reversion(AWAY_DAYS), r.reversion(QUICK_FIX)),
        Exactly(78),
        Exactly(24),
    ),
    claim(
        W,
        "hovers near 0.2 for most of a year, and ends near 0.15",
        lambda r: (r.mean(AWAY_DAYS, "distribution_index", slice(30, 78)), r.near_end(AWAY_DAYS)),
        near("0.2"),
        near("0.15"),
    ),
    claim(
        W,
        "(Pressing the two weeks anywhere between weeks 2 and 13 gives a reversion between weeks 78 and 89.)",
        lambda r: spread([r.reversion(reflection_weeks_from(w)) for w in AWAY_DAY_WEEKS]),
        Exactly((78, 89)),
    ),
    # --- episode 5: who holds the holders? -----------------------------------------------
    claim(
        W,
        "six egalitarian schools, each attempting shared leadership as a quick fix",
        lambda r: (
            r.side(ALONE).organisations,
            setting(ALONE, "policy"),
            setting(ALONE, "approach"),
        ),
        Exactly(6),
        Exactly("egalitarian"),
        Exactly("quick_fix"),
    ),
    claim(
        W,
        "All six revert, between weeks 19 and 24 (School 4 first, in week 19), and every head's containment wears away",
        lambda r: (
            spread([r.reversion(ALONE, A, k) for k in r.schools(ALONE)]),
            min((r.reversion(ALONE, A, k), k + 1) for k in r.schools(ALONE)),
            max(r.last(ALONE, "containment", A, k) for k in r.schools(ALONE)),
        ),
        Exactly((19, 24)),
        Exactly((19, 4)),
        under(0.02),
    ),
    claim(
        W,
        "stops on week 26. By then all six have reverted",
        lambda r: (
            r.session(page("no_learning_group", weeks=26)).week,
            max(r.reversion(ALONE, A, k) for k in r.schools(ALONE)),
        ),
        Exactly(26),
        under(26),
    ),
    claim(
        W,
        "From week 28, every fourth week shows a green dot",
        lambda r: {
            tuple(sorted(itertools.chain(*r.meetings(JOINED, k))))[:3] for k in r.schools(JOINED)
        },
        Exactly({(28, 32, 36)}),
    ),
    claim(
        W,
        "the most anxious heads miss most",
        lambda r: misses_by_anxiety(r, JOINED, since=27),
        Exactly(True),
    ),
    claim(
        W,
        "containment climbs (from about 0.25 to about 0.45 by week 52 and about 0.9 by the end)",
        lambda r: (
            r.at(JOINED, "containment", 26),
            r.at(JOINED, "containment", 52),
            r.last(JOINED, "containment"),
        ),
        near("0.25"),
        near("0.45"),
        near("0.9"),
    ),
    claim(
        W,
        "the six indexes stay near 0.1–0.25 for more than a year, and climb only from about week 100, ending between 0.5 and 0.6",
        lambda r: (
            spread(
                [
                    r.mean(JOINED, "distribution_index", slice(27, 100), A, k)
                    for k in r.schools(JOINED)
                ]
            ),
            climb_start(r, JOINED),
            spread([r.near_end(JOINED, school=k) for k in r.schools(JOINED)]),
        ),
        between(0.1, 0.25, 0.03),
        near("100", 10),
        between(0.5, 0.6, 0.0),
    ),
    claim(
        W,
        "None reverts; the schools wobble in the first year (after peaks of 0.6 to 0.7 in the first weeks, each index falls back to between about 0.3 and 0.5, single weeks lower) and end between 0.73 and 0.78",
        lambda r: (
            all(r.holds(GROUP, A, k) for k in r.schools(GROUP)),
            spread(
                [
                    r.peak(GROUP, "distribution_index", A, k, weeks=slice(1, 11))
                    for k in r.schools(GROUP)
                ]
            ),
            spread(
                [r.mean(GROUP, "distribution_index", slice(20, 52), A, k) for k in r.schools(GROUP)]
            ),
            spread([r.near_end(GROUP, school=k) for k in r.schools(GROUP)]),
        ),
        YES,
        between(0.6, 0.7),
        between(0.3, 0.5, 0.05),
        between(0.73, 0.78, 0.0),
    ),
    # --- episode 6: your own organisation ------------------------------------------------
    claim(
        W,
        "by week 156 all four dimensions have grown together: Context (trust in the head) from 0.59 to about 0.68, Culture (personal authority) from 0.54 to about 0.86, Change (distribution) from under 0.1 to about 0.6, Relationships (peer trust) from 0.49 to about 0.88",
        lambda r: tuple(
            r.radar(ASERT, axis, when)
            for axis in ("context", "culture", "change", "relationships")
            for when in ("start", "now")
        ),
        reads("0.59"),
        near("0.68"),
        reads("0.54"),
        near("0.86"),
        under(0.1),
        near("0.6"),
        reads("0.49"),
        near("0.88"),
    ),
    claim(
        W,
        "Staff anxiety (red) never rises above its start. Nothing reverts.",
        lambda r: (r.peak(ASERT, "anxiety") - r.start(ASERT, "anxiety"), r.holds(ASERT)),
        under(0.0),
        YES,
    ),
    # --- if you have more time -----------------------------------------------------------
    claim(
        W,
        "(<kbd>Peer trust at the start</kbd> 0.20). It reverts in week 78; the head's containment erodes from 0.6 to under 0.1, and staff authority does not grow",
        lambda r: (
            setting(RIVALRY, "peer_trust_mean"),
            r.reversion(RIVALRY),
            r.start(RIVALRY, "containment"),
            r.last(RIVALRY, "containment"),
            r.last(RIVALRY, "authority") - r.start(RIVALRY, "authority"),
        ),
        Exactly(0.2),
        Exactly(78),
        reads("0.6"),
        under(0.1),
        under(0.02),
    ),
    claim(
        W,
        "a year of abdication (reverted in week 17), then in week 52 an integrated head working in cycles arrives",
        lambda r: (r.reversion(NEW_HEAD), events_of("new_head")),
        Exactly(17),
        Exactly([(52, "leader_change", {"policy": "integrated", "approach": "cycles"})]),
    ),
    claim(
        W,
        "The index is rebuilt one cycle at a time to about 0.6 by week 130, and trust, 0.21 when the new head arrives, climbs to 0.66",
        lambda r: (
            r.mean(NEW_HEAD, "distribution_index", slice(126, 135)),
            r.at(NEW_HEAD, "trust", 52),
            r.last(NEW_HEAD, "trust"),
        ),
        near("0.6"),
        reads("0.21"),
        reads("0.66"),
    ),
    claim(
        W,
        "That new head keeps the quick fix, and the index only recovers to about 0.3, with trust stuck near 0.3",
        lambda r: (
            setting(NEW_HEAD_LIVE, "approach"),
            r.near_end(NEW_HEAD_LIVE),
            spread(r.series(NEW_HEAD_LIVE, "trust")[30:]),
        ),
        Exactly("quick_fix"),
        near("0.3"),
        near("0.3"),
    ),
    claim(
        W,
        "Staff anxiety falls to 0.06 and trust rises to 0.88, but mean authority does not move",
        lambda r: (
            r.last(HIERARCHY, "anxiety"),
            r.last(HIERARCHY, "trust"),
            abs(r.last(HIERARCHY, "authority") - r.start(HIERARCHY, "authority")),
        ),
        reads("0.06"),
        reads("0.88"),
        under(0.02),
    ),
    claim(
        W,
        "It holds (final index about 0.46), but staff anxiety creeps up to about 0.39 by the end and role clarity never grows",
        lambda r: (
            r.holds(ADAPTIVE),
            r.near_end(ADAPTIVE),
            r.last(ADAPTIVE, "anxiety"),
            r.peak(ADAPTIVE, "role_clarity") - r.start(ADAPTIVE, "role_clarity"),
        ),
        YES,
        near("0.46"),
        near("0.39"),
        under(0.0),
    ),
    # --- how the model's mechanisms connect to the source texts --------------------------
    claim(
        W,
        "staff lead (a final target of 0.7) with a head who keeps a distinct role (containment 0.6,",
        lambda r: (POLICIES["integrated"]["final_target"], POLICIES["integrated"]["containment"]),
        Exactly(0.7),
        Exactly(0.6),
    ),
    # --- exercises: getting started, and the exercises themselves ------------------------
    claim(
        E, "Every shipped scenario starts with <kbd>Seed</kbd> 42", lambda r: seeds(), Exactly({42})
    ),
    claim(E, "three years (156 weeks) then take 16 seconds or less", lambda r: 156 / 10, under(16)),
    claim(
        E,
        "its head starts with containment 0.60",
        lambda r: Setup.of(SCENARIOS["integrated"]).value("containment"),
        Exactly(0.6),
    ),
    claim(
        E,
        "from 0.60 down to 0.30 in steps of 0.05",
        lambda r: control("containment").step,
        Exactly(0.05),
    ),
    claim(
        E,
        "an integrated head with containment 0.5 meets a shock of size 1.5 in week 52",
        lambda r: (
            setting(INSPECTION, "policy"),
            setting(INSPECTION, "containment"),
            events_of("inspection_low_containment"),
        ),
        Exactly("integrated"),
        Exactly(0.5),
        Exactly([(52, "accountability_shock", {"size": 1.5})]),
    ),
    claim(
        E,
        "back near its baseline (0.2)",
        lambda r: setting(INSPECTION, "pressure_baseline"),
        Exactly(0.2),
    ),
    claim(
        E,
        "if their heads met every four weeks",
        lambda r: setting(GROUP, "meeting_interval"),
        Exactly(4),
    ),
    claim(
        E,
        "<kbd>Peer trust at the start</kbd> is 0.20 instead of 0.50",
        lambda r: (
            setting(RIVALRY, "peer_trust_mean"),
            Setup.of(SCENARIOS["integrated"]).value("peer_trust_mean"),
        ),
        Exactly(0.2),
        Exactly(0.5),
    ),
    # --- exercise 1, teachers' notes -----------------------------------------------------
    claim(
        E,
        "Containment 0.60: holds, index near 0.56 at the end, trust near 0.50.",
        lambda r: (
            r.holds(contained(0.6)),
            r.near_end(contained(0.6)),
            r.last(contained(0.6), "trust"),
        ),
        YES,
        near("0.56"),
        near("0.50"),
    ),
    claim(
        E,
        "0.55: holds, near 0.51.",
        lambda r: (r.holds(contained(0.55)), r.near_end(contained(0.55))),
        YES,
        near("0.51"),
    ),
    claim(
        E,
        "0.50: holds, near 0.46, trust near 0.29.",
        lambda r: (
            r.holds(contained(0.5)),
            r.near_end(contained(0.5)),
            r.last(contained(0.5), "trust"),
        ),
        YES,
        near("0.46"),
        near("0.29"),
    ),
    claim(
        E,
        "0.45: no formal reversion, but the index ends near 0.24; 0.40: likewise, near 0.18.",
        lambda r: (
            r.reversion(contained(0.45)),
            r.near_end(contained(0.45)),
            r.reversion(contained(0.4)),
            r.near_end(contained(0.4)),
        ),
        Exactly(None),
        near("0.24"),
        Exactly(None),
        near("0.18"),
    ),
    claim(
        E,
        "0.35: reverts in week 134. 0.30: reverts in week 86.",
        lambda r: (r.reversion(contained(0.35)), r.reversion(contained(0.3))),
        Exactly(134),
        Exactly(86),
    ),
    claim(
        E,
        "So the decline is gradual down to 0.50, steep between 0.50 and 0.45, and the formal verdict turns red only from 0.35.",
        lambda r: (
            max(r.near_end(contained(c)) - r.near_end(contained(c - 0.05)) for c in (0.6, 0.55)),
            r.near_end(contained(0.5)) - r.near_end(contained(0.45)),
            [r.reversion(contained(c)) is not None for c in (0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3)],
        ),
        under(0.06),
        over(0.15),
        Exactly([False, False, False, False, False, True, True]),
    ),
    claim(
        E,
        "Seeds 1–3 agree at 0.45 (no reversion, index 0.22–0.28) and at 0.35 (reversions in weeks 102–118); at 0.40 two of them revert late (weeks 134 and 151).",
        lambda r: (
            [r.reversion(contained(0.45, s)) for s in (1, 2, 3)],
            spread([r.near_end(contained(0.45, s)) for s in (1, 2, 3)]),
            spread([r.reversion(contained(0.35, s)) for s in (1, 2, 3)]),
            sorted(reverted([r.reversion(contained(0.4, s)) for s in (1, 2, 3)])),
        ),
        Exactly([None, None, None]),
        between(0.22, 0.28),
        Exactly((102, 118)),
        Exactly([134, 151]),
    ),
    claim(
        E,
        "The integrated head's anxiety peaks near 0.67, higher than the abdicating head's 0.55.",
        lambda r: (r.peak(contained(0.6), "leader_anxiety"), r.peak(ABDICATION, "leader_anxiety")),
        near("0.67"),
        reads("0.55"),
    ),
    # --- exercise 2 --------------------------------------------------------------------
    claim(
        E,
        "Quick fix (`egalitarian`): reverts in week 24, staff anxiety up to about 0.51, trust 0.04 at the end.",
        lambda r: (
            r.reversion(QUICK_FIX),
            r.peak(QUICK_FIX, "anxiety"),
            r.last(QUICK_FIX, "trust"),
        ),
        Exactly(24),
        near("0.51"),
        reads("0.04"),
    ),
    claim(
        E,
        "Cycles: no reversion, staff anxiety never above its start (about 0.20), index near 0.5 at the end, role clarity from 0.2 to 1.0, but trust falls to about 0.1.",
        lambda r: (
            r.holds(PACE, B),
            r.peak(PACE, "anxiety", B) - r.start(PACE, "anxiety", B),
            r.start(PACE, "anxiety", B),
            r.near_end(PACE, side=B),
            r.start(PACE, "role_clarity", B),
            r.last(PACE, "role_clarity", B),
            r.last(PACE, "trust", B),
        ),
        YES,
        under(0.0),
        near("0.20"),
        near("0.5"),
        reads("0.2"),
        reads("1.0"),
        near("0.1"),
    ),
    claim(
        E,
        "Cycles without reflection weeks: the verdict stays *not yet distributed* all run, the index ends near 0.06 and staff anxiety reaches about 0.41",
        lambda r: (
            r.verdict(NO_REFLECTION, B),
            r.near_end(NO_REFLECTION, side=B),
            r.peak(NO_REFLECTION, "anxiety", B),
        ),
        Exactly("not yet distributed"),
        near("0.06"),
        near("0.41"),
    ),
    claim(
        E,
        "Two reflection weeks pressed early (any pair between weeks 2 and 13): reversion moves from week 24 to week 78–89, and the index ends near 0.13–0.17.",
        lambda r: (
            r.reversion(QUICK_FIX),
            spread([r.reversion(reflection_weeks_from(w)) for w in AWAY_DAY_WEEKS]),
            spread([r.near_end(reflection_weeks_from(w)) for w in AWAY_DAY_WEEKS]),
        ),
        Exactly(24),
        Exactly((78, 89)),
        between(0.13, 0.17),
    ),
    claim(
        E,
        "On the radar, the cycles school grows on Culture (authority, to about 0.74) and Relationships (peer trust, to about 0.80) while Context (trust) shrinks.",
        lambda r: (
            r.radar(PACE, "culture", "now", B),
            r.radar(PACE, "relationships", "now", B),
            r.radar(PACE, "context", "now", B) - r.radar(PACE, "context", "start", B),
        ),
        near("0.74"),
        near("0.80"),
        under(-0.1),
    ),
    # --- exercise 3 --------------------------------------------------------------------
    claim(
        E,
        "Side A (containment 0.5) reverts in week 62 and ends near 0.2, its containment worn from 0.5 to 0.1.",
        lambda r: (
            r.reversion(INSPECTION, A),
            r.near_end(INSPECTION, side=A),
            r.start(INSPECTION, "containment", A),
            r.last(INSPECTION, "containment", A),
        ),
        Exactly(62),
        near("0.2"),
        reads("0.5"),
        reads("0.1"),
    ),
    claim(
        E,
        "0.6 reverts in week 63 and ends near 0.28; 0.65 holds and ends near 0.48; 0.7 near 0.55; 0.8 near 0.60",
        lambda r: (
            r.reversion(inspected(0.6), B),
            r.near_end(inspected(0.6), side=B),
            r.holds(inspected(0.65), B),
            r.near_end(inspected(0.65), side=B),
            r.holds(inspected(0.7), B),
            r.near_end(inspected(0.7), side=B),
            r.holds(inspected(0.8), B),
            r.near_end(inspected(0.8), side=B),
        ),
        Exactly(63),
        near("0.28"),
        YES,
        near("0.48"),
        YES,
        near("0.55"),
        YES,
        near("0.60"),
    ),
    claim(
        E,
        "its index dipping to about 0.2 and back above 0.5 by week 80, containment only worn to about 0.72",
        lambda r: (
            r.low(inspected(0.8), "distribution_index", B, weeks=AFTER_SHOCK),
            back_above(r, inspected(0.8), 0.5, B, after=52),
            r.last(inspected(0.8), "containment", B),
        ),
        near("0.2"),
        Accept(53, 80),
        near("0.72"),
    ),
    claim(
        E,
        "With seeds 1, 2 and 3, containment 0.6 holds (ending 0.45–0.49)",
        lambda r: (
            [r.holds(inspected(0.6, s), B) for s in (1, 2, 3)],
            spread([r.near_end(inspected(0.6, s), side=B) for s in (1, 2, 3)]),
        ),
        Exactly([True, True, True]),
        between(0.45, 0.49),
    ),
    claim(
        E,
        "the threshold lies near 0.6, and chance decides on which side a school near it falls",
        lambda r: (
            r.holds(inspected(0.6), B),
            [r.holds(inspected(0.6, s), B) for s in (1, 2, 3)],
            r.holds(inspected(0.65), B),
        ),
        Exactly(False),
        Exactly([True, True, True]),
        YES,
    ),
    claim(
        E,
        "still near 0.6 ten weeks after the shock, about 0.25 six months after it, and back near 0.2 only after about eight months",
        lambda r: (
            r.at(INSPECTION, "pressure", 52 + 10),
            r.at(INSPECTION, "pressure", 52 + 26),
            r.at(INSPECTION, "pressure", 52 + 35),
            r.at(INSPECTION, "pressure", 52 + 26) - r.at(INSPECTION, "pressure", 51),
        ),
        near("0.6"),
        near("0.25"),
        near("0.2", 0.02),
        over(0.04),  # "only": six months after, it is not yet back
    ),
    claim(
        E,
        "does not erase the reversion in week 62 from the verdict, but containment climbs back to about 0.89 and the index to about 0.58 by the end, with trust near 0.67",
        lambda r: (
            r.verdict(INSPECTION_JOINED),
            r.last(INSPECTION_JOINED, "containment"),
            r.near_end(INSPECTION_JOINED),
            r.last(INSPECTION_JOINED, "trust"),
        ),
        Exactly("reverted to hierarchy in week 62"),
        near("0.89"),
        near("0.58"),
        near("0.67"),
    ),
    # --- exercise 4 --------------------------------------------------------------------
    claim(
        E,
        "No group: all six revert, weeks 19–24, final indexes 0.03–0.06.",
        lambda r: (
            spread([r.reversion(GROUP_B, A, k) for k in r.schools(GROUP_B)]),
            spread([r.near_end(GROUP_B, side=A, school=k) for k in r.schools(GROUP_B)]),
        ),
        Exactly((19, 24)),
        between(0.03, 0.06),
    ),
    claim(
        E,
        "Group every 4 weeks: none reverts, final indexes 0.73–0.78, heads' containment from about 0.3 to about 0.97; each head misses 3 to 8 of the 39 meetings.",
        lambda r: (
            all(r.holds(GROUP_B, B, k) for k in r.schools(GROUP_B, B)),
            spread([r.near_end(GROUP_B, side=B, school=k) for k in r.schools(GROUP_B, B)]),
            setting(GROUP_B, "containment"),
            spread([r.last(GROUP_B, "containment", B, k) for k in r.schools(GROUP_B, B)]),
            spread([len(r.meetings(GROUP_B, k, B)[1]) for k in r.schools(GROUP_B, B)]),
            {sum(map(len, r.meetings(GROUP_B, k, B))) for k in r.schools(GROUP_B, B)},
        ),
        YES,
        between(0.73, 0.78),
        near("0.3"),
        near("0.97"),
        Exactly((3, 8)),
        Exactly({39}),
    ),
    claim(
        E,
        "Every 8 weeks: four of six revert (weeks 32–54).",
        lambda r: (
            sum(r.reversion(meeting_every(8), B, k) is not None for k in range(6)),
            spread(reverted([r.reversion(meeting_every(8), B, k) for k in range(6)])),
        ),
        Exactly(4),
        Exactly((32, 54)),
    ),
    claim(
        E,
        "Every 12 weeks: all six revert (weeks 29–55), later than with no group.",
        lambda r: (
            sum(r.reversion(meeting_every(12), B, k) is not None for k in range(6)),
            spread([r.reversion(meeting_every(12), B, k) for k in range(6)]),
            all(
                (r.reversion(meeting_every(12), B, k) or 0) > (r.reversion(ALONE, A, k) or 0)
                for k in range(6)
            ),
        ),
        Exactly(6),
        Exactly((29, 55)),
        YES,
    ),
    claim(
        E,
        "Joined in week 26: containment rises from the first meeting each head attends (week 28 or 32), but the indexes stay near 0.1–0.25 for more than a year, climb from about week 100, and end between 0.50 and 0.60.",
        lambda r: (
            [first_rise(r, JOINED, k, after=26) for k in r.schools(JOINED)]
            == [r.meetings(JOINED, k)[0][0] for k in r.schools(JOINED)],
            {first_rise(r, JOINED, k, after=26) for k in r.schools(JOINED)},
            spread(
                [
                    r.mean(JOINED, "distribution_index", slice(27, 100), A, k)
                    for k in r.schools(JOINED)
                ]
            ),
            climb_start(r, JOINED),
            spread([r.near_end(JOINED, school=k) for k in r.schools(JOINED)]),
        ),
        YES,
        Exactly({28, 32}),
        between(0.1, 0.25, 0.03),
        near("100", 10),
        between(0.50, 0.60, 0.0),
    ),
    # --- exercise 5 --------------------------------------------------------------------
    claim(
        E,
        "Peer trust 0.20: reverts in week 78, index near 0.1, peer trust stays near 0.2, dependency near 0.32, the head's containment worn from 0.6 to about 0.08.",
        lambda r: (
            r.reversion(peers(0.2)),
            r.near_end(peers(0.2)),
            r.last(peers(0.2), "peer_trust"),
            r.last(peers(0.2), "dependency"),
            r.start(peers(0.2), "containment"),
            r.last(peers(0.2), "containment"),
        ),
        Exactly(78),
        near("0.1"),
        near("0.2"),
        near("0.32"),
        reads("0.6"),
        near("0.08"),
    ),
    claim(
        E,
        "0.30: no formal reversion, index near 0.17, peer trust rises only to about 0.42.",
        lambda r: (r.holds(peers(0.3)), r.near_end(peers(0.3)), r.last(peers(0.3), "peer_trust")),
        YES,
        near("0.17"),
        near("0.42"),
    ),
    claim(
        E,
        "0.40: near 0.37 (peer trust to 0.66). 0.45: near 0.52 (0.76).",
        lambda r: (
            r.near_end(peers(0.4)),
            r.last(peers(0.4), "peer_trust"),
            r.near_end(peers(0.45)),
            r.last(peers(0.45), "peer_trust"),
        ),
        near("0.37"),
        reads("0.66"),
        near("0.52"),
        reads("0.76"),
    ),
    claim(
        E,
        "0.50: near 0.56 (0.84), dependency near 0.21, containment near 0.58.",
        lambda r: (
            r.near_end(peers(0.5)),
            r.last(peers(0.5), "peer_trust"),
            r.last(peers(0.5), "dependency"),
            r.last(peers(0.5), "containment"),
        ),
        near("0.56"),
        reads("0.84"),
        near("0.21"),
        near("0.58"),
    ),
    claim(
        E,
        "Remedies at 0.20: containment 0.8 still reverts, late (week 152), with more collisions per act",
        lambda r: (
            r.reversion(peers(0.2, containment=0.8)),
            collisions_per_act(r, peers(0.2, containment=0.8)) - collisions_per_act(r, peers(0.2)),
        ),
        Exactly(152),
        over(0.0),
    ),
    claim(
        E,
        "cycles avoid reversion (index near 0.22) and nearly halve peak staff anxiety (0.19 against 0.34), but peer trust only creeps from 0.2 to 0.3.",
        lambda r: (
            r.holds(peers(0.2, approach="cycles")),
            r.near_end(peers(0.2, approach="cycles")),
            r.peak(peers(0.2, approach="cycles"), "anxiety"),
            r.peak(peers(0.2), "anxiety"),
            r.start(peers(0.2, approach="cycles"), "peer_trust"),
            r.last(peers(0.2, approach="cycles"), "peer_trust"),
        ),
        YES,
        near("0.22"),
        reads("0.19"),
        reads("0.34"),
        reads("0.2"),
        reads("0.3"),
    ),
)

# What the facilitator sets, types or presses, and weeks to look at: figures the page is
# told, not figures it shows. They cover figures for test_every_figure_is_claimed.
SETTINGS: tuple[tuple[str, str], ...] = (
    (W, "at week 0 (dashed) and now"),
    (W, "restarts the run at week 0"),
    (W, "restarts at week 0"),
    (W, "(`abdication`) at week 0"),
    (W, "to 2 and press <kbd>Play</kbd>; after week 30 raise it to 8 and let it run to week 156"),
    (W, "Weeks 5–30:"),
    (W, "type 0.8 and press Enter"),
    (W, "move <kbd>Head's containment</kbd> to 0.50 (side A)"),
    (W, "Leave the size at 1.5"),
    (W, "in the group from week 0"),
    (W, "press <kbd>New head</kbd> in week 30"),
    (E, "restarts the run at week 0"),
    (E, "(for example weeks 140, 148 and 155)"),
    (E, "Joining a learning group in week 60"),
)
# Where every figure must be claimed (or set): the guide's first plan (its every section
# but the room plan's); of the exercises, what the students are told before they start and
# the teachers' notes (the exercises themselves give settings to try and tables to fill in).
CHECKED: dict[str, tuple[str, ...] | None] = {
    W: (  # the first plan, the dashboard's; the room plan's figures: tests/workshop/test_workshop_plan.py
        "Before the session",
        "The session at a glance",
        "Session plan",
        "How the model's mechanisms connect to the source texts",
        "If you have more time, or the room takes you elsewhere",
        "If something goes wrong",
        "After the session",
    ),
    E: ("Getting started", "Notes for teachers: what the model does"),
}
FIGURE = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])|\b[Ww]eeks? \d+")


@pytest.fixture(scope="module")
def runs() -> Runs:
    return Runs()


@pytest.fixture(scope="module")
def docs() -> dict[str, str]:
    return {name: flat(path.read_text(encoding="utf-8")) for name, path in DOCS.items()}


@pytest.mark.parametrize("item", CLAIMS, ids=[f"{c.doc}-{k:03d}" for k, c in enumerate(CLAIMS)])
def test_claim(item: Claim, runs: Runs, docs: dict[str, str]) -> None:
    assert item.phrase in docs[item.doc], (
        f"docs/{item.doc}.md no longer says {item.phrase!r}: "
        "update its claim in tests/test_guide.py (and check the new figure on the page)"
    )
    values = item.values(runs)
    assert len(values) == len(item.expect), (
        f"{item}: {len(values)} values for {len(item.expect)} figures"
    )
    wrong = [
        f"value {k + 1}: the page shows {value!r}, the phrase allows {expect}"
        for k, (value, expect) in enumerate(zip(values, item.expect, strict=True))
        if value not in expect
    ]
    assert not wrong, f"docs/{item.doc}.md says {item.phrase!r}, but " + "; ".join(wrong)


def test_settings_are_in_the_docs(docs: dict[str, str]) -> None:
    gone = [f"{doc}: {phrase!r}" for doc, phrase in SETTINGS if phrase not in docs[doc]]
    assert not gone, "SETTINGS phrases no longer in the docs (remove them): " + "; ".join(gone)


def checked_text(doc: str) -> str:
    """The parts of a document whose figures must all be claimed, flattened."""
    text = DOCS[doc].read_text(encoding="utf-8")
    headings = CHECKED[doc]
    if headings is None:
        return flat(text)
    parts = []
    for heading in headings:
        found = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.S | re.M)
        assert found, f"docs/{doc}.md: no section '## {heading}'"
        parts.append(flat(found.group(1)))
    return "\n".join(parts)


@pytest.mark.parametrize("doc", list(DOCS))
def test_every_figure_is_claimed(doc: str) -> None:
    """A figure (a decimal, or a week) that no claim or setting covers is unchecked."""
    text = checked_text(doc)
    phrases = [c.phrase for c in CLAIMS if c.doc == doc] + [p for d, p in SETTINGS if d == doc]
    spans = [m.span() for p in phrases for m in re.finditer(re.escape(p), text)]
    loose = [
        f"...{text[max(0, m.start() - 60) : m.end() + 20]}..."
        for m in FIGURE.finditer(text)
        if not any(start <= m.start() and m.end() <= end for start, end in spans)
    ]
    assert not loose, (
        f"docs/{doc}.md quotes figures no claim of tests/test_guide.py checks "
        "(add a claim, or a SETTINGS phrase for what the facilitator sets):\n" + "\n".join(loose)
    )


def test_the_guide_checks_every_section_but_the_room_plan() -> None:
    """A new section of the guide is checked too: CHECKED names every one (the room plan's
    figures are checked by tests/workshop/test_workshop_plan.py)."""
    text = DOCS[W].read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+?)\s*$", text, re.M)
    room = [h for h in headings if h.startswith("A second plan: a workshop room")]
    assert len(room) == 1 and tuple(h for h in headings if h not in room) == CHECKED[W]
    assert not FIGURE.search(flat(text.split("\n## ", 1)[0])), "figures above the first section"

"""One visitor's runs: the models behind a browser page, and how they step.

A :class:`Session` lives in the page's component tree (``solara.use_memo`` in
:func:`leadsim.dashboard.app.Page`), so each browser page has its own models and a
page opened later starts fresh; nothing here is module-level state. A session holds
one :class:`Side` (a Mesa :class:`~leadsim.model.LeadershipModel` and what the views
need of it), or two in compare mode, stepping together.

Frames are acknowledged: the browser reports each frame it has drawn, and while
playing a new frame is sent only when the last one has been drawn, so a slow browser
makes the server skip frames, never queue them.

Skipping means the model runs ahead of the page by the frames not yet drawn (two or
three weeks at 8 weeks a second on a busy laptop). So play stops at a week, never
"now": :meth:`Session.pause` is told the week the page showed when Pause was clicked,
and a model that went past it is run again to that week. A run is determined by its
scenario, its seed and the interventions fired in it, at their weeks, so running it
again is exact, and it costs little (520 weeks of 500 staff in about 0.2 s).
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leadsim.config import Scenario
from leadsim.dashboard.layout import OrganisationLayout, department_layout
from leadsim.dashboard.limits import IDLE_PAUSE_SECONDS, MAX_HORIZON, check_scenario
from leadsim.dashboard.reversion import ReversionWatch
from leadsim.model import LeadershipModel

CATCH_UP_SECONDS = 1.0  # play makes up at most this much lateness (see Session.play)
_tokens = itertools.count(1)


@dataclass(frozen=True)
class ComparePlan:
    """Compare mode: side B is side A with one parameter changed."""

    parameter: str
    value: Any


@dataclass(frozen=True)
class Setup:
    """What the controls describe: a scenario, the visitor's changes to it, and compare mode.

    Attributes:
        scenario: The chosen (or uploaded) scenario, validated and within the caps.
        overrides: Parameters the controls changed from the scenario's.
        seed: The run seed (both sides of a comparison share it).
        horizon: Weeks to simulate.
        compare: Side B's change, or ``None`` for a single run.
    """

    scenario: Scenario
    overrides: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    horizon: int = 156
    compare: ComparePlan | None = None

    @classmethod
    def of(cls, scenario: Scenario) -> Setup:
        """The setup that runs ``scenario`` as written."""
        return cls(check_scenario(scenario), {}, scenario.seed, scenario.horizon, None)

    def scenarios(self) -> list[Scenario]:
        """The validated scenario of each side (raises a one-line ``ScenarioError``)."""
        a = self.scenario.with_changes(seed=self.seed, horizon=self.horizon, **self.overrides)
        sides = [check_scenario(a)]
        if self.compare is not None:
            b = a.with_changes(**{self.compare.parameter: self.compare.value})
            sides.append(check_scenario(b))
        return sides

    def value(self, name: str) -> Any:
        """The value a control shows: the override, else the scenario's (policy's) value."""
        if name in self.overrides:
            return self.overrides[name]
        params = self.scenario.params
        value = getattr(params, name)
        return params.leader_setting(name) if value is None else value


@dataclass(frozen=True)
class Intervention:
    """A live event fired in a run: its kind and arguments, and the week it was fired at."""

    week: int
    kind: str
    args: Mapping[str, Any]


class Side:
    """One system being run: the Mesa model, its reversion watches and layouts.

    A run may go on past its horizon (the weeks it was set to last), up to the
    dashboard's cap :data:`~leadsim.dashboard.limits.MAX_HORIZON`: stopping there is
    the room's choice, not the model's.
    """

    def __init__(self, scenario: Scenario, label: str = "") -> None:
        self.scenario = scenario
        self.label = label
        self.model = LeadershipModel(scenario)
        self.token = next(_tokens)
        engine = self.model.engine
        self.org_indices = np.flatnonzero(engine.org_run == 0)
        self.watches = [ReversionWatch(engine.p.per_org[o]) for o in self.org_indices]
        self.interventions: list[Intervention] = []
        self._layouts: dict[int, OrganisationLayout] = {}

    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return int(self.model.engine.t)

    @property
    def horizon(self) -> int:
        """Weeks the run lasts."""
        return int(self.model.horizon)

    @property
    def organisations(self) -> int:
        """Organisations in the system."""
        return int(self.org_indices.size)

    @property
    def at_cap(self) -> bool:
        """The run has reached the dashboard's cap of weeks: it can go no further."""
        return self.week >= MAX_HORIZON

    def org_index(self, organisation: int) -> int:
        """The engine's index of organisation ``organisation`` of this run."""
        return int(self.org_indices[organisation])

    def staff_slice(self, organisation: int) -> slice:
        """The engine's staff arrays' slice for one organisation."""
        engine = self.model.engine
        o = self.org_index(organisation)
        start = int(engine.org_start[o])
        return slice(start, start + int(engine.org_size[o]))

    def step(self) -> None:
        """Advance one week (if below the cap, past the horizon too) and watch for reversions."""
        if self.at_cap:
            return
        self.model.step()
        index = self.model.engine.records[-1].values["distribution_index"]
        for k, watch in enumerate(self.watches):
            watch.observe(float(index[self.org_indices[k]]))

    def intervene(self, kind: str, **args: Any) -> None:
        """Fire a live event (MODEL.md §5) now, and remember it for :meth:`replayed`."""
        getattr(self.model, kind)(**args)
        self.interventions.append(Intervention(self.week, kind, args))

    def replayed(self, week: int) -> Side:
        """This run again, from week 0 to ``week``: the same scenario, seed and interventions.

        Each intervention is fired at its week again; one fired after ``week`` (a click
        while the model ran ahead of the page) is fired at ``week``, the week the page
        showed, and so is not lost. The new side has a new token: the browser's charts
        take its weeks afresh.
        """
        side = Side(self.scenario, self.label)
        side._layouts = self._layouts  # the same staff and network
        for t in range(week + 1):
            for event in self.interventions:
                if min(event.week, week) == t:
                    side.intervene(event.kind, **event.args)
            if t < week:
                side.step()
        return side

    def layout(self, organisation: int) -> OrganisationLayout:
        """The organisation's layout, computed on first use and kept for the run."""
        if organisation not in self._layouts:
            engine = self.model.engine
            local = self.staff_slice(organisation)
            adjacency = engine.adjacency[local, local].tocoo()
            upper = adjacency.row < adjacency.col
            edges = np.column_stack([adjacency.row[upper], adjacency.col[upper]])
            degree = np.diff(engine.adjacency.indptr)[local]
            self._layouts[organisation] = department_layout(engine.department[local], degree, edges)
        return self._layouts[organisation]


class Session:
    """The runs of one browser page, a lock for them, where play stops, and the frame handshake."""

    def __init__(self, setup: Setup) -> None:
        self.lock = threading.RLock()
        self.setup = setup
        self.sides: list[Side] = []
        self.until = 0  # the week play stops at
        self.seq = 0  # frames sent
        self.drawn_seq = 0  # frames the browser has drawn
        self.waiting_since = time.monotonic()  # when the oldest frame not yet drawn was sent
        self.have: dict[str, tuple[str, int]] = {}  # chart -> (token, rows the browser holds)
        self.speed = 4.0
        self.build(setup)

    # --- runs --------------------------------------------------------------------------------

    def build(self, setup: Setup) -> None:
        """Start the runs of ``setup`` at week 0 (raises ``ScenarioError`` and changes nothing)."""
        scenarios = setup.scenarios()
        labels = ["A", "B"] if len(scenarios) > 1 else [""]
        sides = [Side(s, label) for s, label in zip(scenarios, labels, strict=True)]
        with self.lock:
            self.setup = setup
            self.sides = sides
            self.until = 0  # a play of the old run steps the new one no further
            self.have.clear()

    def reset(self) -> None:
        """The same setup from week 0."""
        self.build(self.setup)

    def restore(self, setup: Setup, interventions: Sequence[Intervention], week: int) -> None:
        """Rebuild a run the page kept: ``setup`` run to ``week``, firing ``interventions``.

        The same as the run that was lost, bit for bit (see :meth:`Side.replayed`).
        Raises ``ScenarioError`` and changes nothing if the setup is refused.
        """
        scenarios = setup.scenarios()
        labels = ["A", "B"] if len(scenarios) > 1 else [""]
        sides = []
        for scenario, label in zip(scenarios, labels, strict=True):
            fresh = Side(scenario, label)
            fresh.interventions = list(interventions)
            sides.append(fresh.replayed(week))
        with self.lock:
            self.setup = setup
            self.sides = sides
            self.until = week
            self.have.clear()

    @property
    def week(self) -> int:
        """Weeks simulated (the sides step together)."""
        return self.sides[0].week

    @property
    def horizon(self) -> int:
        """Weeks the runs last."""
        return self.sides[0].horizon

    @property
    def at_cap(self) -> bool:
        """The runs have reached the dashboard's cap of weeks."""
        return all(side.at_cap for side in self.sides)

    def step(self) -> None:
        """Advance every side one week."""
        with self.lock:
            for side in self.sides:
                side.step()

    def intervene(self, kind: str, **args: Any) -> None:
        """Fire a live event (MODEL.md §5) on every side, from the coming week."""
        with self.lock:
            for side in self.sides:
                side.intervene(kind, **args)

    # --- where play stops ------------------------------------------------------------------

    def play_on(self) -> None:
        """Let play run to the horizon, or once there, on to the cap."""
        with self.lock:
            self.until = self.horizon if self.week < self.horizon else MAX_HORIZON

    def run_to(self, target: Any) -> None:
        """Let play run to week ``target`` (a number, or the text typed in the page).

        A week past the horizon extends the run. Raises ``ValueError`` with a one-line
        reason for anything but a whole week after this one and within the cap.
        """
        with self.lock:
            allowed = f"allowed: {self.week + 1} to {MAX_HORIZON}"
            text = " ".join(str(target if target is not None else "").split())[:20]
            try:
                week = int(text)
            except ValueError:
                raise ValueError(
                    f"run to week: {text!r} is not a whole number of weeks; {allowed}"
                ) from None
            if week > MAX_HORIZON:
                raise ValueError(
                    f"run to week {week}: beyond the dashboard's cap of {MAX_HORIZON} weeks; "
                    f"{allowed}"
                )
            if week <= self.week:
                raise ValueError(
                    f"run to week {week}: the run is already at week {self.week}; {allowed} "
                    "(Reset starts again from week 0)"
                )
            self.until = week

    def pause(self, shown: int | None = None) -> None:
        """Stop play at ``shown``, the week the page showed when Pause was clicked.

        A model that ran ahead of the page (frames skipped, or one in flight) is run
        again to that week (see :meth:`Side.replayed`). Without ``shown`` (an old page),
        play stops where the model is.
        """
        with self.lock:
            week = self.week if shown is None else max(0, min(int(shown), self.week))
            self.until = week
            if week < self.week:
                self.sides = [side.replayed(week) for side in self.sides]

    def _advance(self) -> bool:
        """One week of play, if play has not reached where it stops (or the cap)."""
        with self.lock:
            if self.week >= self.until or self.at_cap:
                return False
            self.step()
            return True

    def play(self, cancel: threading.Event, push: Callable[[], None]) -> None:
        """Step at :attr:`speed` weeks a second until :attr:`until`, the cap or ``cancel``.

        The model keeps the pace the visitor asked for: weeks fall due on a clock, and
        a week that fell due while a frame was being sent (a slow network, a browser
        that reads slowly) is stepped at once, without waiting, up to
        :data:`CATCH_UP_SECONDS` of weeks behind; older lateness is forgiven, so a page
        back from a stall does not race ahead. A frame is pushed only when the browser
        has drawn the last one: a slow browser makes the server skip frames, never queue
        them (each frame carries every week since the last one drawn), and a browser
        that has drawn nothing for :data:`~leadsim.dashboard.limits.IDLE_PAUSE_SECONDS`
        (a closed lid, a lost network) stops the play. The check and the step hold the
        lock, so after :meth:`pause` returns, no week is added.
        """
        due = time.monotonic()
        while not cancel.is_set():
            # every week due by now: one, or more after a frame that was slow to go out
            stepped, most = 0, 1 + math.ceil(CATCH_UP_SECONDS * self.speed)
            while stepped < most and not cancel.is_set() and self._advance():
                stepped += 1
                due = max(due + 1.0 / self.speed, time.monotonic() - CATCH_UP_SECONDS)
                if due > time.monotonic():
                    break
            if not stepped:
                break
            if self.browser_ready():
                push()  # may take a while: the frame goes out at the browser's pace
            elif self.browser_gone():
                break
            cancel.wait(max(0.0, due - time.monotonic()))
        push()  # the last week, drawn when the browser is ready for it

    # --- frames --------------------------------------------------------------------------------

    def next_frame(self) -> int:
        """Number a new frame to send."""
        if self.browser_ready():
            self.waiting_since = time.monotonic()
        self.seq += 1
        return self.seq

    def drawn(self, data: Mapping[str, Any]) -> None:
        """The browser drew frame ``data["seq"]``; ``data["have"]`` is what each chart holds."""
        try:
            seq = int(data["seq"])
            have = {
                str(chart): (str(held[0]), int(held[1]))
                for chart, held in dict(data.get("have") or {}).items()
            }
        except (KeyError, TypeError, ValueError, IndexError):
            return  # a malformed report changes nothing
        self.have.update(have)
        if seq > self.drawn_seq:
            self.drawn_seq = min(seq, self.seq)
            self.waiting_since = time.monotonic()

    def rows_held(self, chart: str, token: str) -> int:
        """How many weeks of ``chart`` the browser holds for the run ``token``."""
        held_token, have = self.have.get(chart, ("", 0))
        return have if held_token == token else 0

    def browser_ready(self) -> bool:
        """The browser has drawn the last frame sent."""
        return self.drawn_seq >= self.seq

    def browser_gone(self) -> bool:
        """A frame has waited a long while to be drawn (a closed lid, a lost network)."""
        return not self.browser_ready() and (
            time.monotonic() - self.waiting_since > IDLE_PAUSE_SECONDS
        )

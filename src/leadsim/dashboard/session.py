"""One visitor's runs: the models behind a browser page, and how they step.

A :class:`Session` lives in the page's component tree (``solara.use_memo`` in
:func:`leadsim.dashboard.app.Page`), so each browser page has its own models and a
page opened later starts fresh; nothing here is module-level state. A session holds
one :class:`Side` (a Mesa :class:`~leadsim.model.LeadershipModel` and what the views
need of it), or two in compare mode, stepping together.

Frames are acknowledged: the browser reports each frame it has drawn, and while
playing a new frame is sent only when the last one has been drawn, so a slow browser
makes the server skip frames, never queue them.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leadsim.config import Scenario
from leadsim.dashboard.layout import OrganisationLayout, department_layout
from leadsim.dashboard.limits import IDLE_PAUSE_SECONDS, check_scenario
from leadsim.dashboard.reversion import ReversionWatch
from leadsim.model import LeadershipModel

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


class Side:
    """One system being run: the Mesa model, its reversion watches and layouts."""

    def __init__(self, scenario: Scenario, label: str = "") -> None:
        self.scenario = scenario
        self.label = label
        self.model = LeadershipModel(scenario)
        self.token = next(_tokens)
        engine = self.model.engine
        self.org_indices = np.flatnonzero(engine.org_run == 0)
        self.watches = [ReversionWatch(engine.p.per_org[o]) for o in self.org_indices]
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
    def done(self) -> bool:
        """The run has reached its horizon."""
        return self.week >= self.horizon

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
        """Advance one week (if before the horizon) and watch for reversions."""
        if self.done:
            return
        self.model.step()
        index = self.model.engine.records[-1].values["distribution_index"]
        for k, watch in enumerate(self.watches):
            watch.observe(float(index[self.org_indices[k]]))

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
    """The runs of one browser page, a lock for them, and the frame handshake."""

    def __init__(self, setup: Setup) -> None:
        self.lock = threading.RLock()
        self.setup = setup
        self.sides: list[Side] = []
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
            self.have.clear()

    def reset(self) -> None:
        """The same setup from week 0."""
        self.build(self.setup)

    @property
    def week(self) -> int:
        """Weeks simulated (the sides step together)."""
        return self.sides[0].week

    @property
    def horizon(self) -> int:
        """Weeks the runs last."""
        return self.sides[0].horizon

    @property
    def done(self) -> bool:
        """Every side has reached its horizon."""
        return all(side.done for side in self.sides)

    def step(self) -> None:
        """Advance every side one week."""
        with self.lock:
            for side in self.sides:
                side.step()

    def intervene(self, kind: str, **args: Any) -> None:
        """Fire a live event (MODEL.md §5) on every side, from the coming week."""
        with self.lock:
            for side in self.sides:
                getattr(side.model, kind)(**args)

    def play(self, cancel: threading.Event, push: Callable[[], None]) -> None:
        """Step at :attr:`speed` weeks a second until the horizon or ``cancel``.

        A frame is pushed only when the browser has drawn the last one: a slow browser
        makes the server skip frames, never queue them, and a browser that has drawn
        nothing for :data:`~leadsim.dashboard.limits.IDLE_PAUSE_SECONDS` (a closed lid,
        a lost network) stops the play. Late weeks are not made up later.
        """
        due = time.monotonic()
        while not cancel.is_set() and not self.done:
            self.step()
            if self.browser_ready():
                push()
            elif self.browser_gone():
                break
            due = max(due + 1.0 / self.speed, time.monotonic())
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

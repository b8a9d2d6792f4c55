"""The Mesa model of one system (MODEL.md §8): the array engine underneath, agents as views.

``LeadershipModel`` runs one system (one or more organisations) on
:class:`leadsim.engine.Engine`, so that Mesa's ``DataCollector``, ``batch_run`` and
``SolaraViz`` work on the same rules as the sweeps. The metrics are the engine's
records (MODEL.md §6), collected after each step; interventions are the events of
MODEL.md §5, fired now.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd
from mesa.experimental.scenarios import Scenario as MesaScenario

from leadsim.agents import StaffMember, TopLeader
from leadsim.config import DEFAULT_HORIZON
from leadsim.engine import ASERT_AXES, METRICS, Engine, RunSpec
from leadsim.engine.tables import metrics_frame, summary_frame
from leadsim.events import EventError, make_event
from leadsim.params import ParameterError, Parameters

if TYPE_CHECKING:
    from leadsim.config import Scenario

# Reporter name -> engine metric: every metric, plus the four ASERT axes (MODEL.md §6).
REPORTED: dict[str, str] = {
    **{name: name for name in METRICS},
    **{f"asert_{axis}": metric for axis, metric in ASERT_AXES.items()},
}
STAFF_REPORTERS: tuple[str, ...] = ("anxiety", "authority", "trust", "dependency", "leading")


def latest(model: LeadershipModel, metric: str, organisation: int | None = None) -> float:
    """The last recorded value of ``metric``: one organisation's, or the mean over all."""
    values = model.engine.records[-1].values[metric]
    return float(values.mean() if organisation is None else values[organisation])


class LeadershipModel(mesa.Model):
    """One system of organisations, each a top leader and its staff, one step a week.

    Build it from a scenario (``leadsim.config.Scenario``, or a Mesa ``Scenario``
    whose attributes are parameters), from parameters (``policy="delegating"``,
    ``containment=0.5`` …), or both: the keywords override the scenario's. ``rng``
    may be a seed, ``None`` (a fresh seed, kept in ``seed``) or a numpy Generator.
    """

    def __init__(
        self,
        scenario: Scenario | MesaScenario | None = None,
        *,
        rng: int | np.random.Generator | None = None,
        horizon: int | None = None,
        organisations: int | None = None,
        collect_agents: bool = False,
        extensions: Sequence[object] = (),
        **params: Any,
    ) -> None:
        """Create the engine, the agents viewing it and the data collector."""
        base, events, mesa_scenario = Parameters(), (), None
        if isinstance(scenario, MesaScenario):
            mesa_scenario, scenario = scenario, None
            settings = {name: value for name, value in mesa_scenario if name != "rng"}
            given_horizon = settings.pop("horizon", None)
            given_organisations = settings.pop("organisations", None)
            horizon = given_horizon if horizon is None else horizon
            organisations = given_organisations if organisations is None else organisations
            params = {**settings, **params}
            seed = engine_seed(mesa_scenario.rng if rng is None else rng)
            super().__init__(rng=rng, scenario=mesa_scenario)  # Mesa checks the two rng agree
        else:
            if scenario is not None:
                base, events = scenario.params, tuple(scenario.events)
                rng = scenario.seed if rng is None else rng
                horizon = scenario.horizon if horizon is None else horizon
                organisations = scenario.organisations if organisations is None else organisations
            seed = engine_seed(rng)
            super().__init__(rng=seed if rng is None else rng)
        self.leadsim_scenario = scenario  # Mesa's own `scenario` attribute is a Mesa Scenario
        self.seed = seed
        self.horizon = _whole("horizon", DEFAULT_HORIZON if horizon is None else horizon)
        self.organisations = _whole("organisations", 1 if organisations is None else organisations)
        self.params = base.replace(**params)
        self.engine = Engine(
            [RunSpec(self.params, seed, self.organisations, events)], extensions=extensions
        )

        self.leaders = [TopLeader(self, k) for k in range(self.organisations)]
        self.staff = [StaffMember(self, i) for i in range(self.engine.n_staff)]

        reporters = {name: partial(latest, metric=metric) for name, metric in REPORTED.items()}
        if self.organisations > 1:
            for k in range(self.organisations):
                for name, metric in REPORTED.items():
                    reporters[f"{name}[{k}]"] = partial(latest, metric=metric, organisation=k)
        staff = {StaffMember: {name: name for name in STAFF_REPORTERS}} if collect_agents else None
        self.datacollector = mesa.DataCollector(reporters, agenttype_reporters=staff)
        self.running = self.engine.t < self.horizon

    def step(self) -> None:
        """Advance one week (MODEL.md §3) and collect its metrics.

        Mesa counts ``steps`` (and ``time``) up before calling this, so after each
        step ``steps == engine.t`` and the collector's row k is week k's record.
        """
        self.engine.step()
        self.datacollector.collect(self)
        self.running = self.engine.t < self.horizon

    # --- live interventions (MODEL.md §5): each takes effect from the coming week --------

    def accountability_shock(self, size: float = 1.5, organisation: int | None = None) -> None:
        """An inspection or failed targets: accountability pressure jumps by ``size``."""
        self._fire("accountability_shock", organisation, size=size)

    def join_learning_group(self, organisation: int | None = None) -> None:
        """The head (of ``organisation``, or every head) joins the leaders' learning group."""
        self._fire("join_learning_group", organisation)

    def leave_learning_group(self, organisation: int | None = None) -> None:
        """The head leaves the leaders' learning group."""
        self._fire("leave_learning_group", organisation)

    def leader_change(
        self, policy: str, approach: str | None = None, organisation: int | None = None
    ) -> None:
        """A new head arrives with ``policy`` (and ``approach``); staff keep their state."""
        args = {"policy": policy} if approach is None else {"policy": policy, "approach": approach}
        self._fire("leader_change", organisation, **args)

    def start_reflection(self, organisation: int | None = None) -> None:
        """One reflection week now: anxiety relief and role clarity, no replanning."""
        self._fire("start_reflection", organisation)

    def set_param(self, name: str, value: Any, organisation: int | None = None) -> None:
        """Change parameter ``name`` mid-run (validated as at load)."""
        self._fire("set", organisation, **{name: value})

    def _fire(self, kind: str, organisation: int | None, **args: Any) -> None:
        event = make_event(self.engine.t, kind, organisation, **args)
        if organisation is not None and organisation >= self.organisations:
            raise EventError(
                f"organisation: {organisation} does not exist; "
                f"allowed: 0 to {self.organisations - 1}"
            )
        self.engine.apply_event(event)

    # --- results ---------------------------------------------------------------------------

    def metrics_frame(self) -> pd.DataFrame:
        """Tidy per-week metrics: step, organisation, one column per metric and ASERT axis."""
        return metrics_frame(self.engine)

    def summary(self) -> pd.DataFrame:
        """Per-organisation summaries of the weeks simulated so far (MODEL.md §6)."""
        self._require_records("summary")
        return summary_frame(self.engine)

    def asert_profile(
        self, step: int | None = None, organisation: int | None = 0
    ) -> dict[str, float] | dict[str, list[float]]:
        """The ASERT profile at week ``step`` (the last by default): axis -> value.

        One value per axis for ``organisation``; ``organisation=None`` gives a list per
        axis, one value per organisation.
        """
        self._require_records("asert_profile")
        weeks = len(self.engine.records)
        if step is not None and not 0 <= step < weeks:
            raise ValueError(f"step: week {step} not simulated; allowed: 0 to {weeks - 1}")
        record = self.engine.records[-1 if step is None else step]
        profile = {axis: record.values[metric] for axis, metric in ASERT_AXES.items()}
        if organisation is None:
            return {axis: [float(v) for v in values] for axis, values in profile.items()}
        return {axis: float(values[organisation]) for axis, values in profile.items()}

    def events(self) -> list[tuple[int, int, str]]:
        """(step, organisation, label) of every event applied so far, scheduled or live."""
        return [
            (step, int(self.engine.org_local[org]), event.label())
            for step, org, event in self.engine.event_log
        ]

    def _require_records(self, what: str) -> None:
        if not self.engine.records:
            raise ValueError(f"{what}: no week simulated yet; call step() first")


def engine_seed(rng: Any) -> int:
    """The engine's run seed from Mesa's ``rng``: a seed as given, else drawn.

    ``None`` draws fresh entropy; a numpy Generator (or anything numpy accepts as a
    seed) gives one draw from it.
    """
    if rng is None:
        return int(np.random.SeedSequence().entropy % 2**63)
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        if not 0 <= rng < 2**64:
            raise ParameterError(f"rng: {rng} is out of range; allowed: 0 to 2**64 - 1")
        return int(rng)
    return int(np.random.default_rng(rng).integers(2**63))


def _whole(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ParameterError(f"{name}: expected a whole number >= 1, got {value!r}")
    return int(value)

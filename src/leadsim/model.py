"""The Mesa model of one system (MODEL.md §8): the array engine underneath, agents as views.

``LeadershipModel`` runs one system (one or more organisations) on
:class:`leadsim.engine.Engine`, so that Mesa's ``DataCollector``, ``batch_run`` and
``SolaraViz`` (Mesa 3.5), and ``Scenario``, ``DataRecorder`` and ``run_scenarios``
(Mesa 4) work on the same rules as the sweeps. The metrics are the engine's records
(MODEL.md §6), collected after each step; interventions are the events of MODEL.md §5,
fired now.

Weeks are numbered from 0 everywhere: week k is the (k+1)-th week simulated, the
``step`` of ``metrics_frame`` and of scenario events, and ``time_to_reversion``.
Mesa's clock (``model.time``) counts weeks simulated, so week k ends at time k + 1;
every row this model's collectors write is labelled by the week (``docs/mesa.md``).
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

MESA_VERSION: tuple[int, int] = tuple(int(part) for part in mesa.__version__.split(".")[:2])
"""The installed Mesa's (major, minor)."""
MESA_4 = MESA_VERSION >= (4, 0)
"""Mesa 4: no ``batch_run`` or ``model.steps``; ``Scenario`` carries the rng; ``DataRecorder``."""

try:  # Mesa after 4.0.0a0: run_scenarios and RunConfiguration replace batch_run
    from mesa.experimental.scenarios import RunConfiguration, run_scenarios
except ImportError:  # Mesa 3.5 and 4.0.0a0
    RunConfiguration = run_scenarios = None


def latest(model: LeadershipModel, metric: str, organisation: int | None = None) -> float:
    """The last recorded value of ``metric``: one organisation's, or the mean over all."""
    values = model.engine.records[-1].values[metric]
    return float(values.mean() if organisation is None else values[organisation])


class WeeklyDataCollector(mesa.DataCollector):
    """Mesa's ``DataCollector``, its rows labelled by leadsim's week, not Mesa's time.

    Mesa labels a collection by ``model.time``, the weeks simulated so far: the record
    of week k, collected at the end of that week, would be ``Step`` k + 1. This
    collector labels it k, as ``metrics_frame``'s ``step`` does, so that ``batch_run``'s
    ``Step``, the ``Step`` level of the agent frames and the index of the model frame
    (named ``Step``) all give the week.
    """

    def collect(self, model: mesa.Model) -> None:
        """Collect the week just simulated, labelled by its week."""
        time = model.time
        super().collect(model)
        week = model.engine.t - 1
        steps = getattr(self, "_collection_steps", None)
        if self.model_reporters and steps:
            steps[-1] = week
        records = getattr(self, "_agent_records", {})
        if time in records:
            records[week] = [(week, *row[1:]) for row in records.pop(time)]
        by_type = getattr(self, "_agenttype_records", {})
        if time in by_type:
            by_type[week] = {
                kind: [(week, *row[1:]) for row in rows] for kind, rows in by_type.pop(time).items()
            }

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """The model reporters' values, one row per week collected, indexed by ``Step`` (week)."""
        frame = super().get_model_vars_dataframe()
        steps = getattr(self, "_collection_steps", None)
        if steps is not None and len(steps) == len(frame):
            frame.index = pd.Index(steps, name="Step")
        return frame


class WeeklyMetrics:
    """Mesa 4 data set: the last week's metrics, a row per organisation, labelled by week.

    Its rows are ``metrics_frame``'s: ``step`` (the week), ``organisation``, a column per
    metric and ASERT axis. A ``DataRecorder`` adds Mesa's ``time`` (the weeks simulated,
    so ``step`` + 1); before the first week it has no row.
    """

    def __init__(self, model: LeadershipModel, name: str = "metrics") -> None:
        """Create the data set over ``model``'s engine."""
        self.name = name
        self.model: LeadershipModel | None = model

    @property
    def data(self) -> list[dict[str, Any]]:
        """The last recorded week's rows (none before the first week)."""
        if self.model is None:
            raise RuntimeError(f"DataSet '{self.name}' has been closed")
        engine = self.model.engine
        if not engine.records:
            return []
        record = engine.records[-1]
        return [
            {
                "step": record.step,
                "organisation": k,
                **{name: record.values[metric][k].item() for name, metric in REPORTED.items()},
            }
            for k in range(self.model.organisations)
        ]

    def close(self) -> None:
        """Let the model go."""
        self.model = None

    def record(self, recorder: Any, configuration: Any = None) -> WeeklyMetrics:
        """Have ``recorder`` record this data set."""
        recorder.add_dataset(self, configuration=configuration)
        return self


class LeadershipModel(mesa.Model):
    """One system of organisations, each a top leader and its staff, one step a week.

    Build it from a scenario (``leadsim.config.Scenario``, or a Mesa ``Scenario``
    whose attributes are parameters), from parameters (``policy="delegating"``,
    ``containment=0.5`` …), or both: the keywords override the scenario's. ``rng``
    may be a seed, ``None`` (a fresh seed, kept in ``seed``) or a numpy Generator.

    ``datacollector`` collects every week, its rows labelled by week
    (:class:`WeeklyDataCollector`). Under Mesa 4, ``data_recorder`` (Mesa's
    ``DataRecorder``) also records the data set ``metrics`` (:class:`WeeklyMetrics`),
    which ``run_scenarios`` reads. A Mesa 4 ``Scenario`` holds a numpy Generator, not
    the seed it was given: the engine's seed is then drawn from the scenario's initial
    rng state, the same for every model built from it.
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
            seed = engine_seed(_scenario_rng(mesa_scenario) if rng is None else rng)
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
        self.datacollector = WeeklyDataCollector(reporters, agenttype_reporters=staff)
        if MESA_4:
            from mesa.experimental.data_collection import DataRecorder

            self.data_registry.add_dataset(WeeklyMetrics(self))
            self.data_recorder = DataRecorder(self, config={"metrics": {}})
        self.running = self.engine.t < self.horizon

    def step(self) -> None:
        """Advance one week (MODEL.md §3) and collect its metrics.

        Mesa counts ``time`` (and, before Mesa 4, ``steps``) up before calling this, so
        after each step ``time == engine.t``: week k ends at time k + 1, and the
        collector labels its row k (its ``Step``), as ``metrics_frame`` does.
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
        """Tidy per-week metrics: step (the week, from 0), organisation, a column per metric."""
        return metrics_frame(self.engine)

    def summary(self) -> pd.DataFrame:
        """Per-organisation summaries of the weeks simulated so far (MODEL.md §6).

        ``time_to_reversion`` is a nullable ``Int64``: ``<NA>`` where no reversion.
        """
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


if RunConfiguration is not None:

    class LeadershipRun(RunConfiguration):
        """Mesa's ``RunConfiguration`` for :class:`LeadershipModel`: ``until`` weeks a run.

        Its outputs: ``metrics`` (the data recorder's rows, ``step`` the week) and
        ``summary`` (:meth:`LeadershipModel.summary`). ``model_kwargs`` (``horizon``,
        ``organisations``, parameters) apply to every scenario's model.
        """

        def __init__(self, until: int, **model_kwargs: Any) -> None:
            """Run each scenario's model ``until`` weeks."""
            super().__init__(LeadershipModel, until, model_kwargs=model_kwargs)

        def extract_output(self, model: LeadershipModel) -> dict[str, pd.DataFrame]:
            """The weekly metrics and the per-organisation summary."""
            return {
                "metrics": model.data_recorder.get_table_dataframe("metrics"),
                "summary": model.summary(),
            }


def leadership_run(until: int, **model_kwargs: Any) -> Any:
    """A ``RunConfiguration`` for ``mesa.experimental.scenarios.run_scenarios``.

    Raises ImportError, in one line, where the installed Mesa has no ``run_scenarios``
    (Mesa 3.5, whose ``batch_run`` works instead, and Mesa 4.0.0a0).
    """
    if RunConfiguration is None:
        raise ImportError(
            f"leadership_run: Mesa {mesa.__version__} has no "
            "mesa.experimental.scenarios.run_scenarios (Mesa 4 after 4.0.0a0 has); "
            "use mesa.batch_run on Mesa 3.5, or leadsim sweep"
        )
    return LeadershipRun(until, **model_kwargs)


def _scenario_rng(scenario: MesaScenario) -> Any:
    """A Mesa scenario's rng as a seed: Mesa 3.5's as given; Mesa 4's from its initial state.

    Mesa 4 turns the scenario's ``rng`` into a Generator that the model then draws from;
    a fresh Generator in its initial state gives the same seed for every model built
    from the scenario. Mesa 4.0.0a0 keeps that state in ``initial_rng_state``, later
    versions keep the ``seed_sequence`` instead.
    """
    sequence = getattr(scenario, "seed_sequence", None)
    if isinstance(sequence, np.random.SeedSequence):
        return np.random.default_rng(sequence)
    state = getattr(scenario, "initial_rng_state", None)
    if state is None:
        return scenario.rng
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


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

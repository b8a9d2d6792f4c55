"""EMA Workbench on the batched engine: experiments evaluated many at a time, not one by one.

EMA Workbench (``pip install leadsim[ema]``) samples uncertainties and levers, hands
each experiment to an *evaluator*, and collects outcomes through a callback. Its own
evaluators run a model one experiment at a time, which for leadsim means one engine
per run (20–35 runs/s). Here the batching happens in the evaluator, the one place in
EMA that sees many experiments at once:

- :class:`LeadsimModel` is an EMA model (an ``AbstractModel``): a base scenario,
  uncertainties and levers named as leadsim's settings, outcomes named as its
  per-run summaries, replications, a master seed.
- :class:`BatchEvaluator` is an EMA evaluator (a ``BaseEvaluator``): its
  ``evaluate_experiments`` takes the experiments in chunks, simulates each chunk's runs
  in batches on the engine through :func:`leadsim.experiments.points.simulate_points`
  (the sweeps' own path), and hands each experiment's outcomes to EMA's callback.
  ``perform_experiments`` and ``optimize`` work through it as through any evaluator.

Run ``r`` of experiment ``e`` has seed :func:`~leadsim.experiments.design.run_seeds`
``(seed, e·replications + r)`` (with ``common_random_numbers``, ``(seed, r)``), so an
experiment's outcomes depend only on the master seed, its id and its values.

```python
from leadsim.ema import LeadsimModel, parameters, perform_experiments

model = LeadsimModel("leadsim", "integrated", seed=7,
                     uncertainties=parameters("containment", "anxiety_contagion"))
experiments, outcomes = perform_experiments(model, 1000)
```
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

try:
    with warnings.catch_warnings():  # EMA warns at import about an optional cluster package
        warnings.filterwarnings("ignore", message=".*ipyparallel.*")
        import ema_workbench  # noqa: F401
except ModuleNotFoundError as _err:
    if _err.name is None or _err.name.split(".")[0] != "ema_workbench":
        raise
    raise ImportError(
        "leadsim.ema needs EMA Workbench, which is not installed: pip install leadsim[ema]"
    ) from None

import numpy as np
from ema_workbench import (
    BooleanParameter,
    CategoricalParameter,
    IntegerParameter,
    RealParameter,
    ScalarOutcome,
)
from ema_workbench.em_framework.evaluators import BaseEvaluator
from ema_workbench.em_framework.experiment_runner import ExperimentRunner
from ema_workbench.em_framework.model import AbstractModel
from ema_workbench.em_framework.parameters import Parameter
from ema_workbench.em_framework.points import Experiment as EMAExperiment
from ema_workbench.util import EMAError

from leadsim.config import Scenario, ScenarioError, find_scenario
from leadsim.engine.metrics import SUMMARIES
from leadsim.experiments.design import run_seeds
from leadsim.experiments.points import (
    check_setting,
    inline_experiment,
    plain_value,
    simulate_points,
)
from leadsim.experiments.spec import CHOICES, EXTRA_SETTINGS, ExperimentError, setting_kind
from leadsim.params import FIELDS

__all__ = [
    "OUTCOMES",
    "BatchEvaluator",
    "LeadsimModel",
    "outcomes",
    "parameter",
    "parameters",
    "perform_experiments",
]

OUTCOMES: tuple[str, ...] = SUMMARIES
# Names EMA's results table gives its own columns: a parameter may not take them.
RESERVED: tuple[str, ...] = ("scenario", "policy", "model")
# The EMA name of a leadsim setting whose own name is reserved.
EMA_NAMES: dict[str, str] = {"policy": "leader_policy"}
_BOOLEAN = ("reverted", "never_distributed")
DEFAULT_BATCH_SIZE = 100


# --- parameters and outcomes ----------------------------------------------------------------


def _bounds(name: str) -> tuple[float | None, float | None]:
    if name in EXTRA_SETTINGS:
        return EXTRA_SETTINGS[name][1], EXTRA_SETTINGS[name][2]
    meta = FIELDS[name].metadata
    return meta.get("low"), meta.get("high")


def parameter(
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    values: Sequence[Any] | None = None,
    ema_name: str | None = None,
) -> Parameter:
    """An EMA parameter for leadsim's setting ``name``, over its allowed range by default.

    Numbers give a ``RealParameter`` or ``IntegerParameter`` from ``low`` to ``high``
    (default: the setting's whole range, see ``leadsim params``); ``values`` gives a
    ``CategoricalParameter`` of those values instead. Text settings (``policy``,
    ``approach``, ``network_model``) give a ``CategoricalParameter`` of their choices
    (or ``values``), switches (``learning_group``) a ``BooleanParameter``.

    The EMA name is ``name``, except ``policy``, which EMA's results table uses for
    its own column: it is called ``leader_policy`` there (or ``ema_name``).

    Raises:
        ExperimentError: an unknown setting, a bound outside its range, or a value it
            does not take (one line).
    """
    check_setting(name)
    label = ema_name or EMA_NAMES.get(name, name)
    if label in RESERVED or not label.isidentifier():
        raise ExperimentError(
            f"{name}: {label!r} cannot name an EMA parameter; give ema_name= an identifier "
            f"other than {', '.join(RESERVED)}"
        )
    kind = setting_kind(name)
    variable = None if label == name else name
    if kind is bool:
        return BooleanParameter(label, variable_name=variable)
    if kind is str or values is not None:
        choices = tuple(values) if values is not None else CHOICES.get(name, ())
        for value in choices:
            _check_value(name, value)
        if len(set(choices)) < 2:
            raise ExperimentError(f"{name}: give at least two different values")
        return CategoricalParameter(label, list(choices), variable_name=variable)
    floor, ceiling = _bounds(name)
    low = floor if low is None else low
    high = ceiling if high is None else high
    for value in (low, high):
        _check_value(name, value)
    if not low < high:
        raise ExperimentError(f"{name}: low {low!r} is not below high {high!r}")
    if kind is int:
        return IntegerParameter(label, int(low), int(high), variable_name=variable)
    return RealParameter(label, float(low), float(high), variable_name=variable)


def _check_value(name: str, value: Any) -> None:
    """Refuse, in one line, a value setting ``name`` never takes."""
    kind = setting_kind(name)
    value = plain_value(name, value)
    if kind is str:
        allowed = CHOICES.get(name)
        if not isinstance(value, str) or (allowed and value not in allowed):
            raise ExperimentError(
                f"{name}: unknown value {value!r}; allowed: {', '.join(allowed or ('text',))}"
            )
        return
    if kind is bool:
        if not isinstance(value, bool):
            raise ExperimentError(f"{name}: expected true or false, got {value!r}")
        return
    number = (int,) if kind is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, number):
        raise ExperimentError(f"{name}: expected a {kind.__name__}, got {value!r}")
    low, high = _bounds(name)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ExperimentError(f"{name}: {value!r} is out of range; allowed: {low:g} to {high:g}")


def parameters(*specs: str | tuple | Parameter) -> list[Parameter]:
    """EMA parameters from names, ``(name, low, high)`` tuples or ready parameters.

    ``parameters("containment", ("anxiety_contagion", 0.1, 0.4), "policy")``.
    """
    made = []
    for spec in specs:
        if isinstance(spec, Parameter):
            made.append(spec)
        elif isinstance(spec, str):
            made.append(parameter(spec))
        elif isinstance(spec, tuple) and spec and isinstance(spec[0], str):
            made.append(parameter(*spec))
        else:
            raise ExperimentError(
                f"{spec!r}: expected a setting's name, (name, low, high) or an EMA parameter"
            )
    return made


def outcomes(
    *names: str,
    function: Callable[..., Any] | None = None,
    kind: int = ScalarOutcome.INFO,
) -> list[ScalarOutcome]:
    """``ScalarOutcome``s for leadsim's per-run summaries (all of :data:`OUTCOMES` by default).

    With replications, give ``function`` (``np.mean``, say) to reduce each outcome's
    values over the replications, as for EMA's ``ReplicatorModel``.

    Raises:
        ExperimentError: an unknown summary (one line).
    """
    for name in names:
        _check_outcome(name)
    return [ScalarOutcome(name, kind=kind, function=function) for name in (names or OUTCOMES)]


_default_outcomes = outcomes


def _check_outcome(name: str) -> None:
    if name not in OUTCOMES:
        import difflib

        close = difflib.get_close_matches(str(name), OUTCOMES, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ExperimentError(
            f"outcome {name!r}: not a leadsim summary{hint}; allowed: {', '.join(OUTCOMES)}"
        )


# --- the model ------------------------------------------------------------------------------


class LeadsimModel(AbstractModel):
    """leadsim as an EMA model, evaluated in batches by :class:`BatchEvaluator`.

    Args:
        name: The model's name (a Python identifier), as EMA requires.
        scenario: The base scenario: a :class:`~leadsim.config.Scenario`, a shipped
            scenario's name or a scenario file.
        uncertainties: EMA parameters (see :func:`parameter`) whose names, or
            ``variable_name``, are leadsim settings.
        levers: Likewise.
        outcomes: ``ScalarOutcome``s of leadsim's summaries (default: all, see
            :func:`outcomes`); each reads its ``variable_name``.
        constants: EMA ``Constant``s: settings fixed for every experiment.
        replications: Runs per experiment. Above 1, each ``ScalarOutcome`` needs a
            ``function`` that reduces the replications' values (as in EMA's
            ``ReplicatorModel``).
        horizon: Weeks per run (default: the scenario's).
        seed: Master seed (default: the scenario's); run ``r`` of experiment ``e`` gets
            ``run_seeds(seed, e·replications + r)``.
        settings: Settings fixed for every experiment (as an experiment file's
            ``[parameters]``).
        extensions: ``module:Class`` references to engine extensions.
        common_random_numbers: Replication ``r`` has the same seed in every experiment.

    A run of several organisations gives, per summary, the mean over its
    organisations (the share that reverted, the mean week among those that did); a
    run of one gives its own values: ``reverted`` and ``never_distributed`` as
    ``bool``, ``time_to_reversion`` as a float that is NaN where it did not revert.
    """

    def __init__(
        self,
        name: str = "leadsim",
        scenario: Scenario | str | Path = "integrated",
        *,
        uncertainties: Iterable[Parameter] = (),
        levers: Iterable[Parameter] = (),
        outcomes: Iterable[ScalarOutcome] | None = None,
        constants: Iterable[Any] = (),
        replications: int = 1,
        horizon: int | None = None,
        seed: int | None = None,
        settings: Mapping[str, Any] | None = None,
        extensions: Sequence[str] = (),
        common_random_numbers: bool = False,
    ) -> None:
        super().__init__(name)
        if not isinstance(scenario, Scenario):
            try:
                scenario = find_scenario(scenario)
            except (ScenarioError, ValueError, OSError) as err:
                raise ExperimentError(str(err).splitlines()[0]) from None
        if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
            raise ExperimentError(f"replications: {replications!r}; allowed: a whole number ≥ 1")
        self.scenario = scenario
        self.replications = replications
        self.horizon = scenario.horizon if horizon is None else horizon
        self.seed = scenario.seed if seed is None else seed
        self.settings = dict(settings or {})
        self.extensions = tuple(extensions)
        self.common_random_numbers = common_random_numbers
        self.uncertainties = list(uncertainties)
        self.levers = list(levers)
        self.outcomes = list(outcomes) if outcomes is not None else _default_outcomes()
        self.constants = list(constants)
        self.check()

    # EMA's own evaluators call run_model once per experiment, with no experiment id
    # (so no seed can be derived from it): refuse, and name the evaluator to use.
    def run_model(self, scenario: Any, policy: Any, constants: Any) -> None:
        """Refused: this model runs only under :class:`BatchEvaluator`."""
        raise EMAError(
            f"model {self.name}: a LeadsimModel is evaluated in batches; use "
            "leadsim.ema.BatchEvaluator(model) or leadsim.ema.perform_experiments"
        )

    def check(self) -> None:
        """Check names: parameters set leadsim settings, outcomes read its summaries.

        Raises:
            ExperimentError: the first problem, in one line.
        """
        fixed = self._fixed()
        varied = self._variables()
        for label, variables in varied.items():
            if label in RESERVED:
                raise ExperimentError(
                    f"parameter {label!r}: EMA keeps this name for its own column; name it "
                    f"otherwise, with variable_name={variables[0]!r}"
                )
            for variable in variables:
                check_setting(variable, f"parameter {label!r}")
        names = [v for variables in varied.values() for v in variables]
        inline_experiment(
            self.scenario,
            list(dict.fromkeys(names)),
            settings=fixed,
            horizon=self.horizon,
            seed=self.seed,
            extensions=self.extensions,
        )
        for outcome in self.outcomes:
            if not isinstance(outcome, ScalarOutcome):
                raise ExperimentError(
                    f"outcome {outcome.name!r}: a LeadsimModel gives ScalarOutcomes only"
                )
            for variable in outcome.variable_name:
                _check_outcome(variable)
            if self.replications > 1 and outcome.function is None:
                raise ExperimentError(
                    f"outcome {outcome.name!r}: with {self.replications} replications it needs "
                    "a function reducing them (function=np.mean, say)"
                )

    def _fixed(self) -> dict[str, Any]:
        fixed = dict(self.settings)
        for constant in self.constants:
            check_setting(constant.name, "constant")
            fixed[constant.name] = constant.value
        return fixed

    def _variables(self) -> dict[str, tuple[str, ...]]:
        """Each parameter's EMA name and the leadsim settings it sets."""
        found = {}
        for par in [*self.uncertainties, *self.levers]:
            if par.shape is not None:
                raise ExperimentError(f"parameter {par.name!r}: a leadsim setting takes one value")
            found[par.name] = tuple(par.variable_name)
        return found

    @property
    def single_organisation(self) -> bool:
        """Whether every run has one organisation (its outcomes are then its own values)."""
        names = {v for variables in self._variables().values() for v in variables}
        fixed = self._fixed()
        return "organisations" not in names and (
            fixed.get("organisations", self.scenario.organisations) == 1
        )

    # --- batched evaluation ---------------------------------------------------------------

    def points(
        self, experiments: Sequence[EMAExperiment]
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Each experiment's settings (its sample, through ``variable_name``) and their names."""
        pars = [*self.uncertainties, *self.levers]
        points = []
        for experiment in experiments:
            sample = {**experiment.scenario, **experiment.policy}
            point: dict[str, Any] = {}
            for par in pars:
                if par.name in sample:
                    value = sample[par.name]
                elif par.default is not None:
                    value = par.default
                else:
                    continue
                for variable in par.variable_name:
                    point[variable] = value
            points.append(point)
        names = list(dict.fromkeys(name for point in points for name in point))
        fixed = self._fixed()
        for k, point in enumerate(points):
            for name in names:
                if name not in point:
                    point[name] = self._base_value(name, fixed, experiments[k])
        return points, names

    def _base_value(self, name: str, fixed: Mapping[str, Any], experiment: EMAExperiment) -> Any:
        if name in fixed:
            return fixed[name]
        if name in FIELDS:
            return getattr(self.scenario.params, name)
        if name == "organisations":
            return self.scenario.organisations
        raise ExperimentError(
            f"experiment {experiment.experiment_id}: sets no value for {name}; give it a default"
        )

    def seeds(self, experiment_ids: Sequence[int]) -> np.ndarray:
        """The seeds of the experiments' runs, replications of an experiment together."""
        ids = np.asarray(experiment_ids, dtype=np.int64)
        reps = np.arange(self.replications, dtype=np.int64)
        if self.common_random_numbers:
            index = np.tile(reps, ids.size)
        else:
            index = (ids[:, None] * self.replications + reps[None, :]).reshape(-1)
        return run_seeds(self.seed, index)

    def evaluate(
        self,
        experiments: Sequence[EMAExperiment],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        executor: Executor | None = None,
    ) -> list[tuple[dict[str, Any] | None, str]]:
        """Simulate the experiments' runs in batches: per experiment, (outcomes, error).

        Outcomes are ``None`` where a run of the experiment failed, and ``error`` then says
        why (one line); else ``error`` is empty.
        """
        if not experiments:
            return []
        points, names = self.points(experiments)
        inline = inline_experiment(
            self.scenario,
            names,
            settings=self._fixed(),
            horizon=self.horizon,
            seed=self.seed,
            batch_size=batch_size,
            extensions=self.extensions,
            name=self.name,
        )
        runs = simulate_points(
            inline,
            points,
            self.seeds([e.experiment_id for e in experiments]),
            replicates=self.replications,
            executor=executor,
        )
        return self._outcomes_of(runs, experiments)

    def _outcomes_of(
        self, runs: Any, experiments: Sequence[EMAExperiment]
    ) -> list[tuple[dict[str, Any] | None, str]]:
        """Per experiment, its processed outcomes, from the runs table (rows per organisation)."""
        import pandas as pd

        variables = list(dict.fromkeys(v for o in self.outcomes for v in o.variable_name))
        run_of_row = runs["run_id"].to_numpy()
        columns = {
            name: runs[name].to_numpy(dtype="float64", na_value=np.nan) for name in variables
        }
        per_run = pd.DataFrame(columns).groupby(run_of_row, sort=True).mean()
        ok = (runs["status"] == "ok").groupby(run_of_row, sort=True).all().to_numpy()
        errors = runs["status"].str.cat(runs["error"], sep=": ").to_numpy()
        first_row = np.r_[0, np.flatnonzero(np.diff(run_of_row)) + 1]
        single = self.single_organisation
        values = {
            name: (
                per_run[name].to_numpy().astype(bool).tolist()
                if single and name in _BOOLEAN
                else per_run[name].to_numpy().tolist()
            )
            for name in variables
        }
        reps = self.replications
        results: list[tuple[dict[str, Any] | None, str]] = []
        for j, experiment in enumerate(experiments):
            span = slice(j * reps, (j + 1) * reps)
            bad = np.flatnonzero(~ok[span])
            if bad.size:
                run = j * reps + int(bad[0])
                why = errors[first_row[run]]
                results.append((None, f"experiment {experiment.experiment_id}: {why}"))
                continue
            raw = {
                name: (column[j] if reps == 1 else column[span]) for name, column in values.items()
            }
            results.append(
                ({o.name: o.process([raw[v] for v in o.variable_name]) for o in self.outcomes}, "")
            )
        return results


# --- the evaluator --------------------------------------------------------------------------


class BatchEvaluator(BaseEvaluator):
    """An EMA evaluator that simulates a :class:`LeadsimModel`'s experiments in batches.

    Args:
        msis: One model or a list of models. Models other than :class:`LeadsimModel`
            are run one experiment at a time, as EMA's ``SequentialEvaluator`` runs them.
        n_processes: Local worker processes for the batches (1: this process).
        executor: Where batches run instead (any :class:`concurrent.futures.Executor`,
            e.g. a Dask ``Client.get_executor()``); not shut down here.
        batch_size: Runs simulated together per batch.
        chunk_size: Experiments taken from EMA at a time (default: enough for eight
            batches per worker, at least 1,000).
        on_error: ``"mask"``: an experiment whose run fails (parameters the model refuses,
            say ``tolerance_low`` above ``tolerance_high``) gets no outcomes, so EMA
            returns masked arrays, and :attr:`failures` says why; ``"raise"``: stop with
            a one-line :class:`~leadsim.experiments.spec.ExperimentError`.

    Attributes:
        failures: Experiment id → one-line reason, for the experiments of the last
            evaluation that failed.
    """

    def __init__(
        self,
        msis: AbstractModel | list[AbstractModel],
        *,
        n_processes: int = 1,
        executor: Executor | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        chunk_size: int | None = None,
        on_error: str = "mask",
    ) -> None:
        super().__init__(msis)
        if on_error not in ("mask", "raise"):
            raise ExperimentError(f"on_error: {on_error!r}; allowed: mask, raise")
        self.n_processes = max(1, int(n_processes))
        self.batch_size = batch_size
        self.chunk_size = chunk_size or max(1000, 8 * batch_size * self.n_processes)
        self.on_error = on_error
        self.failures: dict[int, str] = {}
        self._given_executor = executor
        self._executor: Executor | None = executor
        self._owned = False

    def initialize(self) -> None:
        """Start the worker processes, if any."""
        if self._executor is None and self.n_processes > 1:
            from leadsim.experiments.runner import local_executor

            self._executor = local_executor(self.n_processes)
            self._owned = True

    def finalize(self) -> None:
        """Stop the worker processes this evaluator started."""
        if self._owned and self._executor is not None:
            self._executor.shutdown()
        self._executor, self._owned = self._given_executor, False

    def evaluate_experiments(
        self, experiments: Iterable[EMAExperiment], callback: Callable, **kwargs: Any
    ) -> None:
        """Evaluate the experiments chunk by chunk, in batches; report each to ``callback``."""
        models = {model.name: model for model in self._msis}
        for model in models.values():
            if isinstance(model, LeadsimModel):
                model.check()
        self.failures = {}
        iterator = iter(experiments)
        runner = None
        try:
            while chunk := list(itertools.islice(iterator, self.chunk_size)):
                by_model: dict[str, list[EMAExperiment]] = {}
                for experiment in chunk:
                    by_model.setdefault(experiment.model_name, []).append(experiment)
                done: dict[int, dict[str, Any]] = {}
                for model_name, group in by_model.items():
                    model = models[model_name]
                    if not isinstance(model, LeadsimModel):
                        runner = runner or ExperimentRunner(
                            [m for m in self._msis if not isinstance(m, LeadsimModel)]
                        )
                        for experiment in group:
                            done[id(experiment)] = runner.run_experiment(experiment)
                        continue
                    results = model.evaluate(
                        group, batch_size=self.batch_size, executor=self._executor
                    )
                    for experiment, (outcome, error) in zip(group, results, strict=True):
                        if outcome is None:
                            if self.on_error == "raise":
                                raise ExperimentError(error)
                            self.failures[experiment.experiment_id] = error
                            outcome = {}
                        done[id(experiment)] = outcome
                for experiment in chunk:
                    callback(experiment, done[id(experiment)])
        finally:
            if runner is not None:
                runner.cleanup()
        if self.failures:
            first = next(iter(self.failures.values()))
            warnings.warn(
                f"{len(self.failures)} experiment(s) failed and have masked outcomes; "
                f"first: {first} (see BatchEvaluator.failures)",
                RuntimeWarning,
                stacklevel=2,
            )


def perform_experiments(
    models: AbstractModel | list[AbstractModel],
    scenarios: Any = 0,
    policies: Any = 0,
    *,
    n_processes: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_error: str = "mask",
    **kwargs: Any,
) -> Any:
    """EMA's ``perform_experiments``, evaluated by a :class:`BatchEvaluator`.

    Keyword arguments go to EMA's ``perform_experiments`` (``uncertainty_sampling``,
    ``reporting_frequency`` …). Returns what it returns: ``(experiments, outcomes)``.
    """
    with BatchEvaluator(
        models, n_processes=n_processes, batch_size=batch_size, on_error=on_error
    ) as evaluator:
        return evaluator.perform_experiments(scenarios, policies, **kwargs)

"""Simulating a sweep: runs planned, grouped into batches, dispatched, recorded.

Runs of equal size (staff and organisations) are grouped into batches that advance
together on the many-organisations engine. :func:`simulate_batch` is a top-level,
picklable function, so any :class:`concurrent.futures.Executor` can run batches: this
process, local worker processes, a Dask cluster (``Client.get_executor()``) or an MPI
pool. Because every random number of the engine is a function of (run seed, step,
agent, purpose), a run's results do not depend on its batch, worker or executor.

A failing run does not fail its batch: invalid parameters are found when the run is
planned (status ``invalid``), a run whose state turns non-finite is marked
``nonfinite``, and if a batch raises, its runs are retried one by one so that only the
culprit gets status ``error``.
"""

from __future__ import annotations

import inspect
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from leadsim.config import ScenarioError
from leadsim.engine import Engine, RunSpec
from leadsim.engine.core import series_of, summaries_of
from leadsim.engine.extensions import load_extension
from leadsim.engine.metrics import METRICS, SUMMARIES
from leadsim.events import Event, EventError, make_event
from leadsim.experiments.design import RunDesign
from leadsim.experiments.references import resolve_model
from leadsim.experiments.spec import LEADSIM_MODEL, Experiment, setting_kind
from leadsim.params import FIELD_NAMES, ParameterError

OK, INVALID, NONFINITE, ERROR = "ok", "invalid", "nonfinite", "error"
STATUSES: tuple[str, ...] = (OK, INVALID, NONFINITE, ERROR)
KEY_COLUMNS: tuple[str, ...] = ("run_id", "organisation")
RUN_COLUMNS: tuple[str, ...] = (
    "run_id",
    "organisation",
    "point",
    "replicate",
    "seed",
    "status",
    "error",
)
SERIES_KEYS: tuple[str, ...] = ("run_id", "organisation", "step")
_BOOLEAN_SUMMARIES = ("reverted", "never_distributed")
_DTYPES = {"float": "float64", "int": "int64", "bool": "bool", "str": "str"}


@dataclass(frozen=True)
class RunPlan:
    """A run ready to simulate (``spec``), or refused before simulation (``error``)."""

    design: RunDesign
    spec: RunSpec | None
    organisations: int
    error: str = ""


@dataclass(frozen=True)
class Batch:
    """Runs that advance together, and what to keep of them; picklable."""

    batch_id: int
    model: str
    horizon: int
    series_metrics: tuple[str, ...]
    series_every: int
    factor_kinds: tuple[tuple[str, str], ...]
    runs: tuple[RunPlan, ...]
    extensions: tuple[str, ...] = ()
    device: str = "cpu"  # where the engine runs: "cpu", or "gpu" (leadsim.engine.gpu)

    @property
    def run_ids(self) -> list[int]:
        """The ids of the batch's runs."""
        return [plan.design.run_id for plan in self.runs]


@dataclass(frozen=True)
class BatchResult:
    """What a batch produced: one row per run and organisation, and tidy series (or None)."""

    batch_id: int
    runs: pd.DataFrame
    series: pd.DataFrame | None
    seconds: float


# --- planning -------------------------------------------------------------------------------


def plan_runs(
    experiment: Experiment,
    designs: Sequence[RunDesign],
    cache: dict[int, tuple[Any, int, tuple[Event, ...], str]] | None = None,
) -> list[RunPlan]:
    """Build each run's engine input from the base scenario, fixed settings and factors.

    Parameters are validated here, once per design point (``cache`` keeps them across
    calls, by point): a combination the model refuses (``tolerance_low`` above
    ``tolerance_high``, say) makes the run ``invalid`` with the one-line reason, and
    the sweep goes on.
    """
    if not experiment.uses_engine:
        return [RunPlan(design, None, 1) for design in designs]
    cache = {} if cache is None else cache
    plans = []
    for design in designs:
        if design.point not in cache:
            cache[design.point] = _point_inputs(experiment, design.factors)
        params, organisations, events, error = cache[design.point]
        spec = None if error else RunSpec(params, design.seed, organisations, events)
        plans.append(RunPlan(design, spec, organisations, error))
    return plans


def _point_inputs(experiment: Experiment, factors: dict[str, Any]) -> tuple[Any, int, tuple, str]:
    """(parameters, organisations, events, error) of one design point."""
    scenario = experiment.scenario
    settings = {**experiment.settings, **factors}
    organisations = int(settings.get("organisations", scenario.organisations))
    changes = {name: value for name, value in settings.items() if name in FIELD_NAMES}
    events = [*scenario.events, *experiment.events]
    try:
        if "shock_size" in settings:
            events.append(
                make_event(
                    settings["shock_step"], "accountability_shock", size=settings["shock_size"]
                )
            )
        events.sort(key=lambda event: event.step)
        params = scenario.params.replace(**changes)
        checked = replace(
            scenario,
            name=experiment.name,
            source=None,
            params=params,
            organisations=organisations,
            events=tuple(events),
            horizon=experiment.horizon,
        )
    except (ParameterError, EventError, ScenarioError) as err:
        message = str(err).removeprefix(f"scenario {experiment.name}: ")
        return None, organisations, (), message.splitlines()[0]
    return checked.params, organisations, checked.events, ""


def make_batches(experiment: Experiment, plans: Sequence[RunPlan], batch_size: int) -> list[Batch]:
    """Group runs of equal size (staff, organisations) into batches of at most ``batch_size``.

    Groups keep run order and are numbered by their first run, so the batches of a
    design depend on nothing but the design and ``batch_size``.
    """
    groups: dict[tuple[int, int], list[RunPlan]] = defaultdict(list)
    for plan in plans:
        size = plan.spec.params.n_staff if plan.spec is not None else 0
        groups[size, plan.organisations].append(plan)
    kinds = factor_kinds(experiment)
    chunks = [
        members[k : k + batch_size]
        for members in groups.values()
        for k in range(0, len(members), batch_size)
    ]
    chunks.sort(key=lambda chunk: chunk[0].design.run_id)
    return [batch_of(experiment, b, chunk, kinds) for b, chunk in enumerate(chunks)]


def factor_kinds(experiment: Experiment) -> tuple[tuple[str, str], ...]:
    """Each factor's name and value type (``float``, ``int``, ``bool`` or ``str``)."""
    return tuple(
        (name, setting_kind(name).__name__ if experiment.uses_engine else "float")
        for name in experiment.factor_names
    )


def batch_of(
    experiment: Experiment,
    batch_id: int,
    plans: Sequence[RunPlan],
    kinds: tuple[tuple[str, str], ...] | None = None,
) -> Batch:
    """A batch of planned runs of ``experiment`` (runs of one size, in run order)."""
    return Batch(
        batch_id=batch_id,
        model=experiment.model,
        horizon=experiment.horizon,
        series_metrics=experiment.series_metrics,
        series_every=experiment.series_every,
        factor_kinds=factor_kinds(experiment) if kinds is None else kinds,
        runs=tuple(plans),
        extensions=experiment.extensions,
    )


# --- simulating -----------------------------------------------------------------------------


def simulate_batch(batch: Batch) -> BatchResult:
    """Simulate a batch: the runs table and the tidy series table of its runs.

    Never raises for a run's failure: each run's row carries its status and error.
    """
    started = time.perf_counter()
    if batch.model == LEADSIM_MODEL:
        rows, series = _simulate_engine(batch)
    else:
        rows, series = _evaluate_model(batch)
    runs = _runs_frame(batch, rows)
    return BatchResult(batch.batch_id, runs, series, time.perf_counter() - started)


def _simulate_engine(batch: Batch) -> tuple[list[dict[str, Any]], pd.DataFrame | None]:
    valid = [plan for plan in batch.runs if plan.spec is not None]
    rows: dict[int, list[dict[str, Any]]] = {}
    frames: list[pd.DataFrame] = []
    for plan in batch.runs:
        if plan.spec is None:
            rows[plan.design.run_id] = _failed_rows(plan, INVALID, plan.error)
    if valid:
        try:
            new_rows, frame = _run_engine(batch, valid)
            rows.update(new_rows)
            frames.append(frame)
        except Exception:  # a run broke the batch: find it by running each alone
            for plan in valid:
                try:
                    new_rows, frame = _run_engine(batch, [plan])
                except Exception as err:
                    rows[plan.design.run_id] = _failed_rows(plan, ERROR, _one_line(err))
                else:
                    rows.update(new_rows)
                    frames.append(frame)
    ordered = [row for run_id in batch.run_ids for row in rows[run_id]]
    kept = [frame for frame in frames if frame is not None]
    return ordered, (pd.concat(kept, ignore_index=True) if kept else None)


def _run_engine(
    batch: Batch, plans: Sequence[RunPlan]
) -> tuple[dict[int, list[dict[str, Any]]], pd.DataFrame | None]:
    """Simulate ``plans`` together: their rows, and their series in run order (or None)."""
    with np.errstate(all="ignore"):
        extensions = [load_extension(ref) for ref in batch.extensions]
        engine = Engine([plan.spec for plan in plans], extensions, device=batch.device)
        engine.run(batch.horizon)
        traces = series_of(engine)
        summaries = summaries_of(engine)
    rows = {}
    problems = _first_nonfinite(traces, summaries)
    for r, plan in enumerate(plans):
        orgs = np.flatnonzero(engine.org_run == r)
        status, error = _finiteness(problems, orgs)
        rows[plan.design.run_id] = [
            _row(plan, int(engine.org_local[o]), status, error, summaries, o) for o in orgs
        ]
    if not (batch.series_every and batch.series_metrics):
        return rows, None
    run_ids = np.array([plan.design.run_id for plan in plans], dtype=np.int64)
    return rows, _series_frame(batch, traces, run_ids[engine.org_run], engine.org_local)


def _first_nonfinite(
    traces: dict[str, np.ndarray], summaries: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per organisation, the first week and metric that are not finite, and the first summary.

    Metrics and summaries are given as indices in METRICS and SUMMARIES (one past the
    end, and a week past the end, where all are finite). One pass over the batch's
    series; a run's status is then read off its organisations.
    """
    steps, n_org = traces[METRICS[0]].shape
    week = np.full(n_org, steps, dtype=np.int64)
    metric = np.full(n_org, len(METRICS), dtype=np.int64)
    for k, name in enumerate(METRICS):
        bad = ~np.isfinite(traces[name])
        if not bad.any():
            continue
        first = np.where(bad.any(axis=0), bad.argmax(axis=0), steps)
        earlier = first < week  # metrics in METRICS order: ties go to the earlier metric
        week[earlier], metric[earlier] = first[earlier], k
    summary = np.full(n_org, len(SUMMARIES), dtype=np.int64)
    for k, name in enumerate(SUMMARIES):
        bad = ~np.isfinite(np.asarray(summaries[name], dtype=np.float64))
        summary[bad & (summary == len(SUMMARIES))] = k
    return week, metric, summary


def _finiteness(
    problems: tuple[np.ndarray, np.ndarray, np.ndarray], orgs: np.ndarray
) -> tuple[str, str]:
    """A run's status: the first metric or summary of its organisations that is not finite."""
    week, metric, summary = (values[orgs] for values in problems)
    if (metric < len(METRICS)).any():
        o = np.lexsort((metric, week))[0]  # the earliest week, then the earliest metric
        return NONFINITE, f"{METRICS[metric[o]]} is not finite from week {week[o]}"
    if (summary < len(SUMMARIES)).any():
        return NONFINITE, f"{SUMMARIES[int(summary.min())]} is not finite"
    return OK, ""


def _row(
    plan: RunPlan,
    organisation: int,
    status: str,
    error: str,
    summaries: dict[str, np.ndarray],
    o: int,
) -> dict[str, Any]:
    row = _identity(plan, organisation, status, error)
    for name in SUMMARIES:
        value = summaries[name][o]
        if name == "time_to_reversion":
            value = int(value) if value >= 0 else None  # empty: the organisation did not revert
        elif name in _BOOLEAN_SUMMARIES:
            value = bool(value)
        else:
            value = float(value)
        row[name] = value
    return row


def _identity(plan: RunPlan, organisation: int, status: str, error: str) -> dict[str, Any]:
    design = plan.design
    return {
        "run_id": design.run_id,
        "organisation": organisation,
        "point": design.point,
        "replicate": design.replicate,
        "seed": design.seed,
        "status": status,
        "error": error,
        **design.factors,
    }


def _failed_rows(plan: RunPlan, status: str, error: str) -> list[dict[str, Any]]:
    return [_identity(plan, o, status, error) for o in range(max(1, plan.organisations))]


def _series_frame(
    batch: Batch, traces: dict[str, np.ndarray], run_of_org: np.ndarray, local: np.ndarray
) -> pd.DataFrame:
    """Tidy series: a row per (run, organisation, kept step), a column per kept metric.

    The engine lays organisations out in run order, so rows come sorted by run.
    """
    steps = np.arange(0, batch.horizon, batch.series_every, dtype=np.int64)
    n_org = run_of_org.size
    columns: dict[str, np.ndarray] = {
        "run_id": np.repeat(run_of_org, steps.size),
        "organisation": np.repeat(local.astype(np.int64), steps.size),
        "step": np.tile(steps, n_org),
    }
    for name in batch.series_metrics:
        columns[name] = np.ascontiguousarray(traces[name][steps].T).reshape(-1)
    return pd.DataFrame(columns)


def _evaluate_model(batch: Batch) -> tuple[list[dict[str, Any]], None]:
    """Evaluate an external ``module:function`` model on the batch's factor values."""
    function = resolve_model(batch.model)
    rows: list[dict[str, Any]] = []
    try:
        outputs = _call_model(function, batch.runs)
    except Exception:
        outputs = []
        for plan in batch.runs:
            try:
                outputs.extend(_call_model(function, [plan]))
            except Exception as err:
                outputs.append(_one_line(err))
    for plan, output in zip(batch.runs, outputs, strict=True):
        if isinstance(output, str):
            rows.extend(_failed_rows(plan, ERROR, output))
            continue
        finite = all(np.isfinite(v) for v in output.values())
        bad = "" if finite else "an output is not finite"
        rows.append({**_identity(plan, 0, OK if finite else NONFINITE, bad), **output})
    return rows, None


def _call_model(function: Callable[..., Any], plans: Sequence[RunPlan]) -> list[dict[str, float]]:
    points = [dict(plan.design.factors) for plan in plans]
    if "seeds" in inspect.signature(function).parameters:
        frame = function(points, seeds=[plan.design.seed for plan in plans])
    else:
        frame = function(points)
    frame = pd.DataFrame(frame)
    if len(frame) != len(points):
        raise ValueError(f"the model returned {len(frame)} rows for {len(points)} runs")
    clash = sorted(set(frame.columns) & {*RUN_COLUMNS, *points[0]})
    if clash:
        raise ValueError(f"the model's output {clash[0]!r} clashes with a run column")
    return [{str(k): float(v) for k, v in record.items()} for record in frame.to_dict("records")]


def _runs_frame(batch: Batch, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The batch's rows with fixed column order and types, the same in every batch."""
    factor_names = [name for name, _ in batch.factor_kinds]
    if batch.model == LEADSIM_MODEL:
        outputs = list(SUMMARIES)
    else:
        outputs = sorted({key for row in rows for key in row} - {*RUN_COLUMNS, *factor_names})
    frame = pd.DataFrame(rows, columns=[*RUN_COLUMNS, *factor_names, *outputs])
    types: dict[str, str] = {
        "run_id": "int64",
        "organisation": "int64",
        "point": "int64",
        "replicate": "int64",
        "seed": "int64",
        "status": "str",
        "error": "str",
    }
    types.update({name: _DTYPES[kind] for name, kind in batch.factor_kinds})
    for name in outputs:
        if name in _BOOLEAN_SUMMARIES:
            types[name] = "boolean"
        elif name == "time_to_reversion":
            types[name] = "Int64"
        else:
            types[name] = "float64"
    return frame.astype(types)


def _one_line(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


# --- executors ------------------------------------------------------------------------------


class InProcessExecutor(Executor):
    """Runs each task at submission, in this process (``--workers 1``; easy to debug)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` now; return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:
            future.set_exception(err)
        return future


def local_executor(workers: int) -> Executor:
    """This process for one worker, else a pool of ``workers`` local processes.

    Workers start from a fork server that has imported leadsim once (safe with threads,
    and much quicker than spawning each worker from scratch).
    """
    if workers <= 1:
        return InProcessExecutor()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    # scipy.stats is imported lazily by the engine's network builder: load it once here,
    # and ready the compiled kernels once, for every worker
    context.set_forkserver_preload(
        ["leadsim.experiments.runner", "scipy.stats", "leadsim.engine.compiled"]
    )
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def available_cores() -> int:
    """Cores this process may use (its CPU affinity where the system reports one)."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1

"""Sweeps and replays: the experiment system's two entry points from Python.

``run_sweep`` plans an experiment's batches (with array operations: nothing per run),
sends them to an executor as compact recipes grouped into tasks, and records each
batch's receipt as it comes back; the workers simulate and write the results
themselves. ``replay`` re-simulates one run of a finished (or interrupted) sweep alone
and checks it against the record; ``verify_sweep`` checks a results folder through.
"""

from __future__ import annotations

import contextlib
import pickle
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadsim.experiments.design import DEFAULT_MAX_RUNS, RunDesign, check_design_size
from leadsim.experiments.plan import (
    BatchRecipe,
    SweepPlan,
    batch_of_run,
    plan_sweep,
    recipe_designs,
)
from leadsim.experiments.runner import (
    InProcessExecutor,
    available_cores,
    local_executor,
    make_batches,
    plan_runs,
    simulate_batch,
)
from leadsim.experiments.spec import LEADSIM_MODEL, Experiment, ExperimentError, load_experiment
from leadsim.experiments.storage import RUNS, SweepError, SweepStore, assemble_task, file_error
from leadsim.experiments.worker import Receipt, SweepJob, run_task


@dataclass(frozen=True)
class SweepSummary:
    """What a call of :func:`run_sweep` did."""

    out: Path
    runs: int
    batches: int
    batches_run: int
    seconds: float
    status_counts: dict[str, int]
    runs_run: int = 0

    @property
    def runs_per_second(self) -> float:
        """Runs simulated by this call per second of wall time."""
        return self.runs_run / self.seconds if self.seconds > 0 else float("nan")


def design_record(experiment: Experiment, plan: SweepPlan) -> dict:
    """The design as the manifest records it."""
    return {
        "model": experiment.model,
        "method": experiment.method,
        "factors": list(experiment.factor_names),
        "points": plan.points,
        "replicates": experiment.replicates,
        "runs": plan.runs,
        "horizon": experiment.horizon,
        "seed": experiment.seed,
        "batch_size": plan.batch_size,
        "batches": len(plan.batches),
        "series_every": experiment.series_every,
        "series_metrics": list(experiment.series_metrics),
    }


def run_sweep(
    experiment_file: str | Path,
    out: str | Path,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    resume: bool = False,
    progress: bool | None = None,
    in_flight: int | None = None,
    max_runs: int | None = None,
    workers_write: bool | None = None,
    device: str = "cpu",
) -> SweepSummary:
    """Simulate every run of an experiment and record the results in ``out``.

    Args:
        experiment_file: The experiment's TOML file.
        out: The results folder (new or empty; or an interrupted sweep's with ``resume``).
        executor: Where batches run (any :class:`concurrent.futures.Executor`: a Dask
            ``Client.get_executor()``, an MPI pool …). ``None``: local processes.
        workers: Local worker processes when ``executor`` is ``None`` (default: all cores,
            or this process alone for a sweep too small to repay starting them; see
            :func:`default_workers`).
        batch_size: Runs per batch (default: the experiment's ``batch_size``).
        resume: Continue the sweep in ``out``: check every finished batch against its
            receipt, redo those that fail and those not finished.
        progress: Show a progress bar: a widget in a notebook, text on stderr
            elsewhere. ``None`` (the default): when interactive, that is in a Jupyter
            kernel or with stderr a terminal.
        in_flight: Tasks submitted ahead of completion (default: twice the workers).
        max_runs: Refuse a design of more runs than this (default:
            :data:`~leadsim.experiments.design.DEFAULT_MAX_RUNS`), before drawing it.
        workers_write: Whether workers write their results into ``out`` themselves
            (they need to see the folder) or send them back to be written here.
            ``None``: each worker writes where it sees the folder.
        device: Where the engine runs: ``"cpu"``, or ``"gpu"`` (a CUDA GPU on each worker;
            see :mod:`leadsim.engine.gpu`). Local workers then share the card (default:
            one per core, as on the CPU): building a batch's organisations, summarising
            and writing its results are the host's work, and while some workers do that
            others' batches run on the device. The default batch is sized so that every
            worker's batch fits the card's free memory and the host's at once
            (:func:`leadsim.engine.gpu.batch_runs`); with an ``executor``, so that one
            worker's does (give ``batch_size`` where several share a card).

    Returns:
        A summary: runs, batches, time and status counts.

    Raises:
        ExperimentError: The experiment file is invalid, or names code leadsim cannot use.
        SweepError: ``out`` holds another sweep, or the experiment changed since it began,
            or a file cannot be written (one line each; finished batches are kept).
    """
    experiment = load_experiment(experiment_file)
    if batch_size is not None:
        experiment = _with_batch_size(experiment, batch_size)
    check_design_size(experiment, DEFAULT_MAX_RUNS if max_runs is None else max_runs)
    check_device(experiment, device, local=executor is None)
    store = SweepStore(out)
    store.prepare()
    if resume and store.exists() and batch_size is None:
        recorded = store.read()["design"]["batch_size"]
        if recorded != experiment.batch_size:
            experiment = _with_batch_size(experiment, recorded)
    elif device == "gpu" and batch_size is None:
        experiment = _with_batch_size(experiment, _gpu_batch_size(experiment, executor, workers))

    check_references(experiment)  # a run is about to start: resolve what the file names
    plan = plan_sweep(experiment)
    design = design_record(experiment, plan)
    series = bool(experiment.uses_engine and experiment.series_every and experiment.series_metrics)
    with store.lock():
        _open_for_writing(store, experiment, design, resume)
        store.keep_verified(plan.batches, series)
        todo = [batch for batch in plan.batches if batch.batch_id not in store.records]
        if todo and store.manifest.get("status") != "running":
            store.manifest["status"] = "running"
            _save(store)
        started = time.perf_counter()
        runs_todo = sum(batch.size for batch in todo)
        assembled = None
        if todo:
            with _executor(executor, workers, plan, todo) as (pool, n_workers):
                _run_batches(
                    store, plan, todo, pool, n_workers, in_flight, progress, workers_write, device
                )
                assembled = _assemble_remotely(store, plan, pool)
        seconds = time.perf_counter() - started
        store.finish(
            plan.batches,
            plan.runs,
            {
                "last_call": {
                    "batches_run": len(todo),
                    "runs_run": runs_todo,
                    "seconds": round(seconds, 3),
                    "runs_per_second": round(runs_todo / seconds, 2) if seconds else None,
                }
            },
            assembled,
        )
    return SweepSummary(
        out=Path(out),
        runs=plan.runs,
        batches=len(plan.batches),
        batches_run=len(todo),
        seconds=seconds,
        status_counts=dict(store.manifest["status_counts"]),
        runs_run=runs_todo,
    )


def check_device(experiment: Experiment, device: str, local: bool = True) -> None:
    """One line if the sweep cannot run on ``device`` (before anything is written).

    ``local``: the batches run here (not on an executor's workers), so a GPU must be here.
    """
    if device not in ("cpu", "gpu"):
        raise SweepError(f"--device: {device!r} is not a device; allowed: cpu or gpu")
    if device == "cpu":
        return
    if experiment.model != LEADSIM_MODEL:
        raise SweepError(
            f"--device gpu: the experiment's model {experiment.model!r} is Python; "
            "allowed: the leadsim engine's own model only"
        )
    if experiment.extensions:
        raise SweepError(
            "--device gpu: the experiment names extensions, which run on the CPU engine only; "
            "allowed: --device cpu, or no extensions"
        )
    if not local:
        return  # the workers' GPUs: a worker is asked when the batches are sized
    from leadsim.engine import gpu  # only now: a CPU sweep never loads CUDA

    try:
        gpu.require()
    except RuntimeError as err:
        raise SweepError(f"--device gpu: {err}") from None


def _gpu_batch_size(experiment: Experiment, executor: Executor | None, workers: int | None) -> int:
    """Runs per batch on a GPU: what the card and the host hold, for the workers sharing them.

    With an executor, one of its workers is asked (it has the GPU; this process may not).
    """
    from leadsim.engine.gpu_sizing import worker_batch_runs

    size = (_typical(experiment, "n_staff"), _typical(experiment, "organisations"))
    if executor is None:
        sharing = available_cores() if workers is None else max(1, workers)
        return worker_batch_runs(*size, experiment.horizon, sharing)
    try:
        return executor.submit(worker_batch_runs, *size, experiment.horizon, 1).result()
    except RuntimeError as err:
        raise SweepError(f"--device gpu: a worker says: {err}") from None


def _save(store: SweepStore) -> None:
    try:
        store.save()
    except OSError as err:
        raise file_error(store.manifest_path, "write the manifest", err) from None


def _open_for_writing(
    store: SweepStore, experiment: Experiment, design: dict, resume: bool
) -> None:
    """Start a sweep in ``store``, or reopen the one there to resume it."""
    if store.exists():
        if not resume:
            store.read()
            old = store.manifest.get("experiment", {}).get("path")
            raise SweepError(
                f"{store.root}: holds a sweep of {old} already; add --resume to continue it, "
                "or choose another --out"
            )
        store.read()
        store.check_resumable(experiment, design)
    elif not store.is_empty():
        if not (resume and store.holds_results()):
            hint = (
                " (a sweep's results without its manifest: add --resume to recover them)"
                if store.holds_results()
                else ""
            )
            raise SweepError(f"{store.root}: not an empty folder{hint}; choose another --out")
        store.recover(experiment, design)
    else:
        store.create(experiment, design, uuid.uuid4().hex)


def check_references(experiment: Experiment) -> None:
    """Resolve the extensions and external model the experiment names, calling nothing.

    Raises:
        ExperimentError: One line naming the file, the field and what is allowed.
    """
    from leadsim.experiments.references import resolve_extension, resolve_model

    for k, reference in enumerate(experiment.extensions):
        try:
            resolve_extension(reference)
        except ValueError as err:
            message = str(err).removeprefix("extension: ")
            raise ExperimentError(f"{experiment.path}: extensions[{k}]: {message}") from None
    if not experiment.uses_engine:
        try:
            resolve_model(experiment.model)
        except ValueError as err:
            message = str(err).removeprefix("model: ")
            raise ExperimentError(f"{experiment.path}: model: {message}") from None


@contextlib.contextmanager
def _executor(
    executor: Executor | None, workers: int | None, plan: SweepPlan, todo: list[BatchRecipe]
) -> Iterator[tuple[Executor, int]]:
    """The executor to use and how many tasks it runs at once; a local pool is shut after."""
    if executor is not None:
        yield executor, _executor_workers(executor)
        return
    workers = default_workers(plan, todo, available_cores()) if workers is None else workers
    workers = min(workers, max(len(plan.tasks(todo, workers)), 1))
    pool = local_executor(workers)
    try:
        yield pool, workers
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_batches(
    store: SweepStore,
    plan: SweepPlan,
    todo: list[BatchRecipe],
    executor: Executor,
    workers: int,
    in_flight: int | None,
    progress: bool | None,
    workers_write: bool | None,
    device: str = "cpu",
) -> None:
    """Dispatch the batches to do as tasks and record their receipts as they come back."""
    if isinstance(executor, InProcessExecutor):
        in_flight = 1  # it runs a task as it is submitted: record each before the next
    in_flight = in_flight or 2 * max(workers, 1)
    job = SweepJob(
        store.manifest["sweep_id"],
        str(store.root.resolve()),
        plan.experiment,
        workers_write,
        device,
    )
    blob = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    tasks = plan.tasks(todo, workers)
    done = plan.runs - sum(batch.size for batch in todo)
    with store.appending(), _progress(plan.runs, done, progress) as bar:
        call = (
            uuid.uuid4().hex
        )  # workers cache the job by call: a copied folder has the same sweep id
        for receipts in _dispatch(executor, tasks, in_flight, call, blob):
            store.record(receipts)
            bar.update(sum(receipt.runs for receipt in receipts))


def _assemble_remotely(
    store: SweepStore, plan: SweepPlan, executor: Executor
) -> tuple[int, str] | None:
    """Have a worker assemble runs.parquet (None: this process must, as it runs them itself)."""
    if isinstance(executor, InProcessExecutor):
        return None
    future = executor.submit(
        assemble_task,
        str(store.root.resolve()),
        store.manifest["sweep_id"],
        plan.batches,
        plan.runs,
    )
    try:
        return future.result()
    except SweepError:
        raise
    except OSError as err:
        raise file_error(err.filename or store.root / RUNS, "write runs.parquet", err) from None
    except Exception as err:
        raise SweepError(
            f"{store.root / RUNS}: a worker could not assemble it ({_lost((), err)}); "
            "every batch is kept: rerun with --resume"
        ) from None


# Starting a pool of workers costs a few seconds (each imports leadsim and readies the
# compiled kernels); the engine advances about 10 million staff-weeks a second per core.
POOL_START_SECONDS = 4.0
STAFF_WEEKS_PER_SECOND = 10e6


def default_workers(plan: SweepPlan, batches: Sequence[BatchRecipe], cores: int) -> int:
    """All cores, unless the sweep is so small that this process alone finishes sooner.

    The work is estimated as runs × staff × organisations × weeks, with a run's size
    its scenario's (or the mean of a factor's values); a pool pays when
    ``work/rate > POOL_START_SECONDS + work/(cores·rate)``. External models' cost is
    unknown: they always get every core.
    """
    experiment = plan.experiment
    if cores <= 1:
        return 1
    if experiment.model != LEADSIM_MODEL:
        return cores
    runs = sum(batch.size for batch in batches)
    work = runs * _typical(experiment, "n_staff") * _typical(experiment, "organisations")
    work *= experiment.horizon
    alone = work / STAFF_WEEKS_PER_SECOND
    pooled = POOL_START_SECONDS + work / (cores * STAFF_WEEKS_PER_SECOND)
    return cores if pooled < alone else 1


def _typical(experiment: Experiment, name: str) -> float:
    """A setting's value in a typical run: fixed, or the mean of the factor's values."""
    for factor in experiment.factors:
        if factor.name == name:
            if factor.sampled:
                return (float(factor.low) + float(factor.high)) / 2
            return float(np.mean(factor.values))
    if name in experiment.settings:
        return float(experiment.settings[name])
    scenario = experiment.scenario
    return float(scenario.organisations if name == "organisations" else scenario.params.n_staff)


def _executor_workers(executor: Executor) -> int:
    """How many tasks another executor runs at once, where it says (a Dask client does)."""
    client = getattr(executor, "_client", None)
    if client is not None:
        with contextlib.suppress(Exception):
            return max(1, sum(client.nthreads().values()))
    return 16


def _with_batch_size(experiment: Experiment, batch_size: int) -> Experiment:
    from dataclasses import replace

    if batch_size < 1:
        raise SweepError(f"--batch-size: {batch_size} is not allowed; a whole number from 1")
    return replace(experiment, batch_size=batch_size)


def _dispatch(
    executor: Executor,
    tasks: list[tuple[BatchRecipe, ...]],
    in_flight: int,
    job_id: str,
    job: bytes,
) -> Iterator[list[Receipt]]:
    """Submit tasks (at most ``in_flight`` ahead) and yield their receipts as they complete.

    When a task fails, no more are sent; those already running are waited for and their
    receipts yielded (nothing finished is lost), then the failure is raised in one line.
    """
    queue = iter(tasks)
    pending: dict[Future, tuple[BatchRecipe, ...]] = {}
    failure: tuple[tuple[BatchRecipe, ...], BaseException] | None = None

    def fill() -> None:
        while failure is None and len(pending) < in_flight:
            task = next(queue, None)
            if task is None:
                return
            pending[executor.submit(run_task, job_id, job, task)] = task

    try:
        fill()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                task = pending.pop(future)
                if future.cancelled():
                    continue
                error = future.exception()
                if error is not None:
                    if failure is None:
                        failure = (task, error)
                        for other in pending:
                            other.cancel()
                    continue
                yield future.result()
            fill()
    finally:
        for future in pending:
            future.cancel()
    if failure is not None:
        raise _lost(*failure)


def _lost(task: tuple[BatchRecipe, ...], error: BaseException) -> SweepError:
    """One line for a task that failed: which batches, why, and what to do."""
    if isinstance(error, SweepError):
        return error
    if isinstance(error, OSError) and error.errno is not None:
        return file_error(error.filename or "a batch's results", "write a batch's results", error)
    if not task:
        name = type(error).__name__
        return SweepError(f"{name}: {str(error).splitlines()[0] if str(error) else ''}")
    first, last = task[0], task[-1]
    which = (
        f"batch {first.batch_id}"
        if len(task) == 1
        else (f"batches {first.batch_id}–{last.batch_id}")
    )
    name = type(error).__name__
    if name in ("BrokenProcessPool", "KilledWorker"):
        why = "a worker process died (killed, or out of memory)"
    else:
        text = str(error).splitlines()[0] if str(error) else ""
        why = f"{name}: {text}" if text else name
    return SweepError(
        f"{which} (runs {first.start}–{last.stop - 1}) lost: {why}; finished batches are "
        "kept: rerun with --resume"
    )


@contextlib.contextmanager
def _progress(total: int, initial: int, enabled: bool | None) -> Iterator[Any]:
    from leadsim.notebook import in_notebook

    notebook = in_notebook()
    if enabled is None:
        enabled = notebook or sys.stderr.isatty()
    if notebook:
        from tqdm.auto import tqdm  # a widget where ipywidgets can draw one
    else:
        from tqdm import tqdm

    with tqdm(
        total=total,
        initial=initial,
        unit="run",
        desc="sweep",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.1,
    ) as bar:
        yield bar


@contextlib.contextmanager
def dask_executor(address: str, timeout: str = "30s") -> Iterator[Executor]:
    """An executor on an existing Dask cluster, closed on exit.

    Args:
        address: The scheduler's address (``tcp://host:8786``) or a scheduler file
            (``scheduler.json``, as written by ``dask scheduler --scheduler-file``).
        timeout: How long to try to reach the scheduler.
    """
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise SweepError("--scheduler: the `distributed` package is not installed") from None
    try:
        if address.endswith(".json") and Path(address).is_file():
            client = Client(scheduler_file=address, timeout=timeout)
        else:
            client = Client(address, timeout=timeout)
    except (OSError, TimeoutError) as err:
        raise SweepError(
            f"--scheduler: cannot reach a Dask scheduler at {address} ({err})"
        ) from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()


# --- replay ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    """A run of a sweep simulated again, alone, with what the sweep recorded of it."""

    experiment: Experiment
    design: RunDesign
    runs: pd.DataFrame
    series: pd.DataFrame | None
    recorded_runs: pd.DataFrame
    recorded_series: pd.DataFrame | None
    differences: tuple[str, ...]
    events: tuple[tuple[int, int, str], ...]
    device: str = "cpu"  # where the replay ran
    recorded_device: str = "cpu"  # where the sweep ran the run's batch
    tolerance: float = 0.0  # relative, for floats; 0: bit for bit

    @property
    def identical(self) -> bool:
        """Whether the replay equals the sweep's record (bit for bit when ``tolerance`` is 0)."""
        return not self.differences


def open_sweep(out: str | Path) -> tuple[SweepStore, Experiment]:
    """A sweep's folder and its experiment, read back from the folder's snapshots.

    The experiment file and the base scenario file are read from their copies in the
    folder, so a sweep replays and reports the same when the originals have since
    changed, moved or gone; a copy that does not match the hash the sweep recorded is
    refused (a tampered folder runs nothing it names).
    """
    store = SweepStore(out)
    manifest = store.read()
    store.check_snapshots()
    experiment = load_experiment(
        manifest["experiment"]["path"], text=store.snapshot(), scenario=store.scenario_snapshot()
    )
    batch_size = manifest["design"]["batch_size"]
    return store, _with_batch_size(experiment, batch_size)


def verify_sweep(out: str | Path) -> str:
    """Check a finished sweep's folder through; one line on what is right.

    Checks the experiment's copy against its hash, every batch's parts against their
    receipts (checksum, batch id and rows in the part's metadata), that every run
    appears exactly once, and ``runs.parquet`` against the hash the manifest recorded.

    Raises:
        SweepError: One line on the first thing wrong, and what to do.
    """
    store, experiment = open_sweep(out)
    plan = plan_sweep(experiment)
    series = bool(experiment.uses_engine and experiment.series_every and experiment.series_metrics)
    return store.verify(plan.batches, plan.runs, series)


def replay(out: str | Path, run_id: int) -> Replay:
    """Re-simulate run ``run_id`` of the sweep in ``out`` alone, every step and metric kept.

    Raises:
        SweepError: No sweep in ``out``, no such run, or the run's batch has not finished.
    """
    from dataclasses import replace

    store, experiment = open_sweep(out)
    plan = plan_sweep(experiment)
    if not 0 <= run_id < plan.runs:
        raise SweepError(f"run {run_id}: no such run; allowed: 0 to {plan.runs - 1}")
    recipe = batch_of_run(plan, run_id)
    batch_id = recipe.batch_id
    if batch_id not in store.done:
        raise SweepError(f"run {run_id}: its batch {batch_id} has not finished; resume the sweep")
    design = next(d for d in recipe_designs(experiment, recipe) if d.run_id == run_id)
    plan_ = plan_runs(experiment, [design])[0]
    alone = make_batches(experiment, [plan_], 1)[0]
    full = replace(alone, series_every=1 if experiment.uses_engine else 0)
    if experiment.uses_engine:
        from leadsim.engine.metrics import METRICS

        full = replace(full, series_metrics=METRICS)
    check_references(experiment)
    recorded_device = store.records[batch_id].get("device", "cpu")
    device, tolerance = _replay_device(recorded_device)
    result = simulate_batch(replace(full, device=device))
    recorded_runs = pd.read_parquet(store.runs_path(batch_id))
    recorded_runs = recorded_runs[recorded_runs["run_id"] == run_id].reset_index(drop=True)
    recorded_series = None
    if experiment.series_every and store.series_path(batch_id).is_file():
        recorded_series = pd.read_parquet(store.series_path(batch_id))
        recorded_series = recorded_series[recorded_series["run_id"] == run_id].reset_index(
            drop=True
        )
    differences = _compare(result.runs, recorded_runs, "summary", tolerance)
    if recorded_series is not None and result.series is not None:
        kept = result.series[result.series["step"] % experiment.series_every == 0]
        kept = kept[list(recorded_series.columns)].reset_index(drop=True)
        differences += _compare(kept, recorded_series, "series", tolerance)
    events = ()
    if plan_.spec is not None:
        events = tuple(
            (event.step, o, event.label())
            for event in plan_.spec.events
            if event.kind != "set" or not experiment.ramps
            for o in (
                range(plan_.organisations) if event.organisation is None else [event.organisation]
            )
        )
    return Replay(
        experiment,
        plan_.design,
        result.runs,
        result.series,
        recorded_runs,
        recorded_series,
        tuple(differences),
        events,
        device,
        recorded_device,
        tolerance,
    )


# A GPU's batch replayed on a CPU: floats may differ in their last bits (CUDA's exp, fused
# multiply-adds), and a run whose value lies that close to a threshold could go the other
# way; within this relative tolerance the two count as the same run.
CPU_FOR_GPU_TOLERANCE = 1e-9


def _replay_device(recorded: str) -> tuple[str, float]:
    """Where to replay a batch that ran on ``recorded``, and the float tolerance that implies."""
    if recorded != "gpu":
        return "cpu", 0.0
    from leadsim.engine import gpu

    try:
        gpu.require()
    except RuntimeError:
        return "cpu", CPU_FOR_GPU_TOLERANCE  # no GPU here: the CPU's engine, nearly equal
    return "gpu", 0.0  # the same kernels on a GPU: bit for bit


def _compare(new: pd.DataFrame, old: pd.DataFrame, what: str, tolerance: float = 0.0) -> list[str]:
    """Columns where two tables differ (values bit for bit, missing values alike).

    With ``tolerance``, floats may differ by that much relative (other types exactly).
    """
    if new.shape != old.shape or list(new.columns) != list(old.columns):
        return [f"{what}: shape {new.shape} vs recorded {old.shape}"]
    differences = []
    for column in new.columns:
        a, b = new[column], old[column]
        if a.dtype != b.dtype:
            differences.append(f"{what}.{column}: type {a.dtype} vs recorded {b.dtype}")
            continue
        same_missing = np.array_equal(a.isna().to_numpy(), b.isna().to_numpy())
        present = ~a.isna().to_numpy()
        values_a, values_b = a.to_numpy()[present], b.to_numpy()[present]
        if tolerance and a.dtype.kind == "f" and same_missing:
            same = np.allclose(values_a, values_b, rtol=tolerance, atol=0.0)
        else:
            same = np.array_equal(values_a, values_b)
        if not (same_missing and same):
            differences.append(f"{what}.{column}")
    return differences


def runs_table(out: str | Path) -> pd.DataFrame:
    """The runs of a sweep: ``runs.parquet``, or the finished batches' if it is unfinished."""
    store, experiment = open_sweep(out)
    path = store.root / RUNS
    if store.manifest.get("status") == "complete":
        if not store.runs_complete():
            raise SweepError(
                f"{path}: missing or does not match the sha256 the manifest recorded; "
                "rerun the sweep with --resume to assemble it again"
            )
        return pd.read_parquet(path)
    plan = plan_sweep(experiment)
    return store.gather_runs(plan.batches, plan.runs)

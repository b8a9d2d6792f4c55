"""Sweeps and replays: the experiment system's two entry points from Python.

``run_sweep`` expands an experiment into runs, batches them, dispatches the batches
to an executor and records each batch as it completes; ``replay`` re-simulates one
run of a finished (or interrupted) sweep alone and checks it against the record.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadsim.experiments.design import RunDesign, expand
from leadsim.experiments.runner import (
    Batch,
    BatchResult,
    InProcessExecutor,
    available_cores,
    local_executor,
    make_batches,
    plan_runs,
    simulate_batch,
)
from leadsim.experiments.spec import LEADSIM_MODEL, Experiment, load_experiment
from leadsim.experiments.storage import RUNS, SweepError, SweepStore


@dataclass(frozen=True)
class SweepSummary:
    """What a call of :func:`run_sweep` did."""

    out: Path
    runs: int
    batches: int
    batches_run: int
    seconds: float
    status_counts: dict[str, int]

    @property
    def runs_per_second(self) -> float:
        """Runs simulated by this call per second of wall time."""
        done = self.runs * self.batches_run / max(self.batches, 1)
        return done / self.seconds if self.seconds > 0 else float("nan")


def design_record(experiment: Experiment, designs: list[RunDesign], batches: list[Batch]) -> dict:
    """The design as the manifest records it."""
    return {
        "model": experiment.model,
        "method": experiment.method,
        "factors": list(experiment.factor_names),
        "points": len({d.point for d in designs}),
        "replicates": experiment.replicates,
        "runs": len(designs),
        "horizon": experiment.horizon,
        "seed": experiment.seed,
        "batch_size": experiment.batch_size,
        "batches": len(batches),
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
    progress: bool = False,
    in_flight: int | None = None,
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
        resume: Continue the sweep in ``out``: skip done batches, redo partial ones.
        progress: Show a progress bar on stderr.
        in_flight: Batches submitted ahead of completion (default: twice the local
            workers; 512 for another executor, whose size is not known here).

    Returns:
        A summary: runs, batches, time and status counts.

    Raises:
        ExperimentError: The experiment file is invalid.
        SweepError: ``out`` holds another sweep, or the experiment changed since it began.
    """
    experiment = load_experiment(experiment_file)
    if batch_size is not None:
        experiment = _with_batch_size(experiment, batch_size)
    store = SweepStore(out)
    if resume and store.exists():
        recorded = store.read()["design"]["batch_size"]
        if batch_size is None and recorded != experiment.batch_size:
            experiment = _with_batch_size(experiment, recorded)
    designs = expand(experiment)
    batches = make_batches(experiment, plan_runs(experiment, designs), experiment.batch_size)
    design = design_record(experiment, designs, batches)
    if not resume or not store.exists():
        store.create(experiment, design)
    with store.lock():
        if resume:
            store.resume(experiment, design)
            store.clean_partial()
        todo = [batch for batch in batches if batch.batch_id not in store.done]
        started = time.perf_counter()
        owned = executor is None
        if executor is None:
            workers = default_workers(todo, available_cores()) if workers is None else workers
            executor = local_executor(min(workers, max(len(todo), 1)))
            in_flight = in_flight or 2 * max(workers, 1)
        elif in_flight is None:
            in_flight = 512
        if isinstance(executor, InProcessExecutor):
            in_flight = 1  # it runs a batch as it is submitted: write each before the next
        n_done = sum(len(b.runs) for b in batches if b.batch_id in store.done)
        try:
            with _progress(len(designs), n_done, progress) as bar:
                for result in _dispatch(executor, todo, in_flight):
                    store.write_batch(result.batch_id, result.runs, result.series, result.seconds)
                    bar.update(int(result.runs["run_id"].nunique()))
        finally:
            if owned:
                executor.shutdown(wait=True, cancel_futures=True)
        seconds = time.perf_counter() - started
        runs_this_call = sum(len(b.runs) for b in todo)
        store.finish(
            {
                "last_call": {
                    "batches_run": len(todo),
                    "runs_run": runs_this_call,
                    "seconds": round(seconds, 3),
                    "runs_per_second": round(runs_this_call / seconds, 2) if seconds else None,
                }
            }
        )
    return SweepSummary(
        out=Path(out),
        runs=len(designs),
        batches=len(batches),
        batches_run=len(todo),
        seconds=seconds,
        status_counts=dict(store.manifest["status_counts"]),
    )


# Starting a pool of workers costs a few seconds (each imports leadsim and readies the
# compiled kernels); the engine advances about 10 million staff-weeks a second per core.
POOL_START_SECONDS = 4.0
STAFF_WEEKS_PER_SECOND = 10e6


def default_workers(batches: Sequence[Batch], cores: int) -> int:
    """All cores, unless the sweep is so small that this process alone finishes sooner.

    The work is estimated as staff × organisations × weeks over the runs; a pool pays
    when ``work/rate > POOL_START_SECONDS + work/(cores·rate)``. External models' cost
    is unknown: they always get every core.
    """
    if cores <= 1:
        return 1
    if any(batch.model != LEADSIM_MODEL for batch in batches):
        return cores
    work = sum(
        plan.spec.params.n_staff * plan.organisations * batch.horizon
        for batch in batches
        for plan in batch.runs
        if plan.spec is not None
    )
    alone = work / STAFF_WEEKS_PER_SECOND
    pooled = POOL_START_SECONDS + work / (cores * STAFF_WEEKS_PER_SECOND)
    return cores if pooled < alone else 1


def _with_batch_size(experiment: Experiment, batch_size: int) -> Experiment:
    from dataclasses import replace

    if batch_size < 1:
        raise SweepError(f"--batch-size: {batch_size} is not allowed; a whole number from 1")
    return replace(experiment, batch_size=batch_size)


def _dispatch(executor: Executor, batches: list[Batch], in_flight: int) -> Iterator[BatchResult]:
    """Submit batches (at most ``in_flight`` ahead) and yield results as they complete."""
    queue = iter(batches)
    pending: dict[Future, Batch] = {}

    def fill() -> None:
        while len(pending) < in_flight:
            batch = next(queue, None)
            if batch is None:
                return
            pending[executor.submit(simulate_batch, batch)] = batch

    try:
        fill()
        while pending:
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: pending[f].batch_id):
                batch = pending.pop(future)
                try:
                    result = future.result()
                except Exception as err:
                    raise SweepError(
                        f"batch {batch.batch_id} (runs {batch.run_ids[0]}–{batch.run_ids[-1]}) "
                        f"was lost: {type(err).__name__}: {err}; finished batches are kept: "
                        "rerun with --resume"
                    ) from err
                yield result
            fill()
    finally:
        for future in pending:
            future.cancel()


@contextlib.contextmanager
def _progress(total: int, initial: int, enabled: bool) -> Iterator[Any]:
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

    @property
    def identical(self) -> bool:
        """Whether the replay equals the sweep's record, bit for bit."""
        return not self.differences


def open_sweep(out: str | Path) -> tuple[SweepStore, Experiment]:
    """A sweep's folder and its experiment, read back from the folder's snapshots.

    The experiment file and the base scenario file are read from their copies in the
    folder, so a sweep replays and reports the same when the originals have since
    changed, moved or gone.
    """
    store = SweepStore(out)
    manifest = store.read()
    experiment = load_experiment(
        manifest["experiment"]["path"], text=store.snapshot(), scenario=store.scenario_snapshot()
    )
    batch_size = manifest["design"]["batch_size"]
    return store, _with_batch_size(experiment, batch_size)


def replay(out: str | Path, run_id: int) -> Replay:
    """Re-simulate run ``run_id`` of the sweep in ``out`` alone, every step and metric kept.

    Raises:
        SweepError: No sweep in ``out``, no such run, or the run's batch has not finished.
    """
    from dataclasses import replace

    store, experiment = open_sweep(out)
    designs = expand(experiment)
    if not 0 <= run_id < len(designs):
        raise SweepError(f"run {run_id}: no such run; allowed: 0 to {len(designs) - 1}")
    plans = plan_runs(experiment, designs)
    batch_of = {
        rid: batch.batch_id
        for batch in make_batches(experiment, plans, experiment.batch_size)
        for rid in batch.run_ids
    }
    batch_id = batch_of[run_id]
    if batch_id not in store.done:
        raise SweepError(f"run {run_id}: its batch {batch_id} has not finished; resume the sweep")
    plan = plans[run_id]
    alone = make_batches(experiment, [plan], 1)[0]
    full = replace(alone, series_every=1 if experiment.uses_engine else 0)
    if experiment.uses_engine:
        from leadsim.engine.metrics import METRICS

        full = replace(full, series_metrics=METRICS)
    result = simulate_batch(full)
    recorded_runs = pd.read_parquet(store.runs_path(batch_id))
    recorded_runs = recorded_runs[recorded_runs["run_id"] == run_id].reset_index(drop=True)
    recorded_series = None
    if experiment.series_every and store.series_path(batch_id).is_file():
        recorded_series = pd.read_parquet(store.series_path(batch_id))
        recorded_series = recorded_series[recorded_series["run_id"] == run_id].reset_index(
            drop=True
        )
    differences = _compare(result.runs, recorded_runs, "summary")
    if recorded_series is not None and result.series is not None:
        kept = result.series[result.series["step"] % experiment.series_every == 0]
        kept = kept[list(recorded_series.columns)].reset_index(drop=True)
        differences += _compare(kept, recorded_series, "series")
    events = ()
    if plan.spec is not None:
        events = tuple(
            (event.step, o, event.label())
            for event in plan.spec.events
            if event.kind != "set" or not experiment.ramps
            for o in (
                range(plan.organisations) if event.organisation is None else [event.organisation]
            )
        )
    return Replay(
        experiment,
        plan.design,
        result.runs,
        result.series,
        recorded_runs,
        recorded_series,
        tuple(differences),
        events,
    )


def _compare(new: pd.DataFrame, old: pd.DataFrame, what: str) -> list[str]:
    """Columns where two tables differ (values bit for bit, missing values alike)."""
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
        if not (same_missing and np.array_equal(values_a, values_b)):
            differences.append(f"{what}.{column}")
    return differences


def runs_table(out: str | Path) -> pd.DataFrame:
    """The runs of a sweep: ``runs.parquet``, or the finished batches' if it is unfinished."""
    store = SweepStore(out)
    store.read()
    path = store.root / RUNS
    if store.manifest.get("status") == "complete" and path.is_file():
        return pd.read_parquet(path)
    return store.gather_runs()

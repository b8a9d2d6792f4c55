"""The targets' simulated values for many parameter draws at once, on the batched engine.

A generation's draws are runs of one inline experiment (the targets file's scenario
and fixed settings, the inferred parameters as factors), planned and batched exactly
as a sweep's (:mod:`leadsim.experiments.runner`): runs of one size advance together
on the many-organisations engine, batch after batch, on any
:class:`concurrent.futures.Executor` (this process, local worker processes, a Dask
cluster). Run ``i`` is draw ``i // replicates``, replicate ``i % replicates``; its
results depend on nothing but its parameters and seed.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import replace

import numpy as np
import pandas as pd

from leadsim.calibration.targets import Calibration, Target
from leadsim.experiments.design import run_designs
from leadsim.experiments.points import inline_experiment
from leadsim.experiments.runner import OK, make_batches, plan_runs, simulate_batch
from leadsim.experiments.spec import Experiment


def calibration_experiment(calibration: Calibration) -> Experiment:
    """The inline experiment whose runs a calibration simulates (weekly series kept)."""
    experiment = inline_experiment(
        calibration.scenario,
        calibration.parameter_names,
        settings=calibration.settings,
        horizon=calibration.horizon,
        seed=calibration.seed,
        batch_size=calibration.batch_size,
        name=calibration.name,
    )
    metrics = calibration.metrics
    return replace(experiment, series_metrics=metrics, series_every=1 if metrics else 0)


def simulate_targets(
    calibration: Calibration,
    draws: np.ndarray,
    seeds: np.ndarray,
    *,
    replicates: int | None = None,
    executor: Executor | None = None,
    experiment: Experiment | None = None,
    device: str = "cpu",
) -> np.ndarray:
    """Simulate every draw ``replicates`` times; the targets' values, ``(draws, replicates, targets)``.

    Args:
        calibration: The targets file.
        draws: ``(n, parameters)``, columns in ``calibration.parameter_names`` order.
        seeds: One seed per run (``n × replicates``).
        replicates: Runs per draw (default: the file's).
        executor: Where batches run; ``None``: this process.
        experiment: From :func:`calibration_experiment` (built if not given).
        device: Where the engine runs: ``"cpu"``, or ``"gpu"`` (see ``docs/gpu.md``).

    A run the model refuses, or whose state turns non-finite, gives NaN values.
    """
    replicates = calibration.replicates if replicates is None else replicates
    experiment = experiment or calibration_experiment(calibration)
    names = calibration.parameter_names
    draws = np.asarray(draws, dtype=np.float64).reshape(-1, len(names))
    points = [{name: float(v) for name, v in zip(names, row, strict=True)} for row in draws]
    designs = run_designs(points, replicates, np.asarray(seeds, dtype=np.int64))
    batches = make_batches(experiment, plan_runs(experiment, designs, {}), calibration.batch_size)
    if device != "cpu":
        batches = [replace(batch, device=device) for batch in batches]
    mapped = (
        map(simulate_batch, batches) if executor is None else executor.map(simulate_batch, batches)
    )
    runs_parts, series_parts = [], []
    for result in mapped:
        runs_parts.append(result.runs)
        if result.series is not None:
            series_parts.append(result.series)
    n_runs = len(points) * replicates
    runs = pd.concat(runs_parts, ignore_index=True) if runs_parts else pd.DataFrame()
    series = pd.concat(series_parts, ignore_index=True) if series_parts else None
    values = np.column_stack(
        [target_values(t, runs, series, n_runs, calibration.horizon) for t in calibration.targets]
    )
    return values.reshape(len(points), replicates, len(calibration.targets))


def target_values(
    target: Target, runs: pd.DataFrame, series: pd.DataFrame | None, n_runs: int, horizon: int
) -> np.ndarray:
    """One target's value in each run (NaN where the run failed), indexed by run id."""
    out = np.full(n_runs, np.nan)
    if runs.empty:
        return out
    failed = set(runs.loc[runs["status"] != OK, "run_id"])
    if target.summary is not None:
        frame = runs[["run_id", "organisation", target.summary]].copy()
        column = frame[target.summary]
        if target.summary == "time_to_reversion":  # not reverted: censored at the horizon
            column = column.astype("Float64").fillna(horizon)
        frame["value"] = column.astype(np.float64)
    elif series is None:  # no run kept a series: every run failed
        return out
    else:
        first, last = target.weeks
        frame = series.loc[series["step"].between(first, last), ["run_id", "organisation"]]
        frame = frame.assign(value=series.loc[frame.index, target.metric].to_numpy(np.float64))
        frame = frame.groupby(["run_id", "organisation"], sort=False, as_index=False)[
            "value"
        ].mean()
    if target.organisation is not None:
        frame = frame[frame["organisation"] == target.organisation]
    pooled = frame.groupby("run_id", sort=False)["value"].mean()
    out[pooled.index.to_numpy(np.int64)] = pooled.to_numpy(np.float64)
    if failed:
        out[np.fromiter(failed, dtype=np.int64)] = np.nan
    return out

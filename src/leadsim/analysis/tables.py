"""A sweep's results as DataFrames: runs, series, outcomes by group, the phase diagram.

Everything here is a pure function of the tables a sweep wrote, so a notebook user
gets the same numbers ``leadsim report`` prints::

    from leadsim.analysis import load_sweep, outcome_table
    sweep = load_sweep("results/")
    outcome_table(sweep.ok_runs, ["policy", "approach"])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadsim.experiments.runner import RUN_COLUMNS, SERIES_KEYS
from leadsim.experiments.spec import Experiment, Ramp
from leadsim.experiments.storage import SERIES, SweepStore
from leadsim.experiments.sweep import open_sweep, runs_table

DEFAULT_OUTCOMES: tuple[str, ...] = (
    "final_distribution_index",
    "peak_anxiety",
    "mean_anxiety",
    "capacity_built",
)
MAIN_SERIES: tuple[str, ...] = ("distribution_index", "anxiety", "trust", "leader_anxiety")
Z_95 = 1.959963984540054


@dataclass
class Sweep:
    """A sweep's folder read back: its experiment, manifest and runs table."""

    root: Path
    experiment: Experiment
    manifest: dict[str, Any]
    runs: pd.DataFrame
    _series: dict[tuple, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def ok_runs(self) -> pd.DataFrame:
        """The rows of runs that finished with status ``ok``."""
        return self.runs[self.runs["status"] == "ok"].reset_index(drop=True)

    @property
    def outputs(self) -> list[str]:
        """The per-run output columns (summaries, or an external model's outputs)."""
        factors = set(self.experiment.factor_names)
        return [c for c in self.runs.columns if c not in RUN_COLUMNS and c not in factors]

    @property
    def complete(self) -> bool:
        """Whether every batch has finished."""
        return self.manifest.get("status") == "complete"

    def series(self, metrics: Sequence[str] | None = None) -> pd.DataFrame:
        """The tidy per-step series (run_id, organisation, step, metrics) of finished batches."""
        key = tuple(metrics) if metrics is not None else ()
        if key not in self._series:
            self._series[key] = load_series(self.root, metrics)
        return self._series[key]


def load_sweep(out: str | Path) -> Sweep:
    """Read a sweep's folder (finished or not)."""
    store, experiment = open_sweep(out)
    return Sweep(Path(out), experiment, store.manifest, runs_table(out))


def load_series(out: str | Path, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """The tidy series of a sweep's finished batches, optionally only some metrics."""
    store = SweepStore(out)
    store.read()
    files = [store.series_path(b) for b in sorted(store.done)]
    files = [path for path in files if path.is_file()]
    if not files:
        return pd.DataFrame(columns=list(SERIES_KEYS))
    columns = None if metrics is None else [*SERIES_KEYS, *metrics]
    frames = [pd.read_parquet(path, columns=columns) for path in files]
    return pd.concat(frames, ignore_index=True).sort_values(list(SERIES_KEYS), ignore_index=True)


def series_dir(out: str | Path) -> Path:
    """The folder of a sweep's per-batch series files."""
    return Path(out) / SERIES


def wilson_interval(successes: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95 % Wilson score interval of a proportion (sound at 0 % and 100 %)."""
    successes, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / n
        z2 = Z_95**2
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = Z_95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n**2)) / (1 + z2 / n)
    # exact at the ends, where rounding would leave 1e-17 or 0.9999999999999999
    low = np.where(successes == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(successes == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def default_groups(sweep: Sweep) -> list[str]:
    """Factors to group by: the report's ``group_by``, else the design's categories.

    Categories are text or true/false factors; failing those, grid factors with at
    most six values (two at most), so that a plot stays readable.
    """
    experiment = sweep.experiment
    if experiment.report.group_by:
        return list(experiment.report.group_by)
    if experiment.method != "grid":
        return []
    categorical = [
        f.name for f in experiment.factors if any(isinstance(v, str | bool) for v in f.values)
    ]
    if categorical:
        return categorical
    few = [f.name for f in experiment.factors if 1 < len(f.values) <= 6]
    return few[:2]


def default_outcomes(sweep: Sweep) -> list[str]:
    """Outcomes to show: the report's ``outcomes``, else the main ones of MODEL.md §6."""
    if sweep.experiment.report.outcomes:
        return list(sweep.experiment.report.outcomes)
    if sweep.experiment.uses_engine:
        return list(DEFAULT_OUTCOMES)
    return sweep.outputs


def heatmap_axes(sweep: Sweep) -> tuple[str, str] | None:
    """The two factors of the phase diagram: the report's ``heatmap``, else two numeric grids."""
    experiment = sweep.experiment
    if experiment.report.heatmap:
        x, y = experiment.report.heatmap
        return x, y
    if experiment.method != "grid" or not experiment.uses_engine:
        return None
    numeric = [
        f.name
        for f in experiment.factors
        if len(f.values) >= 3
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in f.values)
    ]
    return (numeric[0], numeric[1]) if len(numeric) >= 2 else None


def outcome_table(
    runs: pd.DataFrame, by: Sequence[str], outcomes: Sequence[str] = DEFAULT_OUTCOMES
) -> pd.DataFrame:
    """Per group: organisations, reversion share with its 95 % interval, and outcome quartiles.

    Args:
        runs: Rows of runs with status ``ok`` (one per run and organisation).
        by: Factor columns to group by (none: one row for all).
        outcomes: Numeric per-run metrics to summarise by median and quartiles.
    """
    keys = list(by)
    grouped = runs.groupby(keys, sort=False, dropna=False) if keys else [((), runs)]
    rows = []
    for key, group in grouped:
        key = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        row["n"] = len(group)
        if "reverted" in group:
            reverted = group["reverted"].astype(float)
            low, high = wilson_interval(reverted.sum(), len(group))
            row["reverted"] = reverted.mean()
            row["reverted_low"], row["reverted_high"] = float(low), float(high)
            row["never_distributed"] = group["never_distributed"].astype(float).mean()
            row["median_time_to_reversion"] = group["time_to_reversion"].astype(float).median()
        for name in outcomes:
            values = group[name].astype(float)
            row[f"{name}_median"] = values.median()
            row[f"{name}_q25"] = values.quantile(0.25)
            row[f"{name}_q75"] = values.quantile(0.75)
        rows.append(row)
    return pd.DataFrame(rows)


def reversion_grid(runs: pd.DataFrame, x: str, y: str, value: str = "reverted") -> pd.DataFrame:
    """Share of organisations with ``value`` true (reverted) over two factors: rows y, columns x."""
    table = runs.assign(_value=runs[value].astype(float)).pivot_table(
        index=y, columns=x, values="_value", aggfunc="mean"
    )
    return table.sort_index(ascending=False).sort_index(axis=1)


def series_bands(
    series: pd.DataFrame,
    runs: pd.DataFrame,
    by: Sequence[str],
    metrics: Sequence[str] = MAIN_SERIES,
) -> pd.DataFrame:
    """Median and interquartile range of each metric per step and group (runs with status ok).

    Returns:
        Tidy rows: the group's factors, ``step``, ``metric``, ``q25``, ``median``, ``q75``.
    """
    keys = list(by)
    ok = runs.loc[runs["status"] == "ok", ["run_id", "organisation", *keys]]
    merged = series.merge(ok, on=["run_id", "organisation"], how="inner")
    metrics = [m for m in metrics if m in merged.columns]
    long = merged.melt(id_vars=[*keys, "step"], value_vars=metrics, var_name="metric")
    grouped = long.groupby([*keys, "metric", "step"], sort=True)["value"]
    bands = grouped.quantile([0.25, 0.5, 0.75]).unstack()
    bands.columns = ["q25", "median", "q75"]
    bands = bands.reset_index()
    # metrics in the order asked, groups in design order (groupby sorted them by name)
    order = {"_metric": bands["metric"].map({m: k for k, m in enumerate(metrics)})}
    if keys:
        first = ok.drop_duplicates(keys)[keys].reset_index(drop=True)
        first["_group"] = range(len(first))
        bands = bands.merge(first, on=keys, how="left")
        order["_group"] = bands.pop("_group")
    bands = bands.assign(**order).sort_values([*order, "step"], kind="stable")
    return bands.drop(columns=list(order)).reset_index(drop=True)


def ramp_values(ramps: Sequence[Ramp], steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ramped parameter's value at each step, and which ramp (branch) set it (-1: none yet)."""
    steps = np.asarray(steps)
    values = np.full(steps.shape, np.nan)
    branch = np.full(steps.shape, -1)
    for k, ramp in enumerate(sorted(ramps, key=lambda r: r.start)):
        started = steps >= ramp.start
        values[started] = [ramp.value_at(int(s)) for s in steps[started]]
        branch[started] = k
    return values, branch


def hysteresis_table(
    series: pd.DataFrame,
    runs: pd.DataFrame,
    ramps: Sequence[Ramp],
    by: Sequence[str],
    metric: str = "distribution_index",
) -> pd.DataFrame:
    """Median of ``metric`` against the ramped parameter, per ramp (branch) and group."""
    steps = np.sort(series["step"].unique())
    values, branch = ramp_values(ramps, steps)
    ordered = sorted(ramps, key=lambda r: r.start)
    labels = {
        k: f"{r.start_value:g} → {r.stop_value:g} (weeks {r.start}–{r.stop})"
        for k, r in enumerate(ordered)
    }
    lookup = pd.DataFrame({"step": steps, "level": values, "branch": branch})
    lookup = lookup[lookup["branch"] >= 0]
    lookup["branch"] = lookup["branch"].map(labels)
    bands = series_bands(series, runs, by, [metric])
    return bands.merge(lookup, on="step", how="inner")


def status_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs by status, with the most common error of each."""
    per_run = runs.drop_duplicates("run_id")
    rows = []
    for status, group in per_run.groupby("status", sort=True):
        errors = group["error"][group["error"] != ""]
        common = errors.mode().iloc[0] if len(errors) else ""
        rows.append({"status": status, "runs": len(group), "most common error": common})
    return pd.DataFrame(rows)

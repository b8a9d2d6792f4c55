"""Simulate a list of parameter points on the batched engine, without an experiment file.

Sweeps start from a TOML file; tools that draw their own points (EMA Workbench, an
optimiser, a notebook loop) have a list of ``{setting: value}`` dicts and the seeds
they want. :func:`simulate_points` runs them exactly as a sweep runs its design: each
point is validated and planned by :func:`~leadsim.experiments.runner.plan_runs`, runs
of one size advance together in batches on the many-organisations engine
(:func:`~leadsim.experiments.runner.simulate_batch`), and the result is a sweep's runs
table: one row per run and organisation, with its status and summaries.

Run ``i`` is point ``i // replicates``, replicate ``i % replicates`` (as in
:mod:`~leadsim.experiments.design`); its seed is ``seeds[i]``, so a run's results
depend on nothing but its point and seed, whatever its batch or executor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadsim.config import MAX_HORIZON, Scenario, ScenarioError, find_scenario
from leadsim.experiments.design import run_designs
from leadsim.experiments.spec import (
    DEFAULT_BATCH_SIZE,
    EXTRA_SETTINGS,
    LEADSIM_MODEL,
    Experiment,
    ExperimentError,
    Factor,
    setting_kind,
)
from leadsim.params import FIELDS

SETTING_NAMES: tuple[str, ...] = (*FIELDS, *EXTRA_SETTINGS)


def check_setting(name: str, where: str = "") -> str:
    """``name`` if it is a leadsim setting (a parameter, or a sweep's extra setting).

    Raises:
        ExperimentError: one line naming the closest setting and where to find them all.
    """
    if isinstance(name, str) and name in SETTING_NAMES:
        return name
    import difflib

    close = difflib.get_close_matches(str(name), SETTING_NAMES, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    prefix = f"{where}: " if where else ""
    raise ExperimentError(
        f"{prefix}{name!r} is not a leadsim setting{hint}; allowed: a parameter of "
        f"`leadsim params`, or {', '.join(EXTRA_SETTINGS)}"
    )


def plain_value(name: str, value: Any) -> Any:
    """``value`` as the Python type leadsim's setting ``name`` takes (numpy scalars unwrapped).

    A whole float given for a whole-number setting becomes an ``int``; anything that
    does not convert is left as it is, for the run's validation to refuse in one line.
    """
    if isinstance(value, np.generic):
        value = value.item()
    kind = setting_kind(name)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def inline_experiment(
    scenario: Scenario | str | Path,
    factor_names: Sequence[str],
    *,
    settings: Mapping[str, Any] | None = None,
    horizon: int | None = None,
    seed: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    extensions: Sequence[str] = (),
    name: str = "inline",
) -> Experiment:
    """An in-memory :class:`~leadsim.experiments.spec.Experiment` whose factors take any values.

    Its design is given point by point (:func:`simulate_points`), not drawn from the
    factors, so each factor is only a name. ``settings`` are fixed for every run, as an
    experiment file's ``[parameters]``.

    Raises:
        ExperimentError: an unknown setting, a setting given twice, a shock without its
            step, a horizon out of range, or a scenario that cannot be found (one line).
    """
    if not isinstance(scenario, Scenario):
        try:
            scenario = find_scenario(scenario)
        except (ScenarioError, ValueError, OSError) as err:
            raise ExperimentError(str(err).splitlines()[0]) from None
    settings = dict(settings or {})
    for setting in [*factor_names, *settings]:
        check_setting(setting)
    clash = sorted(set(settings) & set(factor_names))
    if clash:
        raise ExperimentError(f"{clash[0]}: is both fixed and varied; give it in one place")
    if len(set(factor_names)) != len(factor_names):
        raise ExperimentError("factors: a name is repeated; give each once")
    names = set(settings) | set(factor_names)
    for given, needed in (("shock_size", "shock_step"), ("shock_step", "shock_size")):
        if given in names and needed not in names:
            raise ExperimentError(f"{given}: needs {needed} (fixed or varied)")
    horizon = scenario.horizon if horizon is None else horizon
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= MAX_HORIZON:
        raise ExperimentError(
            f"horizon: {horizon!r} is not allowed; a whole number from 1 to {MAX_HORIZON}"
        )
    return Experiment(
        path=Path(f"<{name}>"),
        name=name,
        title=name,
        description="",
        sha256="",
        model=LEADSIM_MODEL,
        scenario=scenario,
        scenario_ref=scenario.name,
        method="grid",
        samples=0,
        second_order=False,
        levels=4,
        common_random_numbers=False,
        factors=tuple(Factor(factor) for factor in factor_names),
        settings={key: plain_value(key, value) for key, value in settings.items()},
        events=(),
        ramps=(),
        replicates=1,
        horizon=horizon,
        seed=seed,
        batch_size=batch_size,
        series_metrics=(),
        series_every=0,
        extensions=tuple(extensions),
    )


def simulate_points(
    experiment: Experiment,
    points: Sequence[Mapping[str, Any]],
    seeds: Sequence[int] | np.ndarray,
    *,
    replicates: int = 1,
    batch_size: int | None = None,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Simulate every point ``replicates`` times, in batches; return the runs table.

    Args:
        experiment: From :func:`inline_experiment`; every point sets exactly its factors.
        points: One ``{factor: value}`` dict per point.
        seeds: One seed per run (``len(points) × replicates``), 0 to 2**63 - 1.
        replicates: Runs per point; run ``i`` is point ``i // replicates``.
        batch_size: Runs per batch (default: the experiment's).
        executor: Where batches run (any :class:`concurrent.futures.Executor`);
            ``None``: this process.

    Returns:
        A sweep's runs table, sorted by run and organisation: ``run_id``, ``organisation``,
        ``point``, ``replicate``, ``seed``, ``status``, ``error``, the factors and the
        summaries. A run the model refuses has status ``invalid`` and empty summaries.

    Raises:
        ExperimentError: a point sets other settings than the factors, or the seeds do
            not match the runs (one line).
    """
    from leadsim.experiments.runner import make_batches, plan_runs, simulate_batch

    names = set(experiment.factor_names)
    n_runs = len(points) * replicates
    seeds = np.asarray(seeds, dtype=np.int64).reshape(-1)
    if seeds.size != n_runs:
        raise ExperimentError(f"seeds: {seeds.size} given for {n_runs} runs; give one per run")
    clean = []
    for k, point in enumerate(points):
        if set(point) != names:
            odd = sorted(set(point) ^ names)[0]
            raise ExperimentError(
                f"points[{k}]: {odd!r} is {'not a factor' if odd in point else 'missing'}; "
                f"every point sets exactly: {', '.join(experiment.factor_names) or 'nothing'}"
            )
        clean.append({key: plain_value(key, value) for key, value in point.items()})
    designs = run_designs(clean, replicates, seeds)
    plans = plan_runs(experiment, designs, {})
    batches = make_batches(experiment, plans, batch_size or experiment.batch_size)
    if executor is None:
        results = [simulate_batch(batch) for batch in batches]
    else:
        results = list(executor.map(simulate_batch, batches))
    if not results:
        return pd.DataFrame()
    frame = pd.concat([result.runs for result in results], ignore_index=True)
    return frame.sort_values(["run_id", "organisation"], kind="stable", ignore_index=True)

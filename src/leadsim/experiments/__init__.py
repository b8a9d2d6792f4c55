"""Experiments: sweeps of many runs, on local processes or a Dask cluster, resumable.

An experiment file (``experiments/*.toml``) is validated into an :class:`Experiment`
(:mod:`~leadsim.experiments.spec`), expanded into runs with their seeds
(:mod:`~leadsim.experiments.design`), simulated in batches through any
:class:`concurrent.futures.Executor` (:mod:`~leadsim.experiments.runner`) and recorded
in a results folder (:mod:`~leadsim.experiments.storage`). :func:`run_sweep` and
:func:`replay` tie them together; :mod:`leadsim.analysis` reads the results.
"""

from leadsim.experiments.design import RunDesign, design_points, expand, run_seeds
from leadsim.experiments.runner import (
    Batch,
    BatchResult,
    InProcessExecutor,
    RunPlan,
    make_batches,
    plan_runs,
    simulate_batch,
)
from leadsim.experiments.spec import Experiment, ExperimentError, Factor, Ramp, load_experiment
from leadsim.experiments.storage import SweepError, SweepStore
from leadsim.experiments.sweep import (
    Replay,
    SweepSummary,
    dask_executor,
    open_sweep,
    replay,
    run_sweep,
    runs_table,
)

__all__ = [
    "Batch",
    "BatchResult",
    "Experiment",
    "ExperimentError",
    "Factor",
    "InProcessExecutor",
    "Ramp",
    "Replay",
    "RunDesign",
    "RunPlan",
    "SweepError",
    "SweepStore",
    "SweepSummary",
    "dask_executor",
    "design_points",
    "expand",
    "load_experiment",
    "make_batches",
    "open_sweep",
    "plan_runs",
    "replay",
    "run_seeds",
    "run_sweep",
    "runs_table",
    "simulate_batch",
]

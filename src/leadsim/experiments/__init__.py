"""Experiments: sweeps of many runs, on local processes or a Dask cluster, resumable.

An experiment file (``experiments/*.toml``) is validated into an :class:`Experiment`
(:mod:`~leadsim.experiments.spec`), expanded into runs with their seeds
(:mod:`~leadsim.experiments.design`), simulated in batches through any
:class:`concurrent.futures.Executor` (:mod:`~leadsim.experiments.runner`) and recorded
in a results folder (:mod:`~leadsim.experiments.storage`). :func:`run_sweep` and
:func:`replay` tie them together; :mod:`leadsim.analysis` reads the results.
"""

# Submodules load on first use, so `leadsim --help` and `leadsim run` do not pay for
# pandas, Dask and SALib (PEP 562).
_EXPORTS: dict[str, str] = {
    "Batch": "leadsim.experiments.runner",
    "BatchResult": "leadsim.experiments.runner",
    "Experiment": "leadsim.experiments.spec",
    "ExperimentError": "leadsim.experiments.spec",
    "Factor": "leadsim.experiments.spec",
    "InProcessExecutor": "leadsim.experiments.runner",
    "Ramp": "leadsim.experiments.spec",
    "Replay": "leadsim.experiments.sweep",
    "RunDesign": "leadsim.experiments.design",
    "RunPlan": "leadsim.experiments.runner",
    "SweepError": "leadsim.experiments.storage",
    "SweepStore": "leadsim.experiments.storage",
    "SweepSummary": "leadsim.experiments.sweep",
    "dask_executor": "leadsim.experiments.sweep",
    "design_points": "leadsim.experiments.design",
    "expand": "leadsim.experiments.design",
    "external_model": "leadsim.experiments.references",
    "inline_experiment": "leadsim.experiments.points",
    "load_experiment": "leadsim.experiments.spec",
    "make_batches": "leadsim.experiments.runner",
    "open_sweep": "leadsim.experiments.sweep",
    "plan_runs": "leadsim.experiments.runner",
    "replay": "leadsim.experiments.sweep",
    "run_seeds": "leadsim.experiments.design",
    "run_sweep": "leadsim.experiments.sweep",
    "runs_table": "leadsim.experiments.sweep",
    "simulate_batch": "leadsim.experiments.runner",
    "simulate_points": "leadsim.experiments.points",
}


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'leadsim.experiments' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)


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
    "external_model",
    "inline_experiment",
    "load_experiment",
    "make_batches",
    "open_sweep",
    "plan_runs",
    "replay",
    "run_seeds",
    "run_sweep",
    "runs_table",
    "simulate_batch",
    "simulate_points",
]

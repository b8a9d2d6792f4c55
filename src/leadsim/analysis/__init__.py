"""Analysis of sweeps: DataFrames and figures behind ``leadsim report``.

In a notebook::

    from leadsim.analysis import load_sweep, outcome_table, plot_outcomes
    sweep = load_sweep("results/")
    table = outcome_table(sweep.ok_runs, ["policy", "approach"])
    figure = plot_outcomes(sweep.ok_runs, ["policy", "approach"], ["peak_anxiety"])
"""

from leadsim.analysis.figures import (
    plot_bands,
    plot_hysteresis,
    plot_outcomes,
    plot_phase_diagram,
    plot_reversion,
    plot_sensitivity,
)
from leadsim.analysis.report import markdown_table, write_report
from leadsim.analysis.sensitivity import point_outputs, sensitivity_indices
from leadsim.analysis.tables import (
    Sweep,
    default_groups,
    default_outcomes,
    heatmap_axes,
    hysteresis_table,
    load_series,
    load_sweep,
    outcome_table,
    reversion_grid,
    series_bands,
    status_table,
    wilson_interval,
)

__all__ = [
    "Sweep",
    "default_groups",
    "default_outcomes",
    "heatmap_axes",
    "hysteresis_table",
    "load_series",
    "load_sweep",
    "markdown_table",
    "outcome_table",
    "plot_bands",
    "plot_hysteresis",
    "plot_outcomes",
    "plot_phase_diagram",
    "plot_reversion",
    "plot_sensitivity",
    "point_outputs",
    "reversion_grid",
    "sensitivity_indices",
    "series_bands",
    "status_table",
    "wilson_interval",
    "write_report",
]

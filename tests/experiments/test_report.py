"""Analysis: the report's figures and tables, and the same functions from a notebook."""

from __future__ import annotations

import numpy as np
import pytest
from experiment_files import write
from matplotlib.figure import Figure

from leadsim.analysis import (
    hysteresis_table,
    load_sweep,
    outcome_table,
    plot_outcomes,
    reversion_grid,
    series_bands,
    wilson_interval,
    write_report,
)
from leadsim.cli import main
from leadsim.experiments import run_sweep

PNG = b"\x89PNG\r\n\x1a\n"

PHASE = """
scenario = "base.toml"
replicates = 2
seed = 5
[factors]
containment = [0.2, 0.5, 0.8]
pressure_baseline = [0.0, 0.8, 1.6]
[output]
every = 2
series = ["distribution_index", "anxiety"]
"""

HYSTERESIS = """
scenario = "base.toml"
replicates = 2
seed = 5
horizon = 30
[factors]
learning_group = [false, true]
[output]
every = 1
series = ["distribution_index", "pressure"]
[[ramps]]
parameter = "pressure_baseline"
start = 2
stop = 14
from = 0.2
to = 1.5
every = 2
[[ramps]]
parameter = "pressure_baseline"
start = 16
stop = 28
from = 1.5
to = 0.2
every = 2
"""


def test_the_report_command_writes_figures_and_markdown(grid, capsys):
    out = grid.parent / "out"
    run_sweep(grid, out, workers=1)
    assert main(["report", str(out)]) == 0
    assert "report.md" in capsys.readouterr().out
    folder = out / "report"
    for name in ("outcomes.png", "reversion.png", "series.png"):
        assert (folder / name).read_bytes()[:8] == PNG
    text = (folder / "report.md").read_text()
    assert text.startswith("# grid")
    assert "## Outcomes by group" in text and "## Main series" in text
    assert "| delegating | quick_fix | 6 |" in text  # 2 containments × 3 replicates
    assert "![outcomes](outcomes.png)" in text


def test_a_two_factor_grid_gets_its_phase_diagram(lab):
    path = write(lab, "phase.toml", PHASE)
    run_sweep(path, lab / "out", workers=1)
    sweep = load_sweep(lab / "out")
    grid = reversion_grid(sweep.ok_runs, "containment", "pressure_baseline")
    assert grid.shape == (3, 3)
    assert list(grid.columns) == [0.2, 0.5, 0.8] and list(grid.index) == [1.6, 0.8, 0.0]
    assert ((grid >= 0) & (grid <= 1)).all().all()
    write_report(lab / "out")
    assert (lab / "out" / "report" / "phase_diagram.png").read_bytes()[:8] == PNG
    assert "## Phase diagram" in (lab / "out" / "report" / "report.md").read_text()


def test_ramps_get_a_hysteresis_figure_with_both_branches(lab):
    path = write(lab, "hysteresis.toml", HYSTERESIS)
    run_sweep(path, lab / "out", workers=1)
    sweep = load_sweep(lab / "out")
    table = hysteresis_table(
        sweep.series(), sweep.ok_runs, sweep.experiment.ramps, ["learning_group"]
    )
    assert table["branch"].nunique() == 2
    up = table[table["branch"].str.startswith("0.2")]
    assert up["level"].min() == pytest.approx(0.2) and up["level"].max() == pytest.approx(1.5)
    # the pressure series follows the ramped baseline, with its lag
    pressure = sweep.series()[["step", "pressure"]].groupby("step")["pressure"].mean()
    assert pressure.loc[14] > pressure.loc[2] and pressure.loc[29] < pressure.loc[15]
    write_report(lab / "out")
    assert (lab / "out" / "report" / "hysteresis.png").read_bytes()[:8] == PNG


def test_notebook_functions_return_dataframes_and_figures(grid):
    run_sweep(grid, grid.parent / "out", workers=1)
    sweep = load_sweep(grid.parent / "out")
    table = outcome_table(sweep.ok_runs, ["policy", "approach"])
    assert len(table) == 4 and {"reverted", "reverted_low", "peak_anxiety_median"} <= set(table)
    assert (table["reverted_low"] <= table["reverted"]).all()
    bands = series_bands(sweep.series(), sweep.runs, ["policy"], ["anxiety"])
    assert (bands["q25"] <= bands["median"]).all() and (bands["median"] <= bands["q75"]).all()
    assert bands["policy"].drop_duplicates().tolist() == ["delegating", "integrated"]
    assert isinstance(plot_outcomes(sweep.ok_runs, ["policy"], ["peak_anxiety"]), Figure)


def test_wilson_intervals_hold_the_share_and_stay_in_bounds():
    low, high = wilson_interval(np.array([0, 5, 10]), np.array([10, 10, 10]))
    assert low[0] == 0 and high[2] == 1
    assert low[1] < 0.5 < high[1]
    assert high[0] == pytest.approx(0.2775, abs=1e-3)  # the textbook value for 0 of 10

"""In a Jupyter kernel, figures show once and sweeps show a progress widget, by default.

A notebook is executed with nbclient on a kernel started from ``sys.executable`` (the
project's environment), as in ``test_tutorial_notebook.py``; no ``%matplotlib`` magic
and no pyplot, as a newcomer's first notebook would have.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from kernelspec import python_kernel

ROOT = Path(__file__).resolve().parents[1]
WIDGET = "application/vnd.jupyter.widget-view+json"


def images(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.outputs)


def test_figures_show_once_and_sweeps_show_a_widget(tmp_path, monkeypatch):
    this_python_kernel = python_kernel(tmp_path / "jupyter", monkeypatch)
    experiment = tmp_path / "small.toml"
    experiment.write_text(
        'name = "small"\ntitle = "small"\nscenario = "abdication"\nreplicates = 20\n'
        "horizon = 20\nseed = 7\n[factors]\ncontainment = [0.3, 0.7]\n"
    )
    cells = [
        "from leadsim.config import find_scenario\n"
        "from leadsim.plotting import run_figure\n"
        "from leadsim.simulate import simulate\n"
        'result = simulate(find_scenario("abdication"), steps=30)',
        "fig = run_figure(result.metrics, result.events, result.reversions())",
        "run_figure(result.metrics, result.events, result.reversions())",
        "x = 1",
        "from leadsim.experiments import run_sweep\n"
        f"summary = run_sweep({str(experiment)!r}, {str(tmp_path / 'out')!r}, workers=1)\n"
        "print(summary.status_counts)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(
        notebook, kernel_name=this_python_kernel, timeout=300, allow_errors=False
    ).execute()
    code = notebook.cells
    assert images(code[1]) == 1  # assigned: shown when the cell ends
    assert images(code[2]) == 1  # the cell's result: shown by Jupyter, not again
    assert images(code[3]) == 0  # nothing left over from earlier cells
    sweep = code[4].outputs
    assert any(WIDGET in o.get("data", {}) for o in sweep), sweep  # tqdm's widget
    assert not any(o.get("name") == "stderr" and "run/s" in o.get("text", "") for o in sweep)
    assert "'ok': 40" in "".join(o.get("text", "") for o in sweep)

"""The research tutorial notebook runs top to bottom, on this environment's Python.

``examples/tutorial.ipynb`` is executed with nbclient on a kernel started from
``sys.executable`` (the project's virtual environment, where leadsim and ipykernel
are installed), from ``examples/`` as Jupyter would. At its tutorial size
(``SMALL = True``) it takes well under a minute.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from kernelspec import python_kernel

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"
CELL_TIMEOUT = 300  # seconds per cell


def files_in(folder: Path) -> set[str]:
    """Files under ``folder``, bytecode caches left out."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def text_of(cell) -> str:
    """A code cell's printed and displayed text."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
    return "\n".join(parts)


def images_of(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


def test_the_notebook_is_saved_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:80]
    setup = next(c for c in notebook.cells if c.cell_type == "code")
    assert "SMALL = True" in setup.source  # CI runs the tutorial size


def test_the_tutorial_runs_top_to_bottom(tmp_path, monkeypatch):
    this_python_kernel = python_kernel(tmp_path, monkeypatch)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # one cell more, in memory only: which Python ran the notebook
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
    examples_before = files_in(NOTEBOOK.parent)

    client = NotebookClient(
        notebook,
        kernel_name=this_python_kernel,
        timeout=CELL_TIMEOUT,
        allow_errors=False,  # any error raises CellExecutionError, naming the cell
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},  # run from examples/
    )
    client.execute()

    code = [c for c in notebook.cells if c.cell_type == "code"]
    everything = "\n".join(text_of(c) for c in code)
    assert text_of(code[-1]).strip() == sys.executable

    # the steps of the tutorial left their marks
    assert "factors.containmnet: unknown parameter (did you mean 'containment'?)" in everything
    assert "Phase diagram: share of schools that reverted" in everything
    assert re.search(r"Sobol indices .*S1_conf", everything)
    assert "pressure_baseline" in everything and "ST_conf" in everything
    assert "identical to the sweep's record: True" in everything
    assert "Extension comparison:" in everything
    assert "quick fix, where the rule never fires, unchanged: True" in everything
    assert "tutorial finished in" in everything
    assert sum(images_of(c) for c in code) >= 4  # phase diagram, Sobol, replay, new rule

    # everything was written to a temporary folder, deleted at the end
    work = Path(re.search(r"results go to: (\S+)", everything).group(1))
    assert not work.exists()
    assert files_in(NOTEBOOK.parent) == examples_before

"""A Jupyter kernel spec for the notebook tests (imported by the tests that use it)."""

from __future__ import annotations

import json
import sys


def python_kernel(tmp_path, monkeypatch) -> str:
    """A Jupyter kernel spec whose kernel is ``sys.executable``, found before any other.

    Notebooks executed with nbclient then run on this environment's Python, where
    leadsim and ipykernel are installed, whatever kernels the machine has.
    """
    name = "leadsim-tests"
    spec = tmp_path / "kernels" / name
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "leadsim (tests)", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return name

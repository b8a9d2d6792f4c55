"""The command line answers at once, compiles once where the user sees it, and copies out.

What a command imports is checked in a fresh interpreter (``sys.modules`` after the
command): the quick commands never load the engine's neighbours, and ``run`` loads
matplotlib only to write its figure. Timings are measured by ``benchmarks/cli.py``,
not asserted here.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leadsim.cli import main
from leadsim.config import EXPERIMENT_DIR, SCENARIO_DIR, shipped_dir
from leadsim.engine import kernels

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "pandas", "matplotlib", "scipy", "pyarrow", "mesa", "leadsim.engine")


def loaded_after(*args: str, env: dict | None = None) -> set[str]:
    """The heavy modules in ``sys.modules`` after ``leadsim ARGS`` in a fresh interpreter."""
    code = (
        "import sys\n"
        "from leadsim.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    )
    return set(ast.literal_eval(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [("--help",), ("scenarios",), ("params",), ("validate", "scenarios/integrated.toml")],
)
def test_quick_commands_load_no_engine(args):
    assert loaded_after(*args) == set()


def test_run_loads_matplotlib_only_to_write_its_figure(tmp_path):
    without = loaded_after("run", "abdication", "--steps", "20")
    assert "leadsim.engine" in without and "matplotlib" not in without
    assert "matplotlib" in loaded_after(
        "run", "abdication", "--steps", "20", "--out", str(tmp_path)
    )


def test_a_first_run_says_it_compiles_and_warm_up_then_loads(tmp_path):
    env = {**os.environ, "LEADSIM_CACHE_DIR": str(tmp_path / "cache")}
    leadsim = [sys.executable, "-m", "leadsim"]
    first = subprocess.run(
        [*leadsim, "run", "abdication", "--steps", "20"], capture_output=True, text=True, env=env
    )
    assert first.returncode == 0, first.stderr
    assert "compiling the engine's kernels, once for this install" in first.stderr
    assert "kernels compiled in" in first.stderr and str(tmp_path / "cache") in first.stderr
    assert "abdication" in first.stdout  # and then it ran
    (ready,) = (tmp_path / "cache").glob("*/ready")  # under the key of the rules' source
    assert ready.parent.name == kernels._source_key()
    again = subprocess.run([*leadsim, "warm-up"], capture_output=True, text=True, env=env)
    assert again.returncode == 0 and "compiling" not in again.stdout + again.stderr
    assert "kernels loaded in" in again.stdout


def test_the_cache_falls_back_to_the_users_folder_keyed_by_source(tmp_path, monkeypatch):
    """An install this user cannot write to keeps its kernels in ~/.cache/leadsim, keyed."""
    monkeypatch.delenv("LEADSIM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    package_cache = kernels.cache_roots()[0]
    real = kernels._writable
    monkeypatch.setattr(
        kernels, "_writable", lambda folder: package_cache not in folder.parents and real(folder)
    )
    chosen = Path(kernels._cache_dir())
    assert chosen == tmp_path / "home-cache" / "leadsim" / "kernels" / kernels._source_key()
    assert chosen.is_dir()


def test_no_writable_cache_is_said_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("LEADSIM_CACHE_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setattr(kernels, "_writable", lambda folder: False)
    assert kernels._cache_dir() is None
    code = "import leadsim.engine.kernels as k, sys\nprint(k.CACHE_PROBLEM); print(k._CACHE_DIR)\n"
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    env = {**os.environ, "LEADSIM_CACHE_DIR": str(blocked)}  # a file: no folder under it
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    problem, where = done.stdout.strip().splitlines()
    assert where == "None"
    assert problem.startswith("no writable folder for compiled kernels")
    assert str(blocked) in problem and "LEADSIM_CACHE_DIR" in problem


def test_init_copies_every_shipped_file_and_keeps_edits(tmp_path, capsys):
    assert main(["init", str(tmp_path / "mine")]) == 0
    shipped_kinds = (
        ("scenarios", SCENARIO_DIR),
        ("experiments", EXPERIMENT_DIR),
        ("calibration", shipped_dir("calibration")),
    )
    for kind, shipped in shipped_kinds:
        names = sorted(p.name for p in shipped.glob("*.toml"))
        assert names and sorted(p.name for p in (tmp_path / "mine" / kind).glob("*.toml")) == names
    edited = tmp_path / "mine" / "scenarios" / "abdication.toml"
    edited.write_text(edited.read_text() + "\n# my edit\n")
    capsys.readouterr()
    assert main(["init", str(tmp_path / "mine")]) == 2  # refuses: nothing overwritten
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "already has" in error and "--force" in error
    assert edited.read_text().endswith("# my edit\n")
    assert main(["validate", str(edited)]) == 0


def test_warm_up_writes_the_bytecode_python_did_not(tmp_path, monkeypatch):
    """Where PYTHONDONTWRITEBYTECODE is set, warm-up writes what imports would reuse."""
    import importlib
    import importlib.util

    from leadsim.warmup import compile_bytecode

    (tmp_path / "unwritten_module.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # as PYTHONDONTWRITEBYTECODE=1
    module = importlib.import_module("unwritten_module")
    cached = Path(importlib.util.cache_from_source(module.__file__))
    assert not cached.exists()
    try:
        assert compile_bytecode() >= 1
        assert cached.exists()
        assert compile_bytecode() == 0  # nothing missing or stale is left
    finally:
        sys.modules.pop("unwritten_module", None)

"""Trust boundaries: what an experiment file names stays text until a run starts, and then
reaches only code written for leadsim; a design that cannot finish is refused before it
is expanded; ``python -m leadsim`` imports nothing from the current folder.

Several tests here would end or hang the test process if the code under test called
what a file names (``os:abort``, ``builtins:input``): they run it in this process on
purpose.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import types

import pandas as pd
import pytest
from experiment_files import write

from leadsim.cli import build_parser, main
from leadsim.engine.extensions import Extension, load_extension
from leadsim.experiments import (
    ExperimentError,
    SweepError,
    external_model,
    load_experiment,
    run_sweep,
)
from leadsim.experiments.design import DEFAULT_MAX_RUNS
from leadsim.experiments.models import ishigami
from leadsim.experiments.references import resolve_extension, resolve_model
from leadsim.experiments.spec import setting_kind
from leadsim.params import FIELDS

ENGINE = """
scenario = "base.toml"
seed = 1
horizon = 5
[factors]
approach = ["quick_fix", "cycles"]
containment = [0.3, 0.7]
[output]
every = 0
"""
EXTERNAL = """
seed = 1
[factors]
x = [1.0, 2.0]
"""
NOT_A_MODEL = (
    "is not a leadsim model; allowed: a function marked with @leadsim.experiments.external_model"
)
NOT_AN_EXTENSION = (
    "is not an Extension subclass; allowed: a subclass of leadsim.engine.extensions.Extension"
)


@pytest.fixture
def fakes(monkeypatch):
    """A module ``trust_fakes`` whose functions and classes log any call to ``calls``."""
    module = types.ModuleType("trust_fakes")
    module.calls = []

    class NotAnExtension:
        def __init__(self):
            module.calls.append("NotAnExtension()")

    class Rule(Extension):
        def __init__(self):
            module.calls.append("Rule()")

    def unmarked(points):
        module.calls.append("unmarked")

    @external_model
    def marked(points):
        module.calls.append("marked")

    module.NotAnExtension, module.Rule = NotAnExtension, Rule
    module.unmarked, module.marked = unmarked, marked
    monkeypatch.setitem(sys.modules, "trust_fakes", module)
    return module


# --- validation: text only --------------------------------------------------------------


@pytest.mark.parametrize("reference", ["os:abort", "builtins:input"])
def test_validating_and_dry_running_a_reference_never_calls_it(lab, capsys, reference):
    rule = write(lab, "rule.toml", f'extensions = ["{reference}"]\n' + ENGINE)
    assert load_experiment(rule).extensions == (reference,)
    assert main(["sweep", str(rule), "--dry-run"]) == 0
    assert "4 points × 1 replicates = 4 runs" in capsys.readouterr().out
    model = write(lab, "model.toml", f'model = "{reference}"\n' + EXTERNAL)
    assert load_experiment(model).model == reference
    assert main(["sweep", str(model), "--dry-run"]) == 0
    assert "2 points × 1 replicates = 2 runs" in capsys.readouterr().out


def test_validation_never_imports_the_module_a_reference_names(lab, monkeypatch, capsys):
    marker = lab / "imported"
    (lab / "trust_side_effect.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n"
    )
    monkeypatch.syspath_prepend(lab)
    rule = write(lab, "rule.toml", 'extensions = ["trust_side_effect:Rule"]\n' + ENGINE)
    model = write(lab, "model.toml", 'model = "trust_side_effect:model"\n' + EXTERNAL)
    for path in (rule, model):
        load_experiment(path)
        assert main(["sweep", str(path), "--dry-run"]) == 0
    assert not marker.exists() and "trust_side_effect" not in sys.modules


# --- run start: only leadsim's own kinds of code ----------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        "os:abort",
        "builtins:input",
        "trust_fakes:NotAnExtension",
        "trust_fakes:unmarked",
        "trust_fakes:marked",
    ],
)
def test_an_extension_must_be_an_extension_subclass_and_is_never_called(fakes, reference):
    for resolve in (resolve_extension, load_extension):
        with pytest.raises(ValueError) as info:
            resolve(reference)
        assert str(info.value) == f"extension: {reference!r} {NOT_AN_EXTENSION}"
    assert fakes.calls == []


@pytest.mark.parametrize(
    "reference",
    [
        "os:abort",
        "builtins:input",
        "trust_fakes:unmarked",
        "trust_fakes:NotAnExtension",
        "trust_fakes:Rule",
        "trust_fakes:calls",
    ],
)
def test_a_model_must_be_marked_and_is_never_called(fakes, reference):
    with pytest.raises(ValueError) as info:
        resolve_model(reference)
    assert str(info.value) == f"model: {reference!r} {NOT_A_MODEL}"
    assert fakes.calls == []


def test_marked_models_and_extension_subclasses_resolve_without_being_called(fakes):
    assert resolve_model("trust_fakes:marked") is fakes.marked
    assert resolve_model("leadsim.experiments.models:ishigami") is ishigami
    assert resolve_extension("trust_fakes:Rule") is fakes.Rule
    assert fakes.calls == []
    assert isinstance(load_extension("trust_fakes:Rule"), fakes.Rule)
    assert fakes.calls == ["Rule()"]


def _plain(points):
    return points


def test_external_model_marks_a_function_and_returns_it_unchanged():
    assert external_model(_plain) is _plain and _plain.__leadsim_model__ is True


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("no_such_module:f", "model: cannot load 'no_such_module:f' (No module named"),
        ("os:no_such_function", "model: cannot load 'os:no_such_function' (module 'os' has no"),
        ("trust_broken:f", "model: cannot load 'trust_broken:f' (broken on import)"),
        ("os.abort", "model: 'os.abort' is not 'module:function'"),
    ],
)
def test_a_reference_that_does_not_load_is_one_line(tmp_path, monkeypatch, reference, expected):
    (tmp_path / "trust_broken.py").write_text("raise RuntimeError('broken on import\\nmore')\n")
    monkeypatch.syspath_prepend(tmp_path)
    monkeypatch.delitem(sys.modules, "trust_broken", raising=False)
    with pytest.raises(ValueError) as info:
        resolve_model(reference)
    assert str(info.value).startswith(expected) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("extensions[0]", 'extensions = ["os:abort"]\n' + ENGINE),
        ("extensions[0]", 'extensions = ["trust_fakes:NotAnExtension"]\n' + ENGINE),
        ("model", 'model = "trust_fakes:unmarked"\n' + EXTERNAL),
    ],
)
def test_a_sweep_refuses_a_reference_in_one_line_before_any_run(lab, fakes, field, text):
    path = write(lab, "e.toml", text)
    with pytest.raises((ExperimentError, SweepError)) as info:
        run_sweep(path, lab / "out", workers=1)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and f"{field}: " in message
    assert fakes.calls == []


# --- designs that cannot finish ---------------------------------------------------------


def _forty_factor_grid(lab):
    names = [
        name
        for name in FIELDS
        if setting_kind(name) is float
        and (FIELDS[name].metadata.get("low"), FIELDS[name].metadata.get("high")) == (0, 1)
    ][:40]
    assert len(names) == 40
    factors = "".join(f"{name} = [0.1, 0.2]\n" for name in names)
    return write(lab, "forty.toml", f'scenario = "base.toml"\nseed = 1\n[factors]\n{factors}')


def _too_large(path, runs, points, replicates):
    return (
        f"leadsim: error: {path}: design: {runs} runs ({points} points × {replicates} "
        "replicates) is over the limit of 10,000,000 runs; allowed: at most 10,000,000 "
        "(raise it with --max-runs N)\n"
    )


def test_a_design_too_large_to_finish_is_refused_before_it_is_expanded(lab, capsys):
    many = write(lab, "many.toml", "replicates = 10000000\n" + ENGINE)
    forty = _forty_factor_grid(lab)
    started = time.perf_counter()
    assert main(["sweep", str(many), "--dry-run"]) == 2
    assert capsys.readouterr().err == _too_large(many, "40,000,000", "4", "10,000,000")
    assert main(["sweep", str(forty), "--dry-run"]) == 2
    assert capsys.readouterr().err == _too_large(forty, f"{2**40:,}", f"{2**40:,}", "1")
    # before connecting to a cluster, too
    out = str(lab / "out")
    assert main(["sweep", str(forty), "--out", out, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert capsys.readouterr().err == _too_large(forty, f"{2**40:,}", f"{2**40:,}", "1")
    assert time.perf_counter() - started < 10  # expanding 2**40 runs would never finish
    assert not (lab / "out").exists()


def test_max_runs_sets_the_limit(lab, capsys):
    path = write(lab, "e.toml", "replicates = 3\n" + ENGINE)
    assert main(["sweep", str(path), "--dry-run", "--max-runs", "11"]) == 2
    err = capsys.readouterr().err
    assert "12 runs (4 points × 3 replicates) is over the limit of 11 runs" in err
    assert main(["sweep", str(path), "--dry-run", "--max-runs", "12"]) == 0
    assert "4 points × 3 replicates = 12 runs" in capsys.readouterr().out
    sweep = build_parser()._subparsers._group_actions[0].choices["sweep"]
    assert f"default: {DEFAULT_MAX_RUNS:,}" in sweep.format_help()


def test_a_sweep_too_large_is_refused_before_anything_is_written(lab, capsys):
    path = write(lab, "e.toml", "replicates = 3\n" + ENGINE)
    out = lab / "out"
    assert main(["sweep", str(path), "--out", str(out), "--max-runs", "11"]) == 2
    assert "12 runs (4 points × 3 replicates) is over the limit of 11 runs" in (
        capsys.readouterr().err
    )
    assert not out.exists()


# --- python -m leadsim ------------------------------------------------------------------


def _python_m_leadsim(cwd, *args, pythonpath=None):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-m", "leadsim", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


SIDE_EFFECT = "from pathlib import Path\nPath(__file__).with_name('imported').write_text('x')\n"


def test_python_m_leadsim_does_not_let_the_current_folder_shadow_a_module(lab):
    (lab / "tomllib.py").write_text(SIDE_EFFECT)  # leadsim reads scenarios with tomllib
    done = _python_m_leadsim(lab, "validate", "base.toml")
    assert not (lab / "imported").exists()
    assert done.returncode == 0 and done.stdout == "ok: base.toml\n", done.stderr


def test_python_m_leadsim_imports_no_extension_from_the_current_folder(lab):
    (lab / "evil.py").write_text(SIDE_EFFECT + "class Rule:\n    pass\n")
    write(lab, "e.toml", 'extensions = ["evil:Rule"]\n' + ENGINE)
    done = _python_m_leadsim(lab, "sweep", "e.toml", "--out", "out", "--workers", "1")
    assert not (lab / "imported").exists()
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "extensions[0]" in done.stderr and "evil:Rule" in done.stderr


def test_python_m_leadsim_finds_a_module_put_on_pythonpath(lab):
    rules = lab / "rules"
    rules.mkdir()
    (rules / "my_rule.py").write_text(
        "from leadsim.engine.extensions import Extension\n\n\nclass Rule(Extension):\n    pass\n"
    )
    write(lab, "e.toml", 'extensions = ["my_rule:Rule"]\n' + ENGINE)
    done = _python_m_leadsim(
        lab, "sweep", "e.toml", "--out", "out", "--workers", "1", pythonpath=rules
    )
    assert done.returncode == 0, done.stderr
    assert set(pd.read_parquet(lab / "out" / "runs.parquet")["status"]) == {"ok"}

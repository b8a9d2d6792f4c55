"""The `leadsim` command: run, scenarios, validate, params, and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from leadsim.cli import main
from leadsim.config import SCENARIO_DIR, list_scenarios
from leadsim.engine.metrics import METRICS


def test_run_writes_metrics_summary_and_figure(tmp_path, capsys):
    assert main(["run", str(SCENARIO_DIR / "abdication.toml"), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "reverted to hierarchy in week" in out
    assert "final distribution index" in out and "peak staff anxiety" in out
    metrics = pd.read_parquet(tmp_path / "abdication_metrics.parquet")
    assert len(metrics) == 156
    assert set(METRICS) <= set(metrics.columns)
    csv = pd.read_csv(tmp_path / "abdication_metrics.csv")
    assert csv["distribution_index"].to_numpy() == pytest.approx(
        metrics["distribution_index"].to_numpy()
    )
    png = (tmp_path / "abdication.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def test_seed_and_steps_override_the_scenario(tmp_path):
    assert main(["run", "integrated", "--seed", "3", "--steps", "30", "--out", str(tmp_path)]) == 0
    a = pd.read_parquet(tmp_path / "integrated_metrics.parquet")
    assert a["step"].max() == 29
    assert main(["run", "integrated", "--seed", "4", "--steps", "30", "--out", str(tmp_path)]) == 0
    b = pd.read_parquet(tmp_path / "integrated_metrics.parquet")
    assert not a["anxiety"].equals(b["anxiety"])


def test_multi_organisation_summary_lists_each_school(capsys):
    assert main(["run", "learning_group", "--steps", "40"]) == 0
    assert capsys.readouterr().out.count("organisation ") == 6


def test_scenarios_lists_every_shipped_scenario_once(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(list_scenarios())
    assert any(line.startswith("abdication ") for line in lines)


def test_validate_reports_each_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[parameters]\ncontainment = 1.7\n")
    assert main(["validate", str(SCENARIO_DIR / "rivalry.toml"), str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ok:")
    assert (
        out[1].startswith("invalid:") and "parameters.containment" in out[1] and "allowed" in out[1]
    )


def test_params_lists_every_parameter(capsys):
    from leadsim.params import FIELDS

    assert main(["params"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == len(FIELDS)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "no_such_scenario"], "no such scenario"),
        (["run", "/tmp/leadsim-missing-file.toml"], "not found"),
    ],
)
def test_user_errors_are_one_line_without_traceback(args, expected):
    done = subprocess.run(
        [sys.executable, "-m", "leadsim", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("leadsim: error:") and expected in done.stderr
    assert "Traceback" not in done.stderr


def test_run_out_that_is_a_file_or_cannot_be_made_is_one_line(tmp_path, capsys):
    existing = tmp_path / "taken.txt"
    existing.write_text("not a folder")
    assert main(["run", "integrated", "--steps", "2", "--out", str(existing)]) == 2
    assert capsys.readouterr().err == (
        f"leadsim: error: --out: {existing} is a file; allowed: a folder (new or existing)\n"
    )
    beneath = existing / "results"
    assert main(["run", "integrated", "--steps", "2", "--out", str(beneath)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"leadsim: error: --out: cannot make {beneath} (Not a directory)")
    assert err.count("\n") == 1
    assert existing.read_text() == "not a folder"

"""The sweep, replay and report commands on `leadsim`'s parser: exit codes and one-line errors."""

from __future__ import annotations

import pytest

from leadsim.cli import build_parser, main
from leadsim.experiments import SweepError, dask_executor


def test_the_commands_are_registered():
    parser = build_parser()
    for command in ("sweep", "replay", "report"):
        with pytest.raises(SystemExit) as info:
            parser.parse_args([command, "--help"])
        assert info.value.code == 0


def test_sweep_then_report_from_the_command_line(grid, capsys):
    out = grid.parent / "results"
    assert main(["sweep", str(grid), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "24 runs in 6 batches: 24 ok;" in printed and "runs/s" in printed
    assert main(["report", str(out)]) == 0
    assert (out / "report" / "report.md").exists()


def test_a_bad_experiment_file_is_one_line_on_stderr_and_exit_2(lab, capsys):
    bad = lab / "bad.toml"
    bad.write_text('scenario = "base.toml"\nseed = 1\n[factors]\ncontainment = [2.0]\n')
    assert main(["sweep", str(bad), "--out", str(lab / "out")]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"leadsim: error: {bad}: factors.containment: 2.0 is out of range; allowed: 0 to 1\n"
    )
    assert not (lab / "out").exists()


def test_a_dry_run_prints_the_design_and_writes_nothing(lab, capsys):
    path = lab / "e.toml"
    path.write_text(
        'scenario = "base.toml"\nseed = 1\nreplicates = 2\n[factors]\ntolerance_low = [0.3, 0.6]\n'
    )
    assert main(["sweep", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "2 points × 2 replicates = 4 runs of 30 weeks in 1 batches of at most 100" in out
    assert "2 runs would be invalid, for instance run 2: tolerance_low: 0.6 is above" in out
    assert sorted(p.name for p in lab.iterdir()) == ["base.toml", "e.toml"]
    assert main(["sweep", str(path)]) == 2
    assert "--out: missing" in capsys.readouterr().err


def test_a_dry_run_checks_the_first_points_and_says_so(lab, capsys, monkeypatch):
    path = lab / "e.toml"
    path.write_text(
        'scenario = "base.toml"\nseed = 1\nreplicates = 2\n[factors]\n'
        "n_staff = [12, 16]\ntolerance_low = [0.3, 0.6]\n"
    )
    assert main(["sweep", str(path), "--dry-run", "--batch-size", "3"]) == 0
    full = capsys.readouterr().out.splitlines()
    assert full[0].endswith(
        "4 points × 2 replicates = 8 runs of 30 weeks in 4 batches of at most 3"
    )
    assert full[1].startswith("4 runs would be invalid, for instance run 2: tolerance_low: 0.6")
    assert main(["sweep", str(path), "--out", str(lab / "out"), "--batch-size", "3"]) == 0
    assert "8 runs in 4 batches: 4 invalid, 4 ok" in capsys.readouterr().out  # as the dry run said
    monkeypatch.setattr("leadsim.experiments.cli.DRY_RUN_POINTS", 1)
    assert main(["sweep", str(path), "--dry-run", "--batch-size", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "checked the parameters of the first 1 of 4 points; the others are checked as their "
        "runs start"
    ]


def test_workers_and_scheduler_exclude_each_other(grid, capsys):
    with pytest.raises(SystemExit) as info:
        main(["sweep", str(grid), "--out", "x", "--workers", "2", "--scheduler", "tcp://h:1"])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_a_one_line_error():
    with (
        pytest.raises(
            SweepError, match=r"--scheduler: cannot reach a Dask scheduler at tcp://127\.0\.0\.1:9"
        ),
        dask_executor("tcp://127.0.0.1:9", timeout="1s"),
    ):
        pass

"""Replay: one run of a sweep simulated again alone equals what the sweep recorded."""

from __future__ import annotations

import pandas as pd
import pytest

from leadsim.cli import main
from leadsim.engine.metrics import METRICS
from leadsim.experiments import SweepError, replay, run_sweep


@pytest.fixture
def swept(grid):
    out = grid.parent / "out"
    run_sweep(grid, out, workers=1)
    return out


@pytest.fixture(scope="module")
def swept_once(tmp_path_factory):
    """A sweep that the tests only read (made once for the module)."""
    from experiment_files import BASE_SCENARIO, GRID, write

    lab = tmp_path_factory.mktemp("replay")
    write(lab, "base.toml", BASE_SCENARIO)
    run_sweep(write(lab, "grid.toml", GRID), lab / "out", workers=1)
    return lab / "out"


@pytest.mark.parametrize("run_id", [0, 7, 13, 23])
def test_a_replayed_run_equals_its_sweep_record(swept_once, run_id):
    swept = swept_once
    result = replay(swept, run_id)
    assert result.identical, result.differences
    runs = pd.read_parquet(swept / "runs.parquet")
    pd.testing.assert_frame_equal(
        result.runs, runs[runs["run_id"] == run_id].reset_index(drop=True), check_exact=True
    )
    # every step and every metric, of which the sweep kept every fifth step of four
    assert len(result.series) == 30 and set(METRICS) <= set(result.series.columns)
    kept = result.series[result.series["step"] % 5 == 0][list(result.recorded_series.columns)]
    pd.testing.assert_frame_equal(
        kept.reset_index(drop=True), result.recorded_series, check_exact=True
    )


def test_replay_reads_the_folders_copies_when_the_originals_changed(grid, swept):
    (grid.parent / "base.toml").write_text("this is no longer a scenario")
    grid.unlink()
    assert replay(swept, 5).identical


def test_the_replay_command_writes_series_figure_and_says_identical(swept_once, capsys):
    swept = swept_once
    assert main(["replay", str(swept), "13"]) == 0
    out = capsys.readouterr().out
    assert "run 13 (point 4, replicate 1" in out
    assert "identical to the sweep's record" in out
    folder = swept / "replay" / "run-13"
    assert (folder / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(pd.read_parquet(folder / "series.parquet")) == 30


def test_a_tampered_record_is_reported_as_different(swept, capsys):
    path = swept / "batches" / "runs-000000.parquet"
    runs = pd.read_parquet(path)
    runs.loc[1, "peak_anxiety"] += 1e-12
    runs.to_parquet(path, index=False)
    assert main(["replay", str(swept), "1"]) == 1
    assert "DIFFERS from the sweep's record: summary.peak_anxiety" in capsys.readouterr().out


def test_an_unknown_run_is_a_one_line_error(swept_once, capsys):
    swept = swept_once
    with pytest.raises(SweepError, match="run 24: no such run; allowed: 0 to 23"):
        replay(swept, 24)
    assert main(["replay", str(swept / "nowhere"), "1"]) == 2
    assert "leadsim: error: " in capsys.readouterr().err

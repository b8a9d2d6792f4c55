"""Sweeps: identical results whatever the workers, batch size or executor; safe folders."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from leadsim.analysis import load_series
from leadsim.cli import main
from leadsim.experiments import SweepError, run_sweep


def _results(out):
    return pd.read_parquet(out / "runs.parquet"), load_series(out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The grid swept in this process, one batch at a time."""
    from experiment_files import BASE_SCENARIO, GRID, write

    lab = tmp_path_factory.mktemp("lab")
    write(lab, "base.toml", BASE_SCENARIO)
    grid = write(lab, "grid.toml", GRID)
    run_sweep(grid, lab / "one", workers=1)
    return grid, _results(lab / "one")


def test_a_sweep_writes_runs_series_and_manifest(reference):
    grid, (runs, series) = reference
    out = grid.parent / "one"
    assert len(runs) == 24 and runs["run_id"].tolist() == list(range(24))
    assert sorted(p.name for p in (out / "batches").iterdir()) == [
        f"runs-{b:06d}.parquet" for b in range(6)
    ]
    assert len(list((out / "series").iterdir())) == 6  # one file per batch, never per run
    assert len(series) == 24 * 6
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    log = [json.loads(line) for line in (out / "receipts.jsonl").read_text().splitlines()]
    assert log[0]["sweep_id"] == manifest["sweep_id"]  # a header, then a receipt per batch
    assert sorted(receipt["batch"] for receipt in log[1:]) == list(range(6))
    assert sum(receipt["runs"] for receipt in log[1:]) == 24
    assert manifest["design"]["runs"] == 24 and manifest["design"]["batches"] == 6
    assert (
        manifest["experiment"]["sha256"]
        == __import__("hashlib").sha256(grid.read_bytes()).hexdigest()
    )
    assert manifest["leadsim_version"]
    assert (out / "experiment.toml").read_bytes() == grid.read_bytes()


def test_two_workers_and_another_batch_size_give_identical_results(reference, tmp_path):
    grid, (runs, series) = reference
    run_sweep(grid, tmp_path / "two", workers=2, batch_size=5)
    two_runs, two_series = _results(tmp_path / "two")
    pd.testing.assert_frame_equal(two_runs, runs, check_exact=True)
    pd.testing.assert_frame_equal(two_series, series, check_exact=True)


def test_a_dask_cluster_gives_identical_results(reference, tmp_path):
    grid, (runs, series) = reference
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        run_sweep(grid, tmp_path / "dask", executor=client.get_executor())
        # and through the command line's --scheduler
        code = main(["sweep", str(grid), "--out", str(tmp_path / "cli"), "--scheduler",
                     cluster.scheduler_address, "--no-progress"])  # fmt: skip
    assert code == 0
    for name in ("dask", "cli"):
        other_runs, other_series = _results(tmp_path / name)
        pd.testing.assert_frame_equal(other_runs, runs, check_exact=True)
        pd.testing.assert_frame_equal(other_series, series, check_exact=True)


def test_a_folder_holding_another_sweep_or_files_is_refused(reference, tmp_path):
    grid, _ = reference
    with pytest.raises(SweepError, match=r"holds a sweep of .* already; add --resume"):
        run_sweep(grid, grid.parent / "one", workers=1)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SweepError, match="not an empty folder"):
        run_sweep(grid, tmp_path, workers=1)


def test_resuming_a_finished_sweep_redoes_nothing(reference, tmp_path):
    grid, (runs, _) = reference
    run_sweep(grid, tmp_path / "s", workers=1)
    before = (tmp_path / "s" / "batches" / "runs-000000.parquet").stat().st_mtime_ns
    summary = run_sweep(grid, tmp_path / "s", workers=1, resume=True)
    assert summary.batches_run == 0
    assert (tmp_path / "s" / "batches" / "runs-000000.parquet").stat().st_mtime_ns == before
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "s" / "runs.parquet"), runs, check_exact=True
    )


def test_resume_without_a_sweep_starts_one(reference, tmp_path):
    grid, (runs, _) = reference
    run_sweep(grid, tmp_path / "new", workers=1, resume=True)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "new" / "runs.parquet"), runs, check_exact=True
    )


def test_a_changed_experiment_file_refuses_to_resume(reference, tmp_path):
    grid, _ = reference
    copy = tmp_path / "grid.toml"
    copy.write_text(grid.read_text().replace('"base.toml"', f'"{grid.parent / "base.toml"}"'))
    run_sweep(copy, tmp_path / "s", workers=1)
    copy.write_text(copy.read_text().replace("replicates = 3", "replicates = 4"))
    with pytest.raises(SweepError) as info:
        run_sweep(copy, tmp_path / "s", workers=1, resume=True)
    message = str(info.value)
    assert message.startswith(f"{copy}: changed since the sweep in {tmp_path / 's'} started (hash ")
    assert message.endswith("start a new --out or restore the file")
    with pytest.raises(SweepError, match="batch size was 4, now 5"):
        copy.write_text(copy.read_text().replace("replicates = 4", "replicates = 3"))
        run_sweep(copy, tmp_path / "s", workers=1, resume=True, batch_size=5)


def test_the_command_line_refuses_a_changed_file_in_one_line(reference, tmp_path, capsys):
    grid, _ = reference
    copy = tmp_path / "grid.toml"
    copy.write_text(grid.read_text().replace('"base.toml"', f'"{grid.parent / "base.toml"}"'))
    assert main(["sweep", str(copy), "--out", str(tmp_path / "s"), "--workers", "1"]) == 0
    copy.write_text(copy.read_text() + "\n# a comment changes the bytes\n")
    assert main(["sweep", str(copy), "--out", str(tmp_path / "s"), "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"leadsim: error: {copy}: changed since the sweep") and "\n" not in err

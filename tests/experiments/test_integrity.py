"""Results you can trust: every part checked against its receipt, every run exactly once.

Each test damages a finished sweep the way a crash, a full disk or a careless hand
would, and checks that ``--verify`` names the damage in one line, that ``--resume``
redoes exactly what is damaged, and that the result is then bit-identical to an
undamaged sweep.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil

import pandas as pd
import pytest
from experiment_files import BASE_SCENARIO, GRID, write

from leadsim.analysis import load_series
from leadsim.cli import main
from leadsim.experiments import SweepError, replay, run_sweep
from leadsim.experiments.sweep import runs_table, verify_sweep


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The grid (24 runs in 6 batches of 4) swept once, in this process."""
    lab = tmp_path_factory.mktemp("lab")
    write(lab, "base.toml", BASE_SCENARIO)
    grid = write(lab, "grid.toml", GRID)
    run_sweep(grid, lab / "whole", workers=1)
    return grid, pd.read_parquet(lab / "whole" / "runs.parquet"), load_series(lab / "whole")


@pytest.fixture
def swept(reference, tmp_path):
    """A copy of the finished sweep to damage."""
    grid, _, _ = reference
    out = tmp_path / "swept"
    shutil.copytree(grid.parent / "whole", out)
    return grid, out


def _same_as_reference(reference, out):
    _, runs, series = reference
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), runs, check_exact=True)
    pd.testing.assert_frame_equal(load_series(out), series, check_exact=True)
    assert verify_sweep(out).endswith("every part and runs.parquet match their sha256")


def test_a_finished_sweep_verifies(reference, swept, capsys):
    _, out = swept
    assert main(["sweep", "--verify", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed == (
        f"{out}: verified: 24 runs in 6 batches, every run exactly once (24 rows); "
        "every part and runs.parquet match their sha256\n"
    )


def test_a_batch_file_swapped_for_another_is_found_and_redone(reference, swept, capsys):
    grid, out = swept
    shutil.copyfile(
        out / "batches" / "runs-000001.parquet", out / "batches" / "runs-000002.parquet"
    )
    assert main(["sweep", "--verify", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"leadsim: error: {out}: batches/runs-000002.parquet: checksum ")
    assert err.count("\n") == 1 and "does not match the log's" in err
    summary = run_sweep(grid, out, workers=1, resume=True)
    assert summary.batches_run == 1  # that batch alone
    _same_as_reference(reference, out)


def test_a_swapped_batch_with_a_forged_receipt_still_fails_the_every_run_once_check(swept):
    """Even with the log's checksum made to match, a part holding another batch is caught."""
    grid, out = swept
    batches = out / "batches"
    shutil.copyfile(batches / "runs-000001.parquet", batches / "runs-000002.parquet")
    log = out / "receipts.jsonl"
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    one = next(r for r in lines[1:] if r["batch"] == 1)
    two = next(r for r in lines[1:] if r["batch"] == 2)
    two["sha256"] = one["sha256"]
    log.write_text("".join(json.dumps(r) + "\n" for r in lines))
    (out / "runs.parquet").unlink()
    with pytest.raises(SweepError, match=r"runs-000002.parquet: its metadata says batch 1"):
        verify_sweep(out)
    with pytest.raises(SweepError, match=r"holds batch 1 with 4 rows, not batch 2"):
        run_sweep(grid, out, workers=1, resume=True)


def test_a_deleted_or_corrupt_batch_of_a_complete_sweep_is_redone(reference, swept, capsys):
    grid, out = swept
    (out / "batches" / "runs-000003.parquet").write_bytes(b"not parquet at all")
    (out / "series" / "series-000005.parquet").unlink()
    with pytest.raises(SweepError, match=r"batches/runs-000003.parquet: checksum .* does not"):
        verify_sweep(out)  # the first problem
    assert main(["report", str(out)]) == 0  # runs.parquet itself is whole: report still works
    summary = run_sweep(grid, out, workers=1, resume=True)
    assert summary.batches_run == 2
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    _same_as_reference(reference, out)
    capsys.readouterr()


def test_a_tampered_runs_table_is_refused_and_assembled_again(reference, swept):
    grid, out = swept
    runs = pd.read_parquet(out / "runs.parquet")
    runs.loc[0, "peak_anxiety"] = 0.0
    runs.to_parquet(out / "runs.parquet", index=False)
    with pytest.raises(SweepError, match=r"runs.parquet: missing or does not match the sha256"):
        runs_table(out)
    summary = run_sweep(grid, out, workers=1, resume=True)
    assert summary.batches_run == 0  # every part holds: only runs.parquet is assembled again
    _same_as_reference(reference, out)


def test_a_deleted_manifest_strands_nothing(reference, swept, capsys):
    grid, out = swept
    (out / "manifest.json").unlink()
    assert main(["sweep", str(grid), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "a sweep's results without its manifest: add --resume to recover them" in err
    with pytest.raises(SweepError, match=r"no manifest\.json\) but its results are"):
        runs_table(out)
    summary = run_sweep(grid, out, workers=1, resume=True)
    assert summary.batches_run == 0  # every finished batch is recovered from the log
    _same_as_reference(reference, out)


def test_a_log_cut_short_by_a_crash_redoes_only_the_cut_batch(reference, swept):
    grid, out = swept
    log = out / "receipts.jsonl"
    text = log.read_bytes()
    log.write_bytes(text[: len(text) - 40])  # the last receipt half-written
    (out / "manifest.json").write_text(
        (out / "manifest.json").read_text().replace('"complete"', '"running"')
    )
    summary = run_sweep(grid, out, workers=1, resume=True)
    assert summary.batches_run == 1
    _same_as_reference(reference, out)


@pytest.mark.parametrize("content", [b"", b"garbage\x00\xff", b'{"pid": null}'])
def test_an_empty_or_garbage_lock_is_taken_over(reference, swept, content):
    grid, out = swept
    (out / ".lock").write_bytes(content)
    summary = run_sweep(grid, out, workers=1, resume=True)
    assert summary.batches_run == 0
    assert not (out / ".lock").exists()


def test_a_lock_held_by_a_live_process_is_respected(swept):
    grid, out = swept
    with open(out / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write(json.dumps({"host": "elsewhere", "pid": 4242}))
        handle.flush()
        with pytest.raises(SweepError, match=r"another sweep \(pid 4242 on elsewhere\) is writing"):
            run_sweep(grid, out, workers=1, resume=True)
    assert (out / "batches").is_dir()  # nothing touched


def test_a_tampered_experiment_copy_is_refused_by_report_replay_and_verify(swept, capsys):
    _, out = swept
    snapshot = out / "experiment.toml"
    snapshot.write_text(snapshot.read_text() + '\nextensions = ["evil:Rule"]\n')
    recorded = json.loads((out / "manifest.json").read_text())["experiment"]["sha256"]
    for command in (
        ["report", str(out)],
        ["replay", str(out), "0"],
        ["sweep", "--verify", str(out)],
    ):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"leadsim: error: {snapshot}: does not match the sha256 the sweep")
        assert recorded in err and err.count("\n") == 1
    with pytest.raises(SweepError, match="refusing to use it"):
        replay(out, 0)


def test_workers_that_cannot_see_the_folder_send_their_results_back(reference, tmp_path):
    grid, _, _ = reference
    out = tmp_path / "sent"
    run_sweep(grid, out, workers=2, workers_write=False)
    _same_as_reference(reference, out)


def test_the_runs_table_streams_through_windows_smaller_than_a_batch(reference, tmp_path):
    """Assembly a few runs at a time (here 5, batches of 4 interleaved) gives the same table."""
    import leadsim.experiments.storage as storage

    grid, runs, _ = reference
    old = storage.WINDOW_RUNS
    storage.WINDOW_RUNS = 5
    try:
        run_sweep(grid, tmp_path / "windows", workers=1, batch_size=7)
    finally:
        storage.WINDOW_RUNS = old
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "windows" / "runs.parquet"), runs, check_exact=True
    )


def test_an_out_that_is_a_file_or_under_a_file_is_one_line(reference, tmp_path, capsys):
    grid, _, _ = reference
    afile = tmp_path / "results.txt"
    afile.write_text("mine")
    assert main(["sweep", str(grid), "--out", str(afile), "--workers", "1"]) == 2
    assert capsys.readouterr().err == (
        f"leadsim: error: {afile}: is a file; --out must be a folder (new or empty)\n"
    )
    assert main(["sweep", str(grid), "--out", str(afile / "sub"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"leadsim: error: {afile / 'sub'}: cannot create the results folder")
    assert err.count("\n") == 1 and afile.read_text() == "mine"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_one_line_and_keeps_the_finished_batches(reference, tmp_path, capsys):
    """The receipts log on a device that is always full: the kernel's own ENOSPC."""
    grid, _, _ = reference
    out = tmp_path / "full"
    assert (
        main(["sweep", str(grid), "--out", str(out), "--workers", "1", "--batch-size", "12"]) == 0
    )
    log = out / "receipts.jsonl"
    kept = log.read_bytes()
    # an interrupted sweep, resumed onto a disk that fills when its next batch is recorded
    lines = kept.splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:2]))
    (out / "runs.parquet").unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(manifest))
    real_log = tmp_path / "receipts.real"
    shutil.copyfile(log, real_log)

    import leadsim.experiments.storage as storage

    original = storage.SweepStore.appending

    def onto_a_full_disk(self):
        self.log_path.unlink()
        self.log_path.symlink_to("/dev/full")
        return original(self)

    storage.SweepStore.appending = onto_a_full_disk
    try:
        code = main(["sweep", str(grid), "--out", str(out), "--workers", "1", "--resume"])
    finally:
        storage.SweepStore.appending = original
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"leadsim: error: {log}: cannot append to the receipts log (No space")
    assert err.rstrip().endswith(
        "free some space, then rerun with --resume (finished batches are kept)"
    )
    assert err.count("\n") == 1
    # the disk has room again: the batch recorded before is kept, the rest is done
    log.unlink()
    shutil.copyfile(real_log, log)
    summary = run_sweep(grid, out, workers=1, resume=True)
    assert summary.batches_run == 1
    _same_as_reference(reference, out)


KILLED = """
model = "sweep_helpers:dies_once"
seed = 3
replicates = 2
batch_size = 1
[factors]
x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
"""


def test_a_killed_worker_is_one_line_and_loses_nothing_finished(tmp_path):
    """A worker process SIGKILLed mid-sweep: one line, the finished batches kept, resume ends it."""
    import subprocess
    import sys
    from pathlib import Path

    experiment = write(tmp_path, "killed.toml", KILLED)
    marker = tmp_path / "kill-me"
    marker.write_text("")
    out = tmp_path / "out"
    helpers = Path(__file__).parent
    env = {**os.environ, "LEADSIM_TEST_KILL": str(marker), "PYTHONPATH": str(helpers)}
    command = [sys.executable, "-m", "leadsim", "sweep", str(experiment), "--out", str(out),
               "--workers", "2", "--no-progress"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert not marker.exists()  # the kill happened
    err = done.stderr.strip()
    assert err.startswith("leadsim: error: batch") and "\n" not in err
    assert "a worker process died (killed, or out of memory); finished batches are kept: " in err
    kept = [json.loads(line) for line in (out / "receipts.jsonl").read_text().splitlines()[1:]]
    summary = run_sweep(experiment, out, workers=1, resume=True)
    assert summary.batches_run == 24 - len(kept)  # nothing finished is redone
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["run_id"].tolist() == list(range(24))
    assert (runs["y"] == 2 * runs["x"]).all()
    assert verify_sweep(out).startswith(f"{out}: verified: 24 runs in 24 batches")


def test_a_file_too_large_for_the_disk_is_one_line_then_resumes(reference, tmp_path):
    """A real write failure (the kernel's EFBIG under a file-size limit) while a part is written."""
    import resource
    import signal
    import subprocess
    import sys
    from pathlib import Path

    grid, _, _ = reference
    out = tmp_path / "limited"

    def small_files_only():  # parts are ~14 kB, the manifest and log ~2 kB
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    command = [sys.executable, "-m", "leadsim", "sweep", str(grid), "--out", str(out),
               "--workers", "1", "--no-progress"]  # fmt: skip
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, preexec_fn=small_files_only
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"leadsim: error: {out / 'batches' / 'runs-000000.parquet'}: cannot write a batch's "
        "results (File too large); free some space, then rerun with --resume (finished "
        "batches are kept)\n"
    )
    assert not list(out.rglob("*.tmp"))  # no half-written file left behind
    summary = run_sweep(grid, out, workers=1, resume=True)
    assert summary.batches_run == 6
    _same_as_reference(reference, out)

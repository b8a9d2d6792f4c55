"""An interrupted sweep (the process killed) resumes to exactly the uninterrupted result."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
from experiment_files import write

from leadsim.analysis import load_series
from leadsim.experiments import run_sweep

SLOW_GRID = """
scenario = "base.toml"
replicates = 4
seed = 23
batch_size = 2
horizon = 30
[factors]
policy = ["delegating", "egalitarian", "integrated"]
approach = ["quick_fix", "cycles"]
n_staff = [12, 20]
[output]
every = 3
series = ["distribution_index", "anxiety"]
"""


def _batches_done(out):
    """The batches the receipts log lists (a line cut short by the kill is not a receipt)."""
    try:
        lines = (out / "receipts.jsonl").read_bytes().splitlines()[1:]
    except FileNotFoundError:
        return []
    done = []
    for line in lines:
        with contextlib.suppress(ValueError):
            done.append(json.loads(line)["batch"])
    return sorted(done)


def _kill_after_first_batch(experiment, out):
    """Run ``leadsim sweep`` in a subprocess and SIGKILL it once the manifest lists a batch."""
    command = [sys.executable, "-m", "leadsim", "sweep", str(experiment), "--out", str(out),
               "--workers", "1", "--no-progress"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if _batches_done(out):
                break
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    return process


def test_a_killed_sweep_resumes_to_the_uninterrupted_result(lab):
    experiment = write(lab, "slow.toml", SLOW_GRID)
    out = lab / "interrupted"
    process = _kill_after_first_batch(experiment, out)
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running"
    done = _batches_done(out)
    assert 0 < len(done) < manifest["design"]["batches"]  # interrupted mid-way
    assert (out / ".lock").exists()  # left behind by the killed process

    # a batch half-written when the process died: a stray temporary file and a file
    # of a batch the log does not list
    missing = min(set(range(manifest["design"]["batches"])) - set(done))
    (out / "batches" / f"runs-{missing:06d}.parquet").write_bytes(b"half a file")
    (out / "series" / f".series-{missing:06d}.parquet.999.tmp").write_bytes(b"half")

    summary = run_sweep(experiment, out, workers=2, resume=True)
    assert summary.batches_run == manifest["design"]["batches"] - len(done)
    assert not (out / ".lock").exists()
    assert not list(out.rglob("*.tmp"))

    run_sweep(experiment, lab / "whole", workers=1)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "runs.parquet"),
        pd.read_parquet(lab / "whole" / "runs.parquet"),
        check_exact=True,
    )
    pd.testing.assert_frame_equal(load_series(out), load_series(lab / "whole"), check_exact=True)
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"

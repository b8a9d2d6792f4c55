"""Sweeps on a GPU (``run_sweep(device="gpu")``, ``leadsim sweep --device gpu``).

CI has no GPU: the GPU's sweep runs under numba's CUDA simulator (in a subprocess, as
``NUMBA_ENABLE_CUDASIM=1`` must be set before ``numba.cuda`` is imported) and must give
the CPU sweep's results; without CUDA, asking for the GPU is one line and writes
nothing. The card-and-host sizing of batches is checked as arithmetic.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from experiment_files import write

from leadsim.engine.gpu_sizing import batch_size_for
from leadsim.experiments.storage import SweepError
from leadsim.experiments.sweep import check_device
from simulated_gpu import COUNT_ENGINES, no_cuda, simulator

SMALL = """
scenario = "base.toml"
replicates = 2
seed = 5
batch_size = 3
horizon = 12
[factors]
policy = ["delegating", "adaptive"]
approach = ["quick_fix", "cycles"]
[output]
every = 3
series = ["distribution_index", "anxiety"]
"""

_BOTH = (
    COUNT_ENGINES
    + """
import json, sys
import numpy as np
from leadsim.experiments.sweep import replay, run_sweep, runs_table
def main():
    file, out = sys.argv[1], sys.argv[2]
    summaries = {}
    for device in ("cpu", "gpu"):
        summary = run_sweep(file, f"{out}/{device}", workers=1, device=device, progress=False)
        summaries[device] = summary.status_counts
    cpu, gpu = runs_table(f"{out}/cpu"), runs_table(f"{out}/gpu")
    assert list(cpu.columns) == list(gpu.columns)
    different, worst = [], 0.0
    for column in cpu.columns:
        a, b = cpu[column].to_numpy(), gpu[column].to_numpy()
        if a.dtype.kind == "f":
            if not np.array_equal(np.isnan(a), np.isnan(b)):
                different.append(column)
            a, b = np.nan_to_num(a), np.nan_to_num(b)
            scale = np.maximum(np.abs(a), np.finfo(float).tiny)
            worst = max(worst, float(np.max(np.abs(a - b) / scale, initial=0.0)))
        elif not (cpu[column].astype(str) == gpu[column].astype(str)).all():
            different.append(column)
    design = json.loads(open(f"{out}/gpu/manifest.json").read())["design"]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:  # an executor's worker is asked to size the batches
        elsewhere = run_sweep(file, f"{out}/pool", executor=pool, device="gpu", progress=False)
    pool_design = json.loads(open(f"{out}/pool/manifest.json").read())["design"]
    receipts = [json.loads(line) for line in open(f"{out}/gpu/receipts.jsonl")][1:]  # a header
    again = replay(f"{out}/gpu", 5)
    json.dump({"different": different, "worst": worst, "rows": len(cpu), "built": built,
               "summaries": summaries, "batch_size": design["batch_size"],
               "devices": [r.get("device", "cpu") for r in receipts],
               "pool": [elsewhere.status_counts, pool_design["batch_size"]],
               "replay": [again.identical, again.device, again.tolerance]}, sys.stdout)

if __name__ == "__main__":
    main()
"""
)


def test_a_sweep_on_the_gpu_gives_the_cpu_sweeps_results(lab: Path, tmp_path: Path):
    experiment = write(lab, "small.toml", SMALL)
    env = simulator()
    done = subprocess.run(
        [sys.executable, "-c", _BOTH, str(experiment), str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["rows"] == 8 and result["summaries"]["gpu"] == {"ok": 8}
    assert result["built"] == [8, 8, 1]  # GPU engines: the sweep, the executor's, the replay
    assert result["pool"][0] == {"ok": 8} and result["pool"][1] > 8
    assert result["different"] == []  # statuses, run ids, every discrete summary
    assert result["worst"] <= 1e-12  # floats: the last bits of exp (see test_gpu_kernels)
    # sized to the (simulated) card, not the file's batch size (a CPU's): one batch here
    assert result["batch_size"] > 8
    assert result["devices"] == ["gpu"]  # the receipt says where the batch ran
    assert result["replay"] == [True, "gpu", 0.0]  # replayed there: bit for bit
    # where there is no GPU, the GPU's batch is replayed on the CPU, floats nearly equal
    env = no_cuda()
    done = subprocess.run(
        [sys.executable, "-m", "leadsim", "replay", str(tmp_path / "out" / "gpu"), "5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "it ran on a GPU, replayed on this CPU, floats within 1e-09 relative" in done.stdout


def test_asking_for_a_gpu_where_there_is_none_is_one_line_and_writes_nothing(
    lab: Path, tmp_path: Path
):
    experiment = write(lab, "small.toml", SMALL)
    out = tmp_path / "results"
    env = no_cuda()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leadsim",
            "sweep",
            str(experiment),
            "--out",
            str(out),
            "--device",
            "gpu",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("leadsim: error: --device gpu: no CUDA GPU found")
    assert not out.exists()


def test_a_gpu_sweep_refuses_what_only_the_cpu_runs(lab: Path):
    from leadsim.experiments.spec import load_experiment

    with_extension = write(
        lab, "ext.toml", 'extensions = ["leadsim.engine.extensions:Extension"]\n' + SMALL
    )
    experiment = load_experiment(with_extension)
    assert experiment.extensions
    with pytest.raises(
        SweepError, match=r"^--device gpu: the experiment names extensions.*; allowed"
    ):
        check_device(experiment, "gpu")
    check_device(experiment, "cpu")  # the CPU runs it
    plain = load_experiment(write(lab, "plain.toml", SMALL))
    check_device(plain, "gpu", local=False)  # an executor's workers have the GPU, not this process
    with pytest.raises(SweepError, match=r"^--device: 'tpu' is not a device; allowed: cpu or gpu$"):
        check_device(experiment, "tpu")


GB = 2**30


def test_gpu_batches_fit_the_card_and_the_host():
    big = batch_size_for(60, 1, 156, 1, device_free=139 * GB, host_free=120 * GB)
    small_card = batch_size_for(60, 1, 156, 1, device_free=1 * GB, host_free=120 * GB)
    small_host = batch_size_for(60, 1, 156, 1, device_free=139 * GB, host_free=4 * GB)
    shared = batch_size_for(60, 1, 156, 2, device_free=1 * GB, host_free=120 * GB)
    assert big == 250_000  # capped: more in one batch only delays the first results
    assert 1 <= small_card < big and 1 <= small_host < big
    assert shared == pytest.approx(small_card / 2, abs=1)  # two workers share the card
    # a run of twelve organisations costs about twelve times one
    twelve = batch_size_for(60, 12, 156, 1, device_free=1 * GB, host_free=120 * GB)
    assert twelve == pytest.approx(small_card / 12, rel=0.01)
    assert batch_size_for(10**6, 1, 156, 1, device_free=1, host_free=1) == 1  # never 0

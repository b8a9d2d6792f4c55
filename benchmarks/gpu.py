"""The GPU engine's speed, its agreement with the CPU engine, and the stylized facts on it.

    python benchmarks/gpu.py                              # 1k, 10k, 100k, 1M organisations
    python benchmarks/gpu.py --sizes 1000,10000 --quick   # a short check
    NUMBA_ENABLE_CUDASIM=1 python benchmarks/gpu.py --sizes 4 --weeks 8 --sweep-runs 8 \\
        --cpu-runs 8 --docking-runs 4 --no-facts          # the script itself, on the CPU

One scenario (``integrated``: one school of 60 staff, 156 weeks), one organisation per
run, as the issue states the target. Printed as JSON (and written with ``--json``):

- ``engine``: for each batch size, one ``Engine(runs, device="gpu")`` timed in three
  parts: ``build_s`` (the organisations built on the host, moved to the device),
  ``simulate_s`` (every week on the device, until the device is idle), ``results_s``
  (the records copied back, the summaries computed, the runs table written as
  Parquet). ``runs_per_s`` counts the simulation alone; ``runs_per_s_end_to_end``
  all three, in one process.
- ``sweep``: ``run_sweep(..., device="gpu")`` of ``--sweep-runs`` runs with every core
  a worker sharing the GPU, the results written and checksummed as any sweep's: the
  issue's figure (runs/s with the results written).
- ``cpu``: the same sweep on the CPU engine, every core, for ``--cpu-runs`` runs: the
  ratio's denominator, measured in this run on this machine.
- ``docking``: ``--docking-runs`` runs of five scenarios, on both engines with the same
  seeds, run for run: the share whose discrete outcomes (reverted, the week of
  reversion) are identical, and the largest relative difference of a float
  summary, with the per-scenario means side by side.
- ``facts``: ``tests/test_stylized_facts.py`` run with ``LEADSIM_TEST_DEVICE=gpu`` (every
  replicate on the GPU engine): passed or not, and pytest's last line.

Needs a CUDA GPU and ``pip install 'leadsim[gpu]'`` (or the simulator, as above).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCKING_SCENARIOS = ("abdication", "integrated", "integrated_cycles", "adaptive", "rivalry")


def _runs(scenario: str, n: int, seed: int = 1_000) -> list:
    from leadsim.config import find_scenario
    from leadsim.engine import RunSpec

    found = find_scenario(scenario)
    return [RunSpec(found.params, seed + i, found.organisations, found.events) for i in range(n)]


def _synchronize() -> None:
    from numba import cuda

    cuda.synchronize()


def time_engine(n: int, weeks: int, out: Path) -> dict:
    """One GPU engine of ``n`` runs: build, simulate, results (seconds and rates)."""
    import pandas as pd

    from leadsim.engine import Engine
    from leadsim.engine.core import summaries_of

    runs = _runs("integrated", n)
    started = time.perf_counter()
    engine = Engine(runs, device="gpu")
    _synchronize()
    built = time.perf_counter()
    engine.run(weeks)
    _synchronize()
    simulated = time.perf_counter()
    summaries = summaries_of(engine)
    table = pd.DataFrame({"run_id": np.arange(n), **summaries})
    table.to_parquet(out / f"engine-{n}.parquet")
    done = time.perf_counter()
    staff = engine.n_staff
    del engine
    simulate = simulated - built
    return {
        "organisations": n,
        "staff": staff,
        "weeks": weeks,
        "build_s": round(built - started, 3),
        "simulate_s": round(simulate, 3),
        "results_s": round(done - simulated, 3),
        "runs_per_s": round(n / simulate, 1),
        "staff_weeks_per_s": float(f"{staff * weeks / simulate:.3g}"),
        "runs_per_s_end_to_end": round(n / (done - started), 1),
        "reverted_share": round(float(np.mean(summaries["reverted"])), 4),
    }


EXPERIMENT = """
name = "gpu_benchmark"
title = "GPU benchmark: integrated, one school, replicated"
scenario = "integrated"
replicates = {runs}
seed = 7
horizon = {weeks}
[factors]
policy = ["integrated"]
"""


def time_sweep(runs: int, weeks: int, device: str, folder: Path) -> dict:
    """``run_sweep`` of ``runs`` replicates on ``device``, every core a worker."""
    from leadsim.experiments.runner import available_cores
    from leadsim.experiments.sweep import run_sweep

    file = folder / f"sweep-{device}.toml"
    file.write_text(EXPERIMENT.format(runs=runs, weeks=weeks))
    workers = available_cores()
    summary = run_sweep(
        file, folder / f"sweep-{device}", workers=workers, device=device, progress=False
    )
    manifest = json.loads((folder / f"sweep-{device}" / "manifest.json").read_text())
    return {
        "device": device,
        "runs": summary.runs,
        "workers": workers,
        "batch_size": manifest["design"]["batch_size"],
        "seconds": round(summary.seconds, 2),
        "runs_per_s": round(summary.runs_per_second, 1),
        "status_counts": summary.status_counts,
    }


def docking(runs: int, weeks: int | None) -> dict:
    """CPU and GPU engines on the same seeds, run for run, for five scenarios."""
    from leadsim.config import find_scenario
    from leadsim.engine import Engine
    from leadsim.engine.core import summaries_of

    report = {}
    for name in DOCKING_SCENARIOS:
        specs = _runs(name, runs, seed=20_261_204)
        horizon = weeks or find_scenario(name).horizon
        summaries = {}
        for device in ("cpu", "gpu"):
            engine = Engine(specs, device=device)
            engine.run(horizon)
            summaries[device] = summaries_of(engine)
        cpu, gpu = summaries["cpu"], summaries["gpu"]
        discrete = ("reverted", "time_to_reversion")
        same = np.ones(cpu["reverted"].size, dtype=bool)
        for key in discrete:
            if key in cpu:
                same &= np.asarray(cpu[key] == gpu[key]) | (np.isnan(cpu[key]) & np.isnan(gpu[key]))
        worst = 0.0
        for key, values in cpu.items():
            if values.dtype.kind == "f":
                a, b = np.nan_to_num(values), np.nan_to_num(gpu[key])
                worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300))))
        report[name] = {
            "runs": int(cpu["reverted"].size),
            "identical_discrete_share": round(float(same.mean()), 4),
            "max_relative_float_difference": float(f"{worst:.3g}"),
            "reverted_share": {
                d: round(float(np.mean(s["reverted"])), 4) for d, s in summaries.items()
            },
            "final_distribution_index": {
                d: round(float(np.mean(s["final_distribution_index"])), 4)
                for d, s in summaries.items()
            },
        }
    return report


def facts() -> dict:
    """The seven stylized facts' tests, every replicate on the GPU engine."""
    env = {**os.environ, "LEADSIM_TEST_DEVICE": "gpu"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_stylized_facts.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    return {"passed": done.returncode == 0, "pytest": lines[-1] if lines else done.stderr[-500:]}


def machine() -> dict:
    from numba import config, cuda

    info = {"python": platform.python_version(), "cores": os.cpu_count()}
    if config.ENABLE_CUDASIM:
        info["gpu"] = "numba's CUDA simulator (no GPU: the figures time the simulator)"
    else:
        device = cuda.get_current_device()
        info["gpu"] = device.name.decode() if isinstance(device.name, bytes) else str(device.name)
        info["compute_capability"] = ".".join(map(str, device.compute_capability))
        info["memory_gb"] = round(cuda.current_context().get_memory_info()[1] / 2**30, 1)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--sweep-runs", type=int, default=1_000_000)
    parser.add_argument("--cpu-runs", type=int, default=20_000)
    parser.add_argument("--docking-runs", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sweeps and docking")
    parser.add_argument("--no-facts", action="store_true", help="skip the stylized facts")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    if args.quick:
        args.sweep_runs, args.cpu_runs = args.sweep_runs // 10, args.cpu_runs // 10
        args.docking_runs = max(args.docking_runs // 10, 10)
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    from leadsim.engine import gpu

    gpu.require()
    result: dict = {"machine": machine(), "engine": [], "sweep": None, "cpu": None}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _ = time_engine(min(100, int(args.sizes.split(",")[0])), args.weeks, folder)  # compile
        for size in (int(s) for s in args.sizes.split(",")):
            result["engine"].append(time_engine(size, args.weeks, folder))
            print(json.dumps(result["engine"][-1]), file=sys.stderr)
        if args.sweep_runs:
            result["sweep"] = time_sweep(args.sweep_runs, args.weeks, "gpu", folder)
            print(json.dumps(result["sweep"]), file=sys.stderr)
        if args.cpu_runs:
            result["cpu"] = time_sweep(args.cpu_runs, args.weeks, "cpu", folder)
            print(json.dumps(result["cpu"]), file=sys.stderr)
    if result["sweep"] and result["cpu"]:
        result["gpu_over_cpu"] = round(
            result["sweep"]["runs_per_s"] / result["cpu"]["runs_per_s"], 2
        )
    if args.docking_runs:
        result["docking"] = docking(args.docking_runs, None if args.weeks == 156 else args.weeks)
    if not args.no_facts:
        result["facts"] = facts()
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

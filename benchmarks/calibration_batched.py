"""Simulations per second: a calibration's draws in batches on the engine vs one run at a time.

The same parameter draws (from the priors of calibration/synthetic_integrated.toml,
one run each, the targets' weekly series recorded) simulated two ways through the
same code path (:func:`leadsim.calibration.simulator.simulate_targets`):

- **batched**: a generation's draws advance together, in batches of 1,000 runs;
- **one at a time**: each draw a batch of its own, as an ABC library calls a model
  once per particle.

    uv run python benchmarks/calibration_batched.py            # 2,000 draws batched, 200 alone
    uv run python benchmarks/calibration_batched.py --quick

Prints JSON and writes it to benchmarks/calibration-batched-2cores.json (--out).
The results of the two ways are checked to be identical.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from leadsim.calibration.simulator import calibration_experiment, simulate_targets
from leadsim.calibration.smc import sample_prior
from leadsim.calibration.targets import load_calibration
from leadsim.warmup import warm_up

ROOT = Path(__file__).resolve().parents[1]


def rate(calibration, draws, seeds, batch_size: int) -> tuple[float, np.ndarray]:
    calibration = replace(calibration, batch_size=batch_size)
    experiment = calibration_experiment(calibration)
    started = time.perf_counter()
    values = simulate_targets(calibration, draws, seeds, replicates=1, experiment=experiment)
    return len(draws) / (time.perf_counter() - started), values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=2000, help="draws simulated in batches")
    parser.add_argument("--alone", type=int, default=200, help="of them, simulated one at a time")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--out", default=str(ROOT / "benchmarks" / "calibration-batched-2cores.json")
    )
    args = parser.parse_args()
    if args.quick:
        args.draws, args.alone = 300, 30
    warm_up()
    calibration = load_calibration(ROOT / "calibration" / "synthetic_integrated.toml")
    rng = np.random.default_rng(1)
    draws = sample_prior(calibration.priors, rng, args.draws)
    seeds = rng.integers(0, 2**63 - 1, size=args.draws, dtype=np.int64)
    rate(calibration, draws[:10], seeds[:10], 1000)  # warm caches
    batched, values = rate(calibration, draws, seeds, 1000)
    alone, values_alone = rate(calibration, draws[: args.alone], seeds[: args.alone], 1)
    assert np.array_equal(values[: args.alone], values_alone, equal_nan=True)
    report = {
        "what": "runs/s of synthetic_integrated's draws (60 staff x 156 weeks, 4 weekly metrics kept)",
        "draws_batched": args.draws,
        "draws_alone": args.alone,
        "batch_size": 1000,
        "batched_runs_per_second": round(batched, 1),
        "one_at_a_time_runs_per_second": round(alone, 1),
        "speed_up": round(batched / alone, 1),
        "identical_results": True,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
    }
    text = json.dumps(report, indent=2)
    Path(args.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

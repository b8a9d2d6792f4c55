"""EMA Workbench throughput: leadsim.ema's batched evaluator against a per-run wrapper.

The per-run wrapper is what a researcher writes first: an EMA ``Model`` whose function
calls ``simulate()`` once per experiment, run by EMA's ``SequentialEvaluator``. The
batched model is ``leadsim.ema.LeadsimModel`` under ``BatchEvaluator`` (one process,
and all cores). Both evaluate the same experiments (one LHS sample), on the same
machine, in one run, rounds interleaved so that load on the machine hits both alike;
each figure is its best round. Worker processes are started and warmed before
the clock starts (a sweep pays that once, not per experiment). The ratio is batched (one process) over per-run.

    uv run python benchmarks/ema.py --out benchmarks/ema-2cores.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from ema_workbench import Model, Samplers, ScalarOutcome, SequentialEvaluator

from leadsim.config import find_scenario
from leadsim.ema import OUTCOMES, BatchEvaluator, LeadsimModel, parameters
from leadsim.simulate import simulate

UNCERTAINTIES = (
    ("containment", 0.0, 1.0),
    ("anxiety_contagion", 0.05, 0.5),
    ("ambiguity_anxiety", 0.0, 0.15),
    ("holding_relief", 0.05, 0.4),
    ("pressure_baseline", 0.0, 1.0),
    "policy",
)


def per_run_model(scenario: str, horizon: int) -> Model:
    """The 16-line wrapper: one simulate() per experiment."""
    base = find_scenario(scenario)

    def leadsim_run(**values):
        changes = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in values.items()}
        summary = simulate(base.with_changes(**changes), steps=horizon).summary.iloc[0]
        return {k: float(summary[k]) if pd.notna(summary[k]) else np.nan for k in OUTCOMES}

    model = Model("perrun", function=leadsim_run)
    model.uncertainties = parameters(*UNCERTAINTIES)
    model.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    return model


def timed(evaluator, sample, warm) -> float:
    """Seconds to evaluate the sample's experiments (workers started and warmed first)."""
    with evaluator:
        evaluator.perform_experiments(warm, log_progress=True)
        started = time.perf_counter()
        evaluator.perform_experiments(sample, log_progress=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=1000)
    parser.add_argument("--horizon", type=int, default=156)
    parser.add_argument("--scenario", default="integrated")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="write the result JSON here")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    batched = LeadsimModel(
        "leadsim",
        args.scenario,
        uncertainties=parameters(*UNCERTAINTIES),
        horizon=args.horizon,
        seed=1,
    )
    plain = per_run_model(args.scenario, args.horizon)
    sample = Samplers.LHS.value.generate_samples(batched.uncertainties, args.experiments, rng=1)
    warm = Samplers.LHS.value.generate_samples(batched.uncertainties, 8, rng=2)
    seconds: dict[str, list[float]] = {"per_run": [], "batched_1": [], f"batched_{cores}": []}
    for _ in range(args.rounds):
        seconds["per_run"].append(timed(SequentialEvaluator(plain), sample, warm))
        seconds["batched_1"].append(timed(BatchEvaluator(batched), sample, warm))
        if cores > 1:
            evaluator = BatchEvaluator(batched, n_processes=cores)
            seconds[f"batched_{cores}"].append(timed(evaluator, sample, warm))
    rate = {key: args.experiments / min(values) for key, values in seconds.items() if values}
    result = {
        "benchmark": "benchmarks/ema.py",
        "command": "uv run python benchmarks/ema.py" + (f" --out {args.out}" if args.out else ""),
        "experiments": args.experiments,
        "horizon": args.horizon,
        "scenario": args.scenario,
        "uncertainties": [u if isinstance(u, str) else u[0] for u in UNCERTAINTIES],
        "rounds": args.rounds,
        "cores": cores,
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, {cores} cores",
        "python": platform.python_version(),
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "seconds": {k: [round(s, 3) for s in v] for k, v in seconds.items() if v},
        "runs_per_second": {k: round(v, 1) for k, v in rate.items()},
        "ratio_batched_1_process_over_per_run": round(rate["batched_1"] / rate["per_run"], 1),
    }
    if cores > 1:
        result[f"ratio_batched_{cores}_processes_over_per_run"] = round(
            rate[f"batched_{cores}"] / rate["per_run"], 1
        )
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()

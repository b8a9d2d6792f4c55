"""Simulation-based calibration of `leadsim calibrate`: does the 90 % interval hold the truth 90 % of the time?

Over many synthetic data sets, each generated from parameters drawn from the prior of
calibration/synthetic_integrated.toml (one run at those values, plus survey noise of
the targets' standard errors: the measurement model the calibration assumes), run the
calibration with a smaller budget and record whether each true value lies inside the
central 50 % and 90 % credible intervals, and its rank among the posterior draws.
A well-calibrated method covers about 50 % and 90 %; ABC with a finite threshold is
expected to err on the wide (conservative) side.

    uv run python benchmarks/calibration_sbc.py                  # 60 data sets
    uv run python benchmarks/calibration_sbc.py --datasets 10    # a quick check

Prints JSON and writes it to benchmarks/calibration-sbc-2cores.json (--out), and the
figure to docs/img/calibration-sbc.png (--figure).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from leadsim.calibration.run import calibrate
from leadsim.calibration.simulator import simulate_targets
from leadsim.calibration.smc import credible_interval, sample_prior
from leadsim.calibration.targets import load_calibration

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=60)
    parser.add_argument("--population", type=int, default=500)
    parser.add_argument("--simulations", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "calibration-sbc-2cores.json"))
    parser.add_argument("--figure", default=str(ROOT / "docs" / "img" / "calibration-sbc.png"))
    args = parser.parse_args()

    base = load_calibration(ROOT / "calibration" / "synthetic_integrated.toml")
    base = replace(base, population=args.population, simulations=args.simulations, predictive=0)
    names = base.parameter_names
    rng = np.random.default_rng(args.seed)
    truths = sample_prior(base.priors, rng, args.datasets)
    data_seeds = rng.integers(0, 2**63 - 1, size=args.datasets, dtype=np.int64)
    values = simulate_targets(base, truths, data_seeds, replicates=1)[:, 0, :]
    errors = np.array([t.scale if t.standard_error is not None else 0.0 for t in base.targets])
    observed = values + rng.standard_normal(values.shape) * errors

    inside = {level: np.zeros((args.datasets, len(names)), bool) for level in (0.5, 0.9)}
    widths = np.zeros((args.datasets, len(names)))
    ranks = np.zeros((args.datasets, len(names)))
    simulations, started = 0, time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for d in range(args.datasets):
            targets = tuple(
                replace(t, observed=float(v))
                for t, v in zip(base.targets, observed[d], strict=True)
            )
            calibration = replace(base, targets=targets, seed=int(args.seed + d), truth={})
            result = calibrate(
                base.path, Path(folder) / f"d{d}", calibration=calibration, report=False
            )
            population = result.population
            simulations += population.simulations
            for k, prior in enumerate(base.priors):
                draws = population.draws[:, k]
                for level in inside:
                    low, high = credible_interval(draws, population.weights, level)
                    inside[level][d, k] = low <= truths[d, k] <= high
                    if level == 0.9:
                        widths[d, k] = (high - low) / prior.width
                ranks[d, k] = float(population.weights @ (draws < truths[d, k]))
            print(f"data set {d + 1}/{args.datasets}: {population.simulations} runs", flush=True)
    seconds = time.perf_counter() - started
    report = {
        "what": "simulation-based calibration of leadsim calibrate on synthetic_integrated's targets",
        "datasets": args.datasets,
        "population": args.population,
        "simulations_per_dataset": args.simulations,
        "parameters": list(names),
        "coverage_50": {n: float(inside[0.5][:, k].mean()) for k, n in enumerate(names)},
        "coverage_90": {n: float(inside[0.9][:, k].mean()) for k, n in enumerate(names)},
        "mean_width_90_over_prior_width": {
            n: float(widths[:, k].mean()) for k, n in enumerate(names)
        },
        "posterior_rank_quantiles": {n: ranks[:, k].round(3).tolist() for k, n in enumerate(names)},
        "simulations": int(simulations),
        "seconds": round(seconds, 1),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
    }
    text = json.dumps(report, indent=2)
    Path(args.out).write_text(text + "\n")
    print(text)
    figure_of(report, ranks, Path(args.figure))


def figure_of(report: dict, ranks: np.ndarray, path: Path) -> None:
    from matplotlib.figure import Figure

    names = report["parameters"]
    figure = Figure(figsize=(3.2 * (len(names) + 1), 3.0), layout="constrained")
    axes = figure.subplots(1, len(names) + 1)
    x = np.arange(len(names))
    for offset, level in ((-0.18, 50), (0.18, 90)):
        shares = [report[f"coverage_{level}"][n] for n in names]
        axes[0].bar(x + offset, shares, width=0.34, label=f"{level}% interval")
        axes[0].axhline(level / 100, color="grey", ls="--", lw=1)
    axes[0].set_xticks(x, [n.replace("_", "\n") for n in names], fontsize="small")
    axes[0].set_ylim(0, 1.3)
    axes[0].set_title(f"coverage over {report['datasets']} data sets", fontsize="medium")
    axes[0].legend(fontsize="small", frameon=False, loc="upper center", ncol=2)
    for ax, k in zip(axes[1:], range(len(names)), strict=True):
        ax.hist(ranks[:, k], bins=10, range=(0, 1), color="#1f6f8b", alpha=0.8)
        ax.axhline(len(ranks) / 10, color="grey", ls="--", lw=1)
        ax.set_title(f"rank of the truth: {names[k]}", fontsize="small")
        ax.set_xlabel("posterior mass below the true value")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()

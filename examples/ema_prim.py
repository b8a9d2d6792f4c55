"""Scenario discovery with EMA Workbench and PRIM: where does distributed leadership revert?

1,000 experiments over the head's containment, staff anxiety parameters, accountability
pressure and the head's policy, simulated in batches on leadsim's engine
(``leadsim.ema``), then PRIM (Friedman & Fisher's patient rule induction) finds the box
of the uncertainty space where organisations revert to hierarchy.

    uv run python examples/ema_prim.py                    # 1,000 experiments, ~2 s
    uv run python examples/ema_prim.py --experiments 5000 --processes 2 --figure prim.png

Needs EMA Workbench: ``pip install leadsim[ema]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadsim.ema import LeadsimModel, outcomes, parameters, perform_experiments

UNCERTAINTIES = (
    ("containment", 0.0, 1.0),  # the head's holding environment
    ("anxiety_contagion", 0.05, 0.5),  # how far anxiety spreads between colleagues
    ("ambiguity_anxiety", 0.0, 0.15),  # anxiety from unclear distributed roles
    ("holding_relief", 0.05, 0.4),  # relief from a contained, trusted head
    ("pressure_baseline", 0.0, 1.0),  # accountability pressure
    "policy",  # every policy (called leader_policy in EMA's table)
)


def run(
    experiments: int = 1000,
    *,
    seed: int = 20260301,
    horizon: int = 156,
    processes: int = 1,
    figure: str | Path | None = None,
) -> dict[str, Any]:
    """Sample, simulate, and find the PRIM box of reversion; print and return it."""
    from ema_workbench import Samplers
    from ema_workbench.analysis import prim

    model = LeadsimModel(
        "leadsim",
        "integrated",
        uncertainties=parameters(*UNCERTAINTIES),
        outcomes=outcomes("reverted", "final_distribution_index", "time_to_reversion"),
        horizon=horizon,
        seed=seed,
    )
    started = time.perf_counter()
    table, results = perform_experiments(
        model,
        experiments,
        n_processes=processes,
        uncertainty_sampling=Samplers.LHS,
        uncertainty_sampling_kwargs={"rng": seed},
        log_progress=True,
    )
    seconds = time.perf_counter() - started
    reverted = np.asarray(results["reverted"], dtype=bool)
    print(
        f"{experiments} experiments in {seconds:.2f} s ({experiments / seconds:,.0f} runs/s); "
        f"{reverted.mean():.0%} reverted"
    )

    x = table.drop(columns=["scenario", "policy", "model"])
    finder = prim.Prim(x, reverted, peel_alpha=0.1)
    box = finder.find_box()
    trajectory = box.peeling_trajectory
    # the densest box that still covers half the reversions
    covering = trajectory[trajectory["coverage"] >= 0.5]
    chosen = int(covering["density"].idxmax()) if len(covering) else len(trajectory) - 1
    box.select(chosen)
    stats = trajectory.iloc[chosen]
    limits = box_limits(box.box_lims[chosen], box.box_lims[0])
    print(
        f"PRIM box {chosen}: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, "
        f"mass {stats['mass']:.2f} (base rate {reverted.mean():.2f})"
    )
    print(limits.to_string())
    if figure is not None:
        save_figure(trajectory, stats, limits, x, figure)
        print(f"figure: {figure}")
    return {
        "experiments": experiments,
        "seconds": seconds,
        "base_rate": float(reverted.mean()),
        "box": chosen,
        "coverage": float(stats["coverage"]),
        "density": float(stats["density"]),
        "limits": limits,
    }


def box_limits(lims: pd.DataFrame, full: pd.DataFrame) -> pd.DataFrame:
    """The restricted dimensions of a PRIM box: min and max, or the categories kept.

    (EMA 3.0's ``box.inspect(style="data")`` fails on a restricted categorical column
    with pandas 2.3, so the limits are read off ``box.box_lims`` directly.)
    """
    rows = {}
    for name in lims.columns:
        low, high = lims[name].iloc[0], lims[name].iloc[1]
        if isinstance(low, set):
            if low != full[name].iloc[0]:
                rows[name] = {"min": ", ".join(sorted(low)), "max": ""}
        elif (low, high) != (full[name].iloc[0], full[name].iloc[1]):
            rows[name] = {"min": f"{low:.3g}", "max": f"{high:.3g}"}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["min", "max"])


def save_figure(
    trajectory: pd.DataFrame, stats: pd.Series, limits: pd.DataFrame, x: pd.DataFrame, path: Path
) -> None:
    """The peeling trajectory and the chosen box's numeric limits, scaled to their ranges."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    ax = axes[0]
    points = ax.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"])
    ax.scatter(stats["coverage"], stats["density"], s=160, facecolors="none", edgecolors="red")
    fig.colorbar(points, ax=ax, label="restricted dimensions")
    ax.set(xlabel="coverage", ylabel="density", title="PRIM peeling trajectory (circled: chosen)")
    ax = axes[1]
    numeric = [name for name in limits.index if limits.loc[name, "max"] != ""]
    for k, name in enumerate(numeric):
        low, high = x[name].min(), x[name].max()
        lo, hi = float(limits.loc[name, "min"]), float(limits.loc[name, "max"])
        ax.barh(k, (hi - lo) / (high - low), left=(lo - low) / (high - low), color="tab:red")
        ax.text(1.02, k, f"{lo:.2g} – {hi:.2g}", va="center")
    ax.set(yticks=range(len(numeric)), yticklabels=numeric, xlim=(0, 1.25))
    kept = [f"{name}: {limits.loc[name, 'min']}" for name in limits.index if name not in numeric]
    title = "\n".join(["the box where organisations revert", *kept])
    ax.set(xlabel="share of the sampled range", title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    """Command line: sizes, seed, processes and an optional figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--horizon", type=int, default=156)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--figure", type=Path, default=None, help="save a PNG of the box here")
    args = parser.parse_args(argv)
    run(
        args.experiments,
        seed=args.seed,
        horizon=args.horizon,
        processes=args.processes,
        figure=args.figure,
    )


if __name__ == "__main__":
    main()

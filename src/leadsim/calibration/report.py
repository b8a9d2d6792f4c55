"""A calibration's report: posterior against prior, pairwise posteriors, predictive checks.

Figures are :class:`matplotlib.figure.Figure` objects built without pyplot (as in
:mod:`leadsim.analysis.figures`), saved as PNG beside ``report.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from leadsim.analysis.report import markdown_table
from leadsim.calibration.smc import credible_interval, weighted_quantile
from leadsim.calibration.targets import Calibration

if TYPE_CHECKING:
    from leadsim.calibration.run import CalibrationResult

POSTERIOR_COLOUR = "#1f6f8b"
PRIOR_COLOUR = "#999999"
TRUTH_COLOUR = "#c0392b"


def summary_table(result: CalibrationResult) -> pd.DataFrame:
    """Per parameter: prior, posterior mean and median, 50 % and 90 % intervals, truth."""
    calibration, population = result.calibration, result.population
    weights = population.weights
    rows = []
    for k, prior in enumerate(calibration.priors):
        values = population.draws[:, k]
        low50, high50 = credible_interval(values, weights, 0.5)
        low90, high90 = credible_interval(values, weights, 0.9)
        row = {
            "parameter": prior.name,
            "prior": prior.describe(),
            "mean": float(weights @ values),
            "median": float(weighted_quantile(values, weights, 0.5)),
            "50% interval": f"{low50:.3f} - {high50:.3f}",
            "90% interval": f"{low90:.3f} - {high90:.3f}",
            "90% width / prior width": (high90 - low90) / prior.width,
        }
        if calibration.truth:
            truth = calibration.truth.get(prior.name, np.nan)
            row["true value"] = truth
            row["inside 90%"] = "yes" if low90 <= truth <= high90 else "no"
        rows.append(row)
    return pd.DataFrame(rows)


def predictive_table(calibration: Calibration, predictive: pd.DataFrame) -> pd.DataFrame:
    """Per target: observed value, predictive median and 90 % interval, and where it falls."""
    rows = []
    for target in calibration.targets:
        values = predictive[target.name].to_numpy(np.float64)
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        low, mid, high = np.quantile(values, [0.05, 0.5, 0.95])
        rows.append(
            {
                "target": target.name,
                "what": target.describe(),
                "observed": target.observed,
                "uncertainty": target.scale,
                "predictive median": mid,
                "predictive 90%": f"{low:.3g} - {high:.3g}",
                "share below observed": float((values < target.observed).mean()),
            }
        )
    return pd.DataFrame(rows)


def plot_marginals(result: CalibrationResult) -> Figure:
    """Each parameter's posterior (histogram) against its prior (line), with the truth if known."""
    calibration, population = result.calibration, result.population
    n = len(calibration.priors)
    figure = Figure(figsize=(3.4 * n, 2.8), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, n))
    for k, (ax, prior) in enumerate(zip(axes, calibration.priors, strict=True)):
        grid = np.linspace(prior.low, prior.high, 200)
        ax.hist(
            population.draws[:, k],
            bins=30,
            range=(prior.low, prior.high),
            weights=population.weights,
            density=True,
            color=POSTERIOR_COLOUR,
            alpha=0.75,
            label="posterior",
        )
        ax.plot(grid, np.exp(prior.logpdf(grid)), color=PRIOR_COLOUR, lw=2, label="prior")
        low, high = credible_interval(population.draws[:, k], population.weights, 0.9)
        ax.axvspan(low, high, color=POSTERIOR_COLOUR, alpha=0.1, label="90% interval")
        if prior.name in calibration.truth:
            ax.axvline(calibration.truth[prior.name], color=TRUTH_COLOUR, lw=2, label="true value")
        ax.set_xlabel(prior.name.replace("_", " "))
        ax.set_yticks([])
    axes[0].legend(fontsize="small", frameon=False)
    return figure


def plot_pairs(result: CalibrationResult) -> Figure:
    """Pairwise posteriors (weighted scatter), each over its priors' ranges."""
    calibration, population = result.calibration, result.population
    n = len(calibration.priors)
    figure = Figure(figsize=(2.6 * n, 2.6 * n), layout="constrained")
    axes = np.array(figure.subplots(n, n, squeeze=False))
    size = 4 + 200 * population.weights / population.weights.max()
    for i, row_prior in enumerate(calibration.priors):
        for j, col_prior in enumerate(calibration.priors):
            ax = axes[i, j]
            if i == j:
                ax.hist(population.draws[:, j], bins=25, range=(col_prior.low, col_prior.high),
                        weights=population.weights, color=POSTERIOR_COLOUR, alpha=0.75)  # fmt: skip
                ax.set_yticks([])
            elif i > j:
                ax.scatter(population.draws[:, j], population.draws[:, i], s=size * 0.1,
                           color=POSTERIOR_COLOUR, alpha=0.4, linewidths=0)  # fmt: skip
                if col_prior.name in calibration.truth and row_prior.name in calibration.truth:
                    ax.plot(calibration.truth[col_prior.name], calibration.truth[row_prior.name],
                            marker="x", color=TRUTH_COLOUR, ms=10, mew=2)  # fmt: skip
                ax.set_ylim(row_prior.low, row_prior.high)
            else:
                ax.axis("off")
                continue
            ax.set_xlim(col_prior.low, col_prior.high)
            if i == n - 1:
                ax.set_xlabel(col_prior.name.replace("_", " "))
            if j == 0 and i > 0:
                ax.set_ylabel(row_prior.name.replace("_", " "))
    return figure


def plot_predictive(calibration: Calibration, predictive: pd.DataFrame) -> Figure:
    """For every target, the posterior predictive distribution and the observed value."""
    n = len(calibration.targets)
    columns = min(n, 4)
    rows = -(-n // columns)
    figure = Figure(figsize=(3.2 * columns, 2.5 * rows), layout="constrained")
    axes = np.array(figure.subplots(rows, columns, squeeze=False)).reshape(-1)
    for ax, target in zip(axes, calibration.targets, strict=False):
        values = predictive[target.name].to_numpy(np.float64)
        ax.hist(values[np.isfinite(values)], bins=30, color=POSTERIOR_COLOUR, alpha=0.75)
        ax.axvline(target.observed, color=TRUTH_COLOUR, lw=2)
        ax.axvspan(target.observed - target.scale, target.observed + target.scale,
                   color=TRUTH_COLOUR, alpha=0.12)  # fmt: skip
        ax.set_title(target.name, fontsize="medium")
        ax.set_yticks([])
    for ax in axes[n:]:
        ax.axis("off")
    return figure


def write_report(result: CalibrationResult, folder: str | Path) -> Path:
    """Write the figures and ``report.md`` of a calibration; return the report's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    calibration, manifest = result.calibration, result.manifest
    figures = {
        "marginals.png": plot_marginals(result),
        "pairs.png": plot_pairs(result),
        "predictive.png": plot_predictive(calibration, result.predictive),
    }
    for name, figure in figures.items():
        figure.savefig(folder / name, dpi=110)
    stop = (
        f"Stopped: {manifest['stop']}; final threshold {manifest['epsilon']:.3g}, with "
        f"{100 * manifest['acceptance']:.0f}% of the last generation's new draws kept."
    )
    text = f"""# Calibration: {calibration.title}

Targets file `{calibration.path.name}` (sha256 `{calibration.sha256[:12]}…`), base
scenario `{calibration.scenario_ref}`, master seed {calibration.seed},
{calibration.replicates} run(s) per draw. {manifest["generations"]} generations of batched
ABC-SMC, {manifest["simulations"]} simulations ({manifest["inference_simulations"]} for
inference, {manifest["predictive_simulations"]} for the predictive checks) in
{manifest["seconds"]:.1f} s. {stop}

## Posterior

{markdown_table(summary_table(result))}

![posterior against prior](marginals.png)

![pairwise posteriors](pairs.png)

## Posterior predictive checks

Each target simulated at {len(result.predictive)} posterior draws (one run each, with the
target's observation noise), against the observed value (line; band: ± its uncertainty).
An observed value far in a tail means the model, at the inferred values, does not
reproduce that pattern.

{markdown_table(predictive_table(calibration, result.predictive))}

![posterior predictive checks](predictive.png)

## What this means

The posterior says which parameter values make the model reproduce these targets, as
well as ABC with this threshold can tell, *given the model*. It does not show that the
model's mechanisms are those of the organisation, and with illustrative targets it is
not evidence about any real organisation. See docs/calibration.md.
"""
    path = folder / "report.md"
    path.write_text(text, encoding="utf-8")
    return path

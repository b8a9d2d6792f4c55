"""Figures of a sweep, each a :class:`matplotlib.figure.Figure` built without pyplot.

No global state is touched (no pyplot, no backend switch), so the functions work the
same in a notebook, where a returned figure displays itself, and in ``leadsim report``,
which saves them as PNG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from leadsim.notebook import displayed

LABELS: dict[str, str] = {
    "final_distribution_index": "final distribution index",
    "peak_anxiety": "peak staff anxiety",
    "mean_anxiety": "mean staff anxiety",
    "capacity_built": "capacity built (authority gained)",
    "leader_peak_anxiety": "head's peak anxiety",
    "mean_success_rate": "success rate",
    "mean_conflict_rate": "conflicts per act",
    "mean_dependency": "mean dependency",
    "final_trust": "final trust in the head",
    "distribution_index": "distribution index",
    "anxiety": "staff anxiety",
    "trust": "trust in the head",
    "leader_anxiety": "head's anxiety",
    "reverted": "reverted",
}


def label(name: str) -> str:
    """A reader's name for a metric or factor."""
    return LABELS.get(name, name.replace("_", " "))


def group_labels(frame: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    """One text label per row: the values of its group's factors, joined by ' · '."""
    if not by:
        return pd.Series("all runs", index=frame.index)
    parts = [frame[name].map(lambda v, n=name: _value_text(n, v)) for name in by]
    text = parts[0]
    for part in parts[1:]:
        text = text + " · " + part
    return text


def _value_text(name: str, value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return f"{name}" if value else f"no {name}"
    if isinstance(value, float):
        return f"{name} {value:g}"
    if isinstance(value, int | np.integer):
        return f"{name} {value}"
    return str(value)


@displayed
def plot_outcomes(runs: pd.DataFrame, by: Sequence[str], outcomes: Sequence[str]) -> Figure:
    """Box plots of each outcome by group (runs with status ok; one box per group)."""
    labels = group_labels(runs, by)
    order = list(dict.fromkeys(labels))
    n = len(outcomes)
    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    width = max(8.0, 0.55 * len(order) * cols + 2)
    fig = Figure(figsize=(width, 3.6 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, outcome in zip(axes, outcomes, strict=False):
        data = [runs.loc[labels == g, outcome].astype(float).dropna().to_numpy() for g in order]
        ax.boxplot(data, tick_labels=order, showfliers=False, patch_artist=True, widths=0.6)
        ax.set_title(label(outcome), loc="left", fontsize=10)
        ax.tick_params(axis="x", labelrotation=35, labelsize=8)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle("Outcomes by group (median, quartiles, whiskers to 1.5 IQR)")
    return fig


@displayed
def plot_reversion(table: pd.DataFrame, by: Sequence[str]) -> Figure:
    """Share of organisations that reverted, per group, with 95 % Wilson intervals."""
    labels = group_labels(table, by).tolist()
    share = table["reverted"].to_numpy(dtype=float)
    low = np.clip(share - table["reverted_low"].to_numpy(dtype=float), 0, None)
    high = np.clip(table["reverted_high"].to_numpy(dtype=float) - share, 0, None)
    never = table["never_distributed"].to_numpy(dtype=float)
    fig = Figure(figsize=(max(7.0, 0.6 * len(labels) + 2), 4), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(labels))
    ax.bar(x, share, yerr=[low, high], capsize=3, color="tab:red", alpha=0.75, label="reverted")
    ax.scatter(x, never, marker="_", s=200, color="0.2", label="never distributed", zorder=3)
    ax.set_xticks(x, labels, rotation=35, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of organisations")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("Reversion to hierarchy (95 % Wilson intervals)", loc="left", fontsize=10)
    return fig


@displayed
def plot_phase_diagram(grids: pd.DataFrame | Mapping[str, pd.DataFrame], x: str, y: str) -> Figure:
    """Heat maps of probabilities over two factors (the phase diagram), one panel per grid.

    Args:
        grids: A grid from :func:`~leadsim.analysis.reversion_grid`, or several by title
            (reverted, never distributed, sustained).
        x: The factor along the columns.
        y: The factor along the rows.
    """
    panels = {"reverted": grids} if isinstance(grids, pd.DataFrame) else dict(grids)
    fig = Figure(figsize=(5.2 * len(panels) + 1, 5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels), squeeze=False)).ravel()
    image = None
    for ax, (title, grid) in zip(axes, panels.items(), strict=True):
        values = grid.to_numpy(dtype=float)
        image = ax.imshow(values, cmap="RdYlBu_r", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
        ax.set_xlabel(label(x))
        ax.set_ylabel(label(y))
        if grid.size <= 150:
            for (i, j), value in np.ndenumerate(values):
                if np.isfinite(value):
                    colour = "white" if abs(value - 0.5) > 0.3 else "black"
                    ax.text(
                        j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour
                    )
        ax.set_title(title, loc="left", fontsize=10)
    fig.colorbar(image, ax=list(axes), label="share of organisations", shrink=0.9)
    fig.suptitle(f"Phase diagram over {label(x)} × {label(y)}")
    return fig


@displayed
def plot_bands(bands: pd.DataFrame, by: Sequence[str]) -> Figure:
    """Median and interquartile ribbon of each metric over time, one colour per group."""
    metrics = list(dict.fromkeys(bands["metric"]))
    cols = min(len(metrics), 2)
    rows = int(np.ceil(len(metrics) / cols))
    fig = Figure(figsize=(11, 3.4 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False, sharex=True)).ravel()
    labels = group_labels(bands, by)
    groups = list(dict.fromkeys(labels))
    colours = _colours(len(groups))
    for ax, metric in zip(axes, metrics, strict=False):
        for group, colour in zip(groups, colours, strict=True):
            part = bands[(bands["metric"] == metric) & (labels == group)]
            ax.fill_between(part["step"], part["q25"], part["q75"], color=colour, alpha=0.18)
            ax.plot(part["step"], part["median"], color=colour, linewidth=1.6, label=group)
        ax.set_title(label(metric), loc="left", fontsize=10)
        ax.set_xlabel("week")
        ax.tick_params(labelbottom=True)
        ax.grid(alpha=0.3)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    if len(groups) > 1:
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(
            handles, names, loc="outside lower center", ncols=min(len(groups), 5), fontsize=8
        )
    fig.suptitle("Median and interquartile range over runs, by group")
    return fig


@displayed
def plot_hysteresis(table: pd.DataFrame, by: Sequence[str], parameter: str) -> Figure:
    """The metric against the ramped parameter: one line per branch, a panel per group."""
    labels = group_labels(table, by)
    groups = list(dict.fromkeys(labels))
    cols = 2 if len(groups) in (2, 4) else min(len(groups), 3)
    rows = int(np.ceil(len(groups) / cols))
    fig = Figure(figsize=(4.6 * cols, 3.6 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False, sharey=True)).ravel()
    branches = list(dict.fromkeys(table["branch"]))
    colours = _colours(len(branches))
    for ax, group in zip(axes, groups, strict=False):
        for branch, colour in zip(branches, colours, strict=True):
            part = table[(labels == group) & (table["branch"] == branch)].sort_values("step")
            ax.fill_between(part["level"], part["q25"], part["q75"], color=colour, alpha=0.15)
            ax.plot(part["level"], part["median"], color=colour, marker=".", label=branch)
        ax.set_title(group, loc="left", fontsize=9)
        ax.set_xlabel(label(parameter))
        ax.grid(alpha=0.3)
    for ax in axes[len(groups) :]:
        ax.set_visible(False)
    axes[0].set_ylabel(label(str(table["metric"].iloc[0])))
    axes[0].legend(fontsize=7)
    fig.suptitle("Hysteresis: the same pressure, two branches")
    return fig


@displayed
def plot_sensitivity(indices: pd.DataFrame, method: str, top: int = 20) -> Figure:
    """Sobol S1 and ST, or Morris μ*, per factor with 95 % intervals; one panel per output."""
    outputs = list(dict.fromkeys(indices["output"]))
    cols = min(len(outputs), 2)
    rows = int(np.ceil(len(outputs) / cols))
    n_factors = min(indices["factor"].nunique(), top)
    fig = Figure(figsize=(11, max(3.0, 0.28 * n_factors + 1.5) * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, output in zip(axes, outputs, strict=False):
        part = indices[indices["output"] == output]
        if method == "sobol":
            part = part.sort_values("ST", ascending=True).tail(top)
            y = np.arange(len(part))
            ax.barh(y - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="first order S1")
            ax.barh(y + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="total ST")
            ax.set_xlabel("Sobol index")
        else:
            part = part.sort_values("mu_star", ascending=True).tail(top)
            y = np.arange(len(part))
            ax.barh(y, part["mu_star"], 0.6, xerr=part["mu_star_conf"], label="μ*")
            ax.scatter(part["sigma"], y, color="black", marker="x", label="σ", zorder=3)
            ax.set_xlabel("Morris elementary effects")
        ax.set_yticks(y, part["factor"], fontsize=7)
        ax.set_title(label(output), loc="left", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    for ax in axes[len(outputs) :]:
        ax.set_visible(False)
    fig.suptitle(f"{'Sobol' if method == 'sobol' else 'Morris'} sensitivity (95 % intervals)")
    return fig


def _colours(n: int) -> list[Any]:
    from matplotlib import colormaps

    name = "tab10" if n <= 10 else "tab20"
    cmap = colormaps[name]
    return [cmap(k % cmap.N) for k in range(n)]

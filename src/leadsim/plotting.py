"""Figures of a run's main time series, with events and reversions marked.

Built as a :class:`matplotlib.figure.Figure` without pyplot: no backend is switched and
no global state is touched, so a notebook keeps its own backend, a server keeps no
figure alive, and the command line does not import pyplot and its backend.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from leadsim.notebook import displayed
from leadsim.palette import COLOURS

PANELS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Leadership",
        (
            ("distribution_index", "distribution index"),
            ("distribution", "head's distribution"),
            ("target", "head's target"),
        ),
    ),
    (
        "Anxiety and holding",
        (
            ("anxiety", "staff anxiety"),
            ("leader_anxiety", "head's anxiety"),
            ("containment", "head's containment"),
            ("dependency", "staff dependency"),
        ),
    ),
    (
        "Relationships and pressure",
        (
            ("trust", "trust in the head"),
            ("peer_trust", "peer trust"),
            ("authority", "personal authority"),
            ("pressure", "accountability pressure"),
        ),
    ),
)


@displayed
def run_figure(
    metrics: pd.DataFrame,
    events: Sequence[tuple[int, int, str]] = (),
    reversions: Sequence[tuple[int, int]] = (),
    title: str = "",
) -> Figure:
    """Three panels of the main series; one line per metric (the mean over organisations).

    ``metrics`` is tidy (step, organisation, metric columns); ``events`` are
    (step, organisation, label); ``reversions`` are (organisation, week).
    """
    mean = metrics.groupby("step").mean(numeric_only=True)
    fig = Figure(figsize=(12, 9), layout="constrained")
    axes = fig.subplots(len(PANELS), 1, sharex=True)
    for ax, (panel_title, lines) in zip(axes, PANELS, strict=True):
        for column, label in lines:
            ax.plot(mean.index, mean[column], label=label, linewidth=1.8, color=COLOURS[column])
        ax.set_title(panel_title, loc="left", fontsize=11)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        seen: set[tuple[int, str]] = set()
        for step, _org, label in events:
            if (step, label) in seen:
                continue
            seen.add((step, label))
            ax.axvline(step, color="0.3", linestyle="--", linewidth=1)
            if ax is axes[0]:
                ax.annotate(
                    label,
                    (step, 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(3, -12),
                    textcoords="offset points",
                    fontsize=8,
                )
        for _org, week in reversions:
            ax.axvline(week, color="tab:red", linewidth=1, alpha=0.6)
    axes[0].set_ylim(0, 1)
    if reversions:
        first = min(week for _org, week in reversions)
        axes[0].annotate(
            "reverted",
            (first, 0.9),
            xytext=(3, 0),
            textcoords="offset points",
            color="tab:red",
            fontsize=9,
        )
    axes[-1].set_xlabel("week")
    if title:
        fig.suptitle(title)
    return fig

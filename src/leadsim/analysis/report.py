"""``leadsim report DIR``: the figures (PNG) and a Markdown summary of a sweep."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from leadsim.analysis.figures import (
    label,
    plot_bands,
    plot_hysteresis,
    plot_outcomes,
    plot_phase_diagram,
    plot_reversion,
    plot_sensitivity,
)
from leadsim.analysis.sensitivity import sensitivity_indices
from leadsim.analysis.tables import (
    MAIN_SERIES,
    Sweep,
    default_groups,
    default_outcomes,
    heatmap_axes,
    hysteresis_table,
    load_sweep,
    outcome_table,
    reversion_grid,
    series_bands,
    status_table,
)
from leadsim.notebook import forget


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame as a GitHub Markdown table (numbers to ``digits`` significant figures)."""

    def cell(value: object) -> str:
        if isinstance(value, float | np.floating):
            return "" if np.isnan(value) else f"{value:.{digits}g}"
        return str(value).replace("|", "\\|")

    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def write_report(out: str | Path, report_dir: str | Path | None = None) -> Path:
    """Write the figures and ``report.md`` of the sweep in ``out``; return the report's path.

    Args:
        out: The sweep's results folder.
        report_dir: Where to write (default: ``out/report``).
    """
    sweep = load_sweep(out)
    target = Path(report_dir) if report_dir else Path(out) / "report"
    target.mkdir(parents=True, exist_ok=True)
    sections = [_header(sweep)]
    ok = sweep.ok_runs
    if ok.empty:
        sections.append("No run finished with status ok: nothing to plot.")
    else:
        sections += _outcome_sections(sweep, ok, target)
    (target / "report.md").write_text("\n\n".join(sections) + "\n")
    return target / "report.md"


def _save(figure: Figure, path: Path) -> str:
    figure.savefig(path, dpi=110)
    forget(figure)  # a report's figure goes to its file, not into the notebook's cell
    return f"![{path.stem}]({path.name})"


def _header(sweep: Sweep) -> str:
    experiment, manifest = sweep.experiment, sweep.manifest
    design = manifest["design"]
    description = " ".join(experiment.description.split())
    lines = [
        f"# {experiment.title}",
        "",
        *([description, ""] if description else []),
        f"- experiment: `{manifest['experiment']['path']}` (sha256 `{manifest['experiment']['sha256'][:16]}…`)",
        f"- leadsim {manifest['leadsim_version']}; model `{experiment.model}`"
        + (f"; base scenario `{experiment.scenario.name}`" if experiment.scenario else ""),
        f"- design: {design['method']} over {', '.join(design['factors'])}; "
        f"{design['points']} points × {design['replicates']} replicates = {design['runs']} runs, "
        f"{design['horizon']} weeks, master seed {design['seed']}",
        f"- sweep status: {manifest.get('status')}"
        + ("" if sweep.complete else " (partial: only finished batches are shown)"),
        "",
        "Runs by status:",
        "",
        markdown_table(status_table(sweep.runs)),
    ]
    return "\n".join(lines)


def _outcome_sections(sweep: Sweep, ok: pd.DataFrame, target: Path) -> list[str]:
    experiment = sweep.experiment
    by, outcomes = default_groups(sweep), default_outcomes(sweep)
    sections = []
    table = outcome_table(ok, by, outcomes)
    text = ["## Outcomes by group", ""]
    if by:
        text.append(f"Grouped by {', '.join(by)}; one observation per organisation.")
    if ok["organisation"].max() > 0:
        text.append(
            "Each run is a system of several organisations: `n` counts organisations, and "
            "the intervals treat them as independent, which they are not when their heads "
            "share a learning group (the intervals are then too narrow)."
        )
    text += ["", markdown_table(_readable(table, by, outcomes)), ""]
    text.append(_save(plot_outcomes(ok, by, outcomes), target / "outcomes.png"))
    if "reverted" in table:
        text += ["", _save(plot_reversion(table, by), target / "reversion.png")]
    sections.append("\n".join(text))

    axes = heatmap_axes(sweep)
    if axes is not None and "reverted" in ok:
        x, y = axes
        reverted = reversion_grid(ok, x, y)
        never = reversion_grid(ok, x, y, "never_distributed")
        grids = {
            "reverted": reverted,
            "never distributed": never,
            "sustained": (1 - reverted - never).clip(lower=0),
        }
        sections.append(
            "\n".join(
                [
                    "## Phase diagram",
                    "",
                    f"Share of organisations that reverted, never distributed (the moving "
                    f"average of the index never reached `reversion_high`) or sustained "
                    f"distributed leadership, over {label(x)} (columns) and {label(y)} "
                    "(rows), pooled over the other factors and replicates.",
                    "",
                    _save(plot_phase_diagram(grids, x, y), target / "phase_diagram.png"),
                ]
            )
        )

    metrics = [m for m in MAIN_SERIES if m in experiment.series_metrics]
    if metrics:
        series = sweep.series(metrics)
        if not series.empty:
            bands = series_bands(series, ok, by, metrics)
            sections.append(
                "\n".join(
                    [
                        "## Main series",
                        "",
                        f"Median and interquartile range per week (every {experiment.series_every} weeks kept).",
                        "",
                        _save(plot_bands(bands, by), target / "series.png"),
                    ]
                )
            )
            if experiment.ramps and "distribution_index" in metrics:
                parameter = experiment.ramps[0].parameter
                hysteresis = hysteresis_table(series, ok, experiment.ramps, by)
                sections.append(
                    "\n".join(
                        [
                            "## Hysteresis",
                            "",
                            f"The distribution index against {label(parameter)} as it is raised "
                            "and then lowered: where the branches part, the same pressure leaves "
                            "a different organisation depending on its history.",
                            "",
                            _save(
                                plot_hysteresis(hysteresis, by, parameter),
                                target / "hysteresis.png",
                            ),
                        ]
                    )
                )
    if experiment.method in ("sobol", "morris"):
        sections.append(_sensitivity_section(sweep, outcomes, target))
    return sections


def _sensitivity_section(sweep: Sweep, outcomes: Sequence[str], target: Path) -> str:
    experiment = sweep.experiment
    wanted = list(outcomes)
    if experiment.uses_engine and "reverted" not in wanted:
        wanted = ["reverted", *wanted]
    indices = sensitivity_indices(experiment, sweep.runs, wanted)
    lines = ["## Sensitivity", ""]
    if indices.empty:
        lines.append("Not computed: some design points have no run with status ok.")
        return "\n".join(lines)
    method = experiment.method
    indices.to_csv(target / "sensitivity.csv", index=False)
    if method == "sobol":
        lines.append(
            "Sobol indices (first order S1, total ST) of each output's mean over replicates, "
            "with half-widths of 95 % bootstrap intervals. Full table: `sensitivity.csv`."
        )
        key = "ST"
    else:
        lines.append(
            "Morris screening: μ* (mean absolute elementary effect, with the half-width of "
            "its 95 % bootstrap interval) ranks influence; σ large against μ* marks "
            "interactions or non-linearity. Full table: `sensitivity.csv`."
        )
        key = "mu_star"
    for output in dict.fromkeys(indices["output"]):
        part = indices[indices["output"] == output].sort_values(key, ascending=False).head(10)
        lines += [
            "",
            f"**{label(output)}** (top {len(part)})",
            "",
            markdown_table(part.drop(columns="output")),
        ]
    lines += ["", _save(plot_sensitivity(indices, method), target / "sensitivity.png")]
    return "\n".join(lines)


def _readable(table: pd.DataFrame, by: Sequence[str], outcomes: Sequence[str]) -> pd.DataFrame:
    """The outcome table with intervals and quartiles folded into text cells."""
    frame = table[[*by, "n"]].copy()
    if "reverted" in table:
        frame["reverted"] = [
            f"{p:.0%} [{lo:.0%}, {hi:.0%}]"
            for p, lo, hi in zip(
                table["reverted"], table["reverted_low"], table["reverted_high"], strict=True
            )
        ]
        frame["never distributed"] = [f"{p:.0%}" for p in table["never_distributed"]]
    for name in outcomes:
        frame[label(name)] = [
            f"{m:.3g} ({a:.3g}–{b:.3g})"
            for m, a, b in zip(
                table[f"{name}_median"], table[f"{name}_q25"], table[f"{name}_q75"], strict=True
            )
        ]
    return frame

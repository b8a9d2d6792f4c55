"""Tidy tables (pandas) of what an engine simulated: per-step metrics and per-run summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadsim.engine.core import Engine, series_of, summaries_of
from leadsim.engine.metrics import ASERT_AXES, METRICS


def metrics_frame(engine: Engine, run: int = 0) -> pd.DataFrame:
    """Tidy per-step metrics of one run of an engine: step, organisation, one column per metric."""
    series = series_of(engine)
    orgs = np.flatnonzero(engine.org_run == run)
    steps = np.array([record.step for record in engine.records])
    frame = pd.DataFrame(
        {
            "step": np.repeat(steps, orgs.size),
            "organisation": np.tile(engine.org_local[orgs], steps.size),
        }
    )
    for name in METRICS:
        frame[name] = series[name][:, orgs].reshape(-1)
    for axis, source in ASERT_AXES.items():
        frame[f"asert_{axis}"] = frame[source]
    return frame


def summary_frame(engine: Engine, run: int = 0) -> pd.DataFrame:
    """Per-organisation summaries (MODEL.md §6) of one run of an engine."""
    summaries = summaries_of(engine)
    orgs = np.flatnonzero(engine.org_run == run)
    frame = pd.DataFrame({"organisation": engine.org_local[orgs]})
    for name, values in summaries.items():
        frame[name] = values[orgs]
    return frame

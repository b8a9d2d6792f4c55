"""Tidy tables (pandas) of what an engine simulated: per-step metrics and per-run summaries.

Weeks are numbered from 0: ``step`` k is the (k+1)-th week simulated, as in a scenario's
event ``step`` and in ``time_to_reversion``. A value that does not exist is missing, not
a sentinel: ``time_to_reversion`` is a nullable integer (``Int64``), ``<NA>`` where the
organisation did not revert, as in a sweep's ``runs.parquet``.
"""

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
    when = summaries["time_to_reversion"][orgs].astype(np.int64)  # the engine's -1: none
    frame["time_to_reversion"] = pd.arrays.IntegerArray(when, mask=when < 0)
    return frame

"""Run one scenario on the engine and return tidy tables: the library's one-call entry point."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from leadsim.config import Scenario
from leadsim.engine import Engine, RunSpec
from leadsim.engine.core import summaries_of

if TYPE_CHECKING:
    import pandas as pd


class RunResult:
    """What a run produced: per-week metrics, per-organisation summary, and events.

    ``metrics`` has a row per week and organisation, ``step`` 0 for the first week;
    ``summary``'s ``time_to_reversion`` is ``<NA>`` where an organisation did not revert
    (a nullable ``Int64`` column, as in sweeps). Both tables are built (with pandas) when
    first read: a caller that needs only :meth:`organisations` never imports pandas.
    They are read from ``engine``, the run's engine, as :func:`simulate` left it: step
    it further and the result no longer describes the run.
    """

    def __init__(self, scenario: Scenario, engine: Engine, events: list[tuple[int, int, str]]):
        """The result of ``engine``'s one run of ``scenario``."""
        self.scenario = scenario
        self.engine = engine
        self.events = events

    @functools.cached_property
    def metrics(self) -> pd.DataFrame:
        """Tidy per-week metrics: step, organisation, one column per metric."""
        from leadsim.engine.tables import metrics_frame

        return metrics_frame(self.engine)

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """Per-organisation summaries (MODEL.md §6), one row per organisation."""
        from leadsim.engine.tables import summary_frame

        return summary_frame(self.engine)

    @functools.cache  # noqa: B019 - one result, kept as long as the result is
    def organisations(self) -> list[dict[str, Any]]:
        """The summary as plain Python values, one dict per organisation (None: missing)."""
        summaries = summaries_of(self.engine)
        rows = []
        for org in range(self.engine.org_local.size):
            row: dict[str, Any] = {"organisation": int(self.engine.org_local[org])}
            for name, values in summaries.items():
                row[name] = values[org].item()
            if row["time_to_reversion"] < 0:  # the engine's -1: did not revert
                row["time_to_reversion"] = None
            rows.append(row)
        return rows

    def reversions(self) -> list[tuple[int, int]]:
        """(organisation, week) of each detected reversion."""
        return [
            (row["organisation"], int(row["time_to_reversion"]))
            for row in self.organisations()
            if row["reverted"]
        ]


def simulate(
    scenario: Scenario,
    *,
    seed: int | None = None,
    steps: int | None = None,
    extensions: Sequence[object] = (),
) -> RunResult:
    """Simulate a scenario alone (``seed`` and ``steps`` override the scenario's).

    ``extensions`` add rules without editing the package (:mod:`leadsim.engine.extensions`).
    """
    engine = Engine(
        [
            RunSpec(
                scenario.params,
                scenario.seed if seed is None else seed,
                scenario.organisations,
                scenario.events,
            )
        ],
        extensions,
    )
    engine.run(scenario.horizon if steps is None else steps)
    events = [(step, org, event.label()) for step, org, event in engine.event_log]
    return RunResult(scenario, engine, events)

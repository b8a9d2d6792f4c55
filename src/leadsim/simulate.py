"""Run one scenario on the engine and return tidy tables: the library's one-call entry point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from leadsim.config import Scenario
from leadsim.engine import Engine, RunSpec
from leadsim.engine.tables import metrics_frame, summary_frame


@dataclass(frozen=True)
class RunResult:
    """What a run produced: per-step metrics, per-organisation summary, and events."""

    scenario: Scenario
    metrics: pd.DataFrame
    summary: pd.DataFrame
    events: list[tuple[int, int, str]]

    def reversions(self) -> list[tuple[int, int]]:
        """(organisation, week) of each detected reversion."""
        hit = self.summary[self.summary["reverted"]]
        return list(zip(hit["organisation"], hit["time_to_reversion"], strict=True))


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
    return RunResult(scenario, metrics_frame(engine), summary_frame(engine), events)

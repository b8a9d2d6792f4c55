"""Every shipped scenario runs to its horizon with finite, in-range results."""

from __future__ import annotations

import numpy as np
import pytest

from leadsim.config import SCENARIO_DIR, find_scenario, load_scenario
from leadsim.engine.metrics import METRICS, SUMMARIES
from leadsim.simulate import simulate

SHIPPED = sorted(SCENARIO_DIR.glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_runs_to_its_horizon(path):
    scenario = load_scenario(path)
    result = simulate(scenario)
    assert len(result.metrics) == scenario.horizon * scenario.organisations
    values = result.metrics[list(METRICS)].to_numpy()
    assert np.isfinite(values).all()
    bounded = result.metrics[["distribution_index", "anxiety", "trust", "leader_anxiety"]]
    assert ((bounded >= 0) & (bounded <= 1)).all().all()
    assert set(SUMMARIES) <= set(result.summary.columns)
    assert len(result.summary) == scenario.organisations
    for event in scenario.events:
        assert any(step == event.step for step, _org, _label in result.events)


def test_new_head_changes_the_leader_mid_run():
    result = simulate(find_scenario("new_head"))
    change = next(step for step, _org, label in result.events if label.startswith("new head"))
    containment = result.metrics.set_index("step")["containment"]
    assert containment[change] > containment[change - 1] + 0.3  # integrated holds far more

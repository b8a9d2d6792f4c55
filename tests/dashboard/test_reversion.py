"""The dashboard's incremental reversion watch agrees with the engine's whole-series rule."""

from __future__ import annotations

import numpy as np
import pytest

from leadsim.config import find_scenario
from leadsim.dashboard.reversion import ReversionWatch
from leadsim.engine.metrics import detect_reversion
from leadsim.model import LeadershipModel
from leadsim.params import Parameters


def whole_series(index: np.ndarray, params: Parameters) -> tuple[bool, int, bool]:
    reverted, when, never = detect_reversion(
        index[:, None],
        np.array([params.reversion_high]),
        np.array([params.reversion_low]),
        np.array([params.smoothing_weeks]),
        np.array([params.reversion_weeks]),
    )
    return bool(reverted[0]), int(when[0]), bool(never[0])


@pytest.mark.parametrize(
    ("scenario", "seed"),
    [
        ("abdication", 42),
        ("abdication", 7),
        ("integrated", 42),
        ("hierarchical", 1),
        ("new_head", 3),
    ],
)
def test_the_watch_agrees_with_detect_reversion_week_by_week(scenario, seed):
    model = LeadershipModel(find_scenario(scenario), rng=seed)
    watch = ReversionWatch(model.params)
    index = []
    for _ in range(model.horizon):
        model.step()
        index.append(model.engine.records[-1].values["distribution_index"][0])
        watch.observe(index[-1])
        reverted, when, never = whole_series(np.array(index), model.params)
        assert (watch.week is not None) == reverted
        assert watch.week == (when if reverted else None)
        assert watch.distributed == (not never)


def test_an_organisation_that_never_distributed_cannot_revert():
    watch = ReversionWatch(Parameters())
    for _ in range(50):
        watch.observe(0.0)
    assert not watch.distributed and watch.week is None


def test_a_reversion_is_dated_at_the_last_week_of_the_run_below_lo():
    watch = ReversionWatch(Parameters(smoothing_weeks=1, reversion_weeks=4))
    for value in [0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.6, 0.1]:
        watch.observe(value)
    assert watch.week == 5  # weeks 2-5 below lo after reaching hi in week 0

"""The weekly metrics (MODEL.md §6) against direct counts from a recorded history of acts.

An extension records who led each week; density, centralization and the distribution
index are then counted again here, straight from their definitions, and must equal
what the engine recorded. Two runs with different density windows share the batch.
"""

from __future__ import annotations

import numpy as np
import pytest

from leadsim.engine import Engine, Extension, RunSpec
from leadsim.engine.core import series_of
from leadsim.params import Parameters

WEEKS = 26


class LeadingHistory(Extension):
    """Keeps a copy of each week's ``leading`` (staff array), as the staff update sees it."""

    def __init__(self) -> None:
        self.weeks: list[np.ndarray] = []

    def after_outcomes(self, engine: Engine) -> None:
        self.weeks.append(engine.this_week["leading"].copy())


def gini(values: np.ndarray) -> float:
    """Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n Σ x), 0 when nobody acted."""
    total = values.sum()
    if total == 0:
        return 0.0
    return float(np.abs(values[:, None] - values[None, :]).sum() / (2 * values.size * total))


@pytest.fixture(scope="module")
def recorded():
    runs = [
        RunSpec(Parameters(n_staff=40, policy="egalitarian", density_window=8), seed=5),
        RunSpec(
            Parameters(n_staff=25, policy="integrated", approach="cycles", density_window=3),
            seed=6,
            organisations=2,
        ),
    ]
    history = LeadingHistory()
    engine = Engine(runs, extensions=[history])
    engine.run(WEEKS)
    return engine, np.array(history.weeks), series_of(engine)


def windows(engine: Engine) -> np.ndarray:
    return np.array([prm.density_window for prm in engine.p.per_org])


def test_density_is_the_share_of_staff_who_led_at_least_once_in_the_window(recorded):
    engine, leading, series = recorded
    led_once = dropped_out = 0  # what the test sees: cases a wrong count would miss
    for o, window in enumerate(windows(engine)):
        staff = engine.org == o
        for week in range(WEEKS):
            recent = leading[max(0, week - window + 1) : week + 1][:, staff]
            expected = recent.any(axis=0).mean()
            assert series["leadership_density"][week, o] == pytest.approx(expected, abs=1e-12)
            led_once += (recent.sum(axis=0) == 1).sum()
            dropped_out += (leading[: week + 1][:, staff].any(axis=0) & ~recent.any(axis=0)).sum()
    assert led_once > 0 and dropped_out > 0


def test_the_distribution_index_counts_the_head_for_the_undistributed_share(recorded):
    engine, leading, series = recorded
    for o in range(engine.n_org):
        n = int(engine.org_size[o])
        acts = leading[:, engine.org == o].sum(axis=1)
        head = n * (1.0 - series["distribution"][:, o])
        assert np.array_equal(series["acts"][:, o], acts)
        assert series["distribution_index"][:, o] == pytest.approx(acts / (acts + head), abs=1e-12)
        # offers declined count for nobody: the head's acts are not staff − offers
        assert not np.allclose(head, n - series["offers"][:, o])


def test_centralization_is_the_gini_of_acts_in_the_window_head_included(recorded):
    engine, leading, series = recorded
    for o, window in enumerate(windows(engine)):
        staff = engine.org == o
        n = int(engine.org_size[o])
        for week in range(WEEKS):
            start = max(0, week - window + 1)
            counts = leading[start : week + 1][:, staff].sum(axis=0).astype(np.float64)
            head = (n * (1.0 - series["distribution"][start : week + 1, o])).sum()
            expected = gini(np.append(counts, head))
            got = series["leadership_centralization"][week, o]
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (o, week)


def test_staff_means_and_reversion_pressure_are_this_weeks_updated_staff():
    """MODEL.md §6: mean staff states after the week's update; R = mean(dependency · anxiety)."""
    runs = [
        RunSpec(Parameters(n_staff=30, policy="delegating"), seed=7),
        RunSpec(Parameters(n_staff=20, policy="integrated"), seed=8, organisations=2),
    ]
    engine = Engine(runs)
    for _week in range(6):
        engine.step()
        values = engine.records[-1].values
        for o in range(engine.n_org):
            staff = engine.org == o
            for name in ("anxiety", "trust", "peer_trust", "dependency", "authority"):
                expected = getattr(engine, name)[staff].mean()
                assert values[name][o] == pytest.approx(expected, abs=1e-12), name
            r = (engine.dependency[staff] * engine.anxiety[staff]).mean()
            assert values["reversion_pressure"][o] == pytest.approx(r, abs=1e-12)
            assert engine.reversion_pressure[o] == pytest.approx(r, abs=1e-12)  # next week's R

"""The engine's records: one block of rows per run(), so the series are views, not copies."""

from __future__ import annotations

import numpy as np

from leadsim.engine import Engine, RunSpec
from leadsim.engine.core import series_of
from leadsim.engine.metrics import METRICS, stack
from leadsim.params import Parameters

PARAMS = Parameters(n_staff=12, department_size=4, policy="egalitarian")


def engine() -> Engine:
    return Engine([RunSpec(PARAMS, seed=3, organisations=2), RunSpec(PARAMS, seed=4)])


def test_the_series_are_the_same_however_the_weeks_are_stepped():
    whole = engine()
    whole.run(70)
    one_by_one = engine()
    for _ in range(70):  # more than a block of 64 rows: two blocks
        one_by_one.step()
    mixed = engine()
    mixed.run(30)
    for _ in range(10):
        mixed.step()
    mixed.run(30)
    expected = series_of(whole)
    for other in (one_by_one, mixed):
        series = series_of(other)
        for name in METRICS:
            assert np.array_equal(series[name], expected[name]), name
    assert expected["anxiety"].shape == (70, 3)


def test_a_runs_series_are_views_of_its_records():
    e = engine()
    e.run(20)
    series = series_of(e)
    assert all(np.shares_memory(series[name], e.records[0].table) for name in METRICS)
    e.run(5)  # a second block: the series of both are stacked (a copy), and still right
    again = series_of(e)
    assert again["trust"].shape == (25, 3)
    assert not np.shares_memory(again["trust"], e.records[0].table)
    assert np.array_equal(again["trust"][:20], series["trust"])
    assert np.array_equal(
        again["trust"][20:], np.stack([r.values["trust"] for r in e.records[20:]])
    )


def test_records_without_a_block_still_stack():
    e = engine()
    e.run(3)
    copies = [type(r)(r.step, r.values, r.table.copy()) for r in e.records]
    stacked = stack(copies)
    assert all(np.array_equal(stacked[name], series_of(e)[name]) for name in METRICS)


def test_a_selection_of_records_stacks_what_it_selects():
    e = engine()
    e.run(20)
    every_other = stack(e.records[::2])
    assert np.array_equal(every_other["trust"], series_of(e)["trust"][::2])
    later = stack(e.records[5:])
    assert np.array_equal(later["trust"], series_of(e)["trust"][5:])

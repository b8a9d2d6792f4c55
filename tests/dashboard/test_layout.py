"""The organisation view's layout: computed once, deterministic, departments apart."""

from __future__ import annotations

import numpy as np

from leadsim.config import find_scenario
from leadsim.dashboard.layout import department_layout, sunflower
from leadsim.dashboard.session import Side


def test_a_sunflower_fills_its_disc_without_repeats():
    points = sunflower(40, 10.0)
    radius = np.hypot(points[:, 0], points[:, 1])
    assert radius.max() <= 10.0 + 1e-9
    assert len({(round(x, 6), round(y, 6)) for x, y in points}) == 40


def test_departments_are_separate_clusters_around_the_head():
    side = Side(find_scenario("abdication"))
    layout = side.layout(0)
    department = side.model.engine.department[side.staff_slice(0)]
    centres = layout.department_centres
    for d in range(len(centres)):
        members = department == d
        distance = np.hypot(layout.x[members] - centres[d, 0], layout.y[members] - centres[d, 1])
        assert distance.max() <= layout.department_radius + 1.0
    gaps = [
        np.hypot(*(centres[a] - centres[b]))
        for a in range(len(centres))
        for b in range(a + 1, len(centres))
    ]
    assert min(gaps) > 2 * layout.department_radius  # no two departments overlap
    assert np.hypot(*centres.mean(axis=0)) < 1.0  # around the head, at the centre


def test_the_layout_is_computed_once_and_stable_as_the_run_plays():
    side = Side(find_scenario("abdication"))
    first = side.layout(0)
    for _ in range(10):
        side.step()
    assert side.layout(0) is first  # cached: not recomputed per frame
    again = Side(find_scenario("abdication")).layout(0)
    assert np.array_equal(again.x, first.x) and np.array_equal(again.y, first.y)


def test_edges_are_the_organisations_links_once_each():
    side = Side(find_scenario("integrated"))
    layout = side.layout(0)
    adjacency = side.model.engine.adjacency
    assert layout.edges.size == adjacency.nnz  # each undirected link once: two entries in CSR
    pairs = layout.edges.reshape(-1, 2)
    assert np.all(pairs[:, 0] < pairs[:, 1])


def test_a_single_department_sits_at_the_centre():
    layout = department_layout(np.zeros(8, dtype=np.int64), np.ones(8), np.empty((0, 2)))
    assert len(layout.department_centres) == 1
    assert np.hypot(layout.x, layout.y).max() <= layout.department_radius + 1e-6

"""The dashboard in Debian's Chromium, headless, with the network cut beyond this machine.

The tests drive a dashboard this module started on localhost. Most share one visitor
(a browser context), each test starting from a freshly chosen scenario at week 0;
the tests of compare mode and of independence open their own. Every request to
another machine is aborted and counted (none may happen), and no response may carry
an error status.
"""

from __future__ import annotations

import pytest
from browsing import (
    chart_state,
    open_page,
    shot,
    step,
    wait_drawn,
    wait_week,
    week,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def visitor(dashboard, browser):
    """One visitor's page, shared by the tests that start from a chosen scenario."""
    context, page, guard = open_page(browser, dashboard["url"])
    yield page, guard
    context.close()


SERIES_NAMES = [
    "distribution index",
    "staff anxiety",
    "trust in the head",
    "staff dependency",
    "head's anxiety",
    "head's distribution",
]


def choose_scenario(page, title: str) -> None:
    """Pick a shipped scenario by its title in the scenario picker, and start it at week 0."""
    page.click(".leadsim-scenario-select .v-field")
    page.wait_for_selector(".v-overlay .v-list-item")
    item = page.locator(".v-overlay .v-list-item", has_text=title)
    for offset in range(0, 4000, 120):  # the menu renders only the items in view
        page.evaluate(
            "(y) => document.querySelectorAll('.v-overlay .v-list').forEach((l) => (l.scrollTop = y))",
            offset,
        )
        for _ in range(5):  # a busy machine renders the scrolled items late
            page.wait_for_timeout(60)
            if item.count():
                break
        if item.count():
            break
    item.first.click()
    page.wait_for_function(
        "(title) => document.querySelector('.leadsim-story-title')?.textContent === title",
        arg=title,
    )
    page.click(".leadsim-reset-button")  # the same scenario chosen again starts afresh too
    wait_week(page, 0)
    wait_drawn(page, "series", rows=0)


def series_column(state: dict, name: str) -> list[float]:
    """The y values of one time series of a chart state."""
    series = next(s for s in state["series"] if s["name"] == name)
    return [point[1] for point in series["data"]]


def test_page_loads_and_every_chart_draws(visitor):
    page, guard = visitor
    assert week(page) == 0
    network = wait_drawn(page, "network")
    assert network["painted"] > 5_000, "the organisation view drew nothing"
    nodes = network["series"][0]["data"]
    assert len(nodes) >= 60  # the staff, the department labels and the head
    series = wait_drawn(page, "series")
    assert series["painted"] > 1_000, "the time-series chart drew nothing (no axes)"
    assert [s["name"] for s in series["series"][:6]] == SERIES_NAMES
    radar = wait_drawn(page, "radar")
    assert radar["painted"] > 1_000, "the ASERT radar drew nothing"
    step(page, 1)
    radar = wait_drawn(page, "radar")
    assert len(radar["series"][0]["data"]) == 2  # week 0 and now
    shot(page, "loaded")
    page.hover(".leadsim-control-containment")
    tip = page.locator(".v-tooltip .v-overlay__content", has_text="hold staff's anxiety")
    tip.wait_for(state="visible")
    assert tip.inner_text().endswith(".")  # the concept, in one sentence

    page.click(".leadsim-about-toggle")  # NetLogo's Info tab: the About page
    page.wait_for_selector(".leadsim-about h2")
    assert "WHAT IS IT?" in page.inner_text(".leadsim-about")
    shot(page, "about")
    page.click(".leadsim-about-toggle")
    page.wait_for_selector(".leadsim-about", state="detached")
    assert week(page) == 1 and wait_drawn(page, "series", rows=1)["painted"] > 1_000
    guard.assert_clean()


def test_a_scenario_stepped_20_times_changes_the_series_and_the_counter(visitor):
    page, guard = visitor
    choose_scenario(page, "Integrated: staff lead alongside a distinct head")
    before = wait_drawn(page, "series", rows=0)
    assert all(len(s["data"]) == 0 for s in before["series"])
    network_before = chart_state(page, "network")["series"][0]["data"]
    step(page, 20)
    assert week(page) == 20
    after = wait_drawn(page, "series", rows=20)
    index = series_column(after, "distribution index")
    assert len(index) == 20
    assert max(index) - min(index) > 0.05, "the distribution index did not move"
    assert len(set(series_column(after, "staff anxiety"))) > 5
    assert after["painted"] > before["painted"], "the new weeks were not drawn"
    frame = page.evaluate(
        "() => document.querySelector('.leadsim-chart-series .leadsim-chart-box')"
        ".__leadsim.frameData"
    )
    assert frame["start"] > 0, "a step resent the whole series instead of the new week"
    network_after = chart_state(page, "network")["series"][0]["data"]
    assert network_after != network_before, "the organisation view did not change"
    shot(page, "integrated_week_20")
    guard.assert_clean()


def test_an_accountability_shock_is_marked_and_raises_the_heads_anxiety(visitor):
    page, guard = visitor
    choose_scenario(page, "Hierarchy: the head keeps leadership")
    step(page, 10)
    before = series_column(wait_drawn(page, "series", rows=10), "head's anxiety")[-1]
    page.click(".leadsim-accountability-shock-button")
    step(page, 6)
    state = wait_drawn(page, "series", rows=16)
    marks = state["series"][0]["marks"]
    assert [10, "shock 1.5"] in marks, marks
    after = series_column(state, "head's anxiety")[-1]
    # without the shock this head's anxiety moves by about 0.01 over these six weeks
    assert after > before + 0.2, (before, after)
    shot(page, "shock")
    page.click(".leadsim-controls-toggle")  # the projector's full width keeps the run
    page.wait_for_selector(".leadsim-sidebar", state="hidden")
    assert wait_drawn(page, "series", rows=16)["held"] == 16
    page.click(".leadsim-controls-toggle")
    page.wait_for_selector(".leadsim-sidebar", state="visible")
    guard.assert_clean()


def test_compare_mode_steps_both_sides_together(dashboard, browser):
    context, page, guard = open_page(browser, dashboard["url"])
    try:
        page.click(".leadsim-compare-toggle input")
        page.wait_for_selector(".leadsim-side-b .leadsim-chart-series")
        step(page, 8)
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.leadsim-chart-series .leadsim-chart-caption'))"
            ".map((e) => e.textContent.split(' · ')[0]).join('|') === 'A: week 8 of 156|B: week 8 of 156'"
        )
        a = wait_drawn(page, "series", 0, rows=8)
        b = wait_drawn(page, "series", 1, rows=8)
        index_a = series_column(a, "distribution index")
        index_b = series_column(b, "distribution index")
        assert len(index_a) == len(index_b) == 8
        assert index_a != index_b, "two heads with different policies ran identically"
        assert wait_drawn(page, "network", 1)["painted"] > 5_000
        shot(page, "compare")
        guard.assert_clean()
    finally:
        context.close()


def test_visitors_are_independent_and_a_later_one_starts_fresh(dashboard, browser):
    first, page_1, guard_1 = open_page(browser, dashboard["url"])
    second, page_2, guard_2 = open_page(browser, dashboard["url"])
    try:
        step(page_1, 5)
        page_2.wait_for_timeout(500)
        assert week(page_1) == 5
        assert week(page_2) == 0
        assert wait_drawn(page_2, "series", rows=0)["held"] == 0
        step(page_2, 2)
        assert week(page_1) == 5 and week(page_2) == 2
        third, page_3, guard_3 = open_page(browser, dashboard["url"])
        try:
            assert week(page_3) == 0
            assert wait_drawn(page_3, "series", rows=0)["held"] == 0
            guard_3.assert_clean()
        finally:
            third.close()
        guard_1.assert_clean()
        guard_2.assert_clean()
    finally:
        first.close()
        second.close()


def test_a_malformed_uploaded_scenario_shows_its_error_and_changes_nothing(visitor, tmp_path):
    page, guard = visitor
    choose_scenario(page, "Abdication: the head steps back")
    step(page, 3)
    title = page.inner_text(".leadsim-story-title")
    bad = tmp_path / "broken.toml"
    bad.write_text('title = "Broken"\n[parameters\npolicy = "integrated"\n')
    page.set_input_files(".leadsim-upload-input", str(bad))
    error = page.wait_for_selector(".leadsim-upload-error")
    text = error.inner_text()
    assert "broken.toml" in text and "TOML syntax" in text, text
    assert "\n" not in text.strip()
    assert week(page) == 3 and page.inner_text(".leadsim-story-title") == title
    shot(page, "upload_error")

    too_big = tmp_path / "too_big.toml"
    too_big.write_text("[parameters]\nn_staff = 5000\n")
    page.set_input_files(".leadsim-upload-input", str(too_big))
    page.wait_for_function(
        "() => document.querySelector('.leadsim-upload-error')?.textContent.includes('n_staff')"
    )
    assert "allowed: 2 to 500" in page.inner_text(".leadsim-upload-error")
    assert week(page) == 3

    good = tmp_path / "mine.toml"
    good.write_text('title = "My school"\nseed = 3\n[parameters]\npolicy = "egalitarian"\n')
    page.set_input_files(".leadsim-upload-input", str(good))
    page.wait_for_function(
        "() => document.querySelector('.leadsim-story-title')?.textContent === 'My school'"
    )
    wait_week(page, 0)
    assert page.locator(".leadsim-upload-error").count() == 0
    guard.assert_clean()


def test_play_runs_pause_stops_and_the_run_exports(visitor):
    page, guard = visitor
    choose_scenario(page, "Integrated: staff lead alongside a distinct head")
    page.click(".leadsim-play-button")
    page.wait_for_function(
        "() => /Week ([5-9]|\\d\\d+) /.test(document.querySelector('.leadsim-step-counter').textContent)",
        timeout=20_000,
    )
    page.click(".leadsim-play-button")  # pause
    page.wait_for_timeout(1_000)
    paused = week(page)
    page.wait_for_timeout(1_500)
    assert week(page) == paused
    assert wait_drawn(page, "series", rows=paused)["held"] == paused
    guard.assert_clean()


def test_learning_group_schools_appear_as_small_multiples(visitor):
    page, guard = visitor
    choose_scenario(page, "Six schools whose heads meet in a learning group")
    step(page, 9)
    state = wait_drawn(page, "multiples", rows=9)
    lines = [s for s in state["series"] if s["name"] == "distribution index"]
    assert len(lines) == 6 and all(len(s["data"]) == 9 for s in lines)
    meetings = [s for s in state["series"] if s["name"] in ("attended", "missed")]
    weeks = sorted({point[0] for s in meetings for point in s["data"]})
    assert weeks == [0, 4, 8], weeks  # meetings every four weeks, from week 0
    assert page.locator(".leadsim-organisation-picker button").count() == 6
    shot(page, "learning_group")
    guard.assert_clean()

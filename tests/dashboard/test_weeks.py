"""Exact weeks: pause and "run to week N" land where asked, at 8 weeks/s, and runs go on.

While playing, the model runs ahead of the page by the frames the browser has not
drawn yet, most on a slow laptop: the browser tests (Debian's Chromium) slow the
page's CPU fourfold, as a projector's laptop might be. Pause must stop the run on the
week the page showed when it was clicked (read in the same script that clicks), "run
to week N" on N, and a run that reached its horizon must take interventions and go on
past it. The first tests check the page's wiring in-process, without a browser.
"""

from __future__ import annotations

import json
import re
import time

import ipyvuetify as v
import pytest
import solara
from browsing import open_page, shot, step, wait_drawn, wait_week, week
from solara.server import kernel, kernel_context

from leadsim.dashboard.app import Page
from leadsim.dashboard.widgets import BusWidget, RunWidget

# --- in-process: the page's handlers (Solara's own kernel, no browser) ---------------------


@pytest.fixture
def rendered():
    """The Page rendered in a fresh virtual kernel, as for one visitor."""
    context = kernel_context.VirtualKernelContext(
        id="weeks",
        kernel=kernel.Kernel(),
        session_id="s",
        control_sockets=[],
        widgets={},
        templates={},
    )
    with context:
        _, rc = solara.render(Page(), handle_error=False)
        yield rc
        rc.close()


def bus(rc) -> dict:
    return json.loads(rc.find(BusWidget).widget.frame)


def click_step(rc, times: int) -> None:
    button = rc.find(v.Btn, class_="leadsim-step-button").widget
    for _ in range(times):
        button.click()


def test_a_pause_click_stops_on_the_week_it_says_the_page_showed(rendered):
    click_step(rendered, 10)  # the model is at 10, the page (say) still shows 7
    token = bus(rendered)["charts"]["series-S-0"]["frame"]["token"]
    rendered.find(RunWidget).widget.vue_pause({"week": 7})
    frame = bus(rendered)
    assert frame["status"] == {**frame["status"], "counter": "Week 7 of 156", "week": 7}
    series = frame["charts"]["series-S-0"]["frame"]
    assert series["token"] != token and series["start"] == 0 and len(series["rows"]) == 7
    rendered.find(RunWidget).widget.vue_pause({"week": "7"})  # not a number: stops where it is
    assert bus(rendered)["status"]["week"] == 7


def test_run_to_a_week_it_cannot_reach_says_why_in_one_line(rendered):
    click_step(rendered, 3)
    rendered.find(RunWidget).widget.vue_run_to({"week": "600"})
    line = rendered.find(v.Html, class_="leadsim-error leadsim-setup-error").widget.children[0]
    assert "run to week 600: beyond the dashboard's cap of 520 weeks; allowed: 4 to 520" in line
    assert not rendered.find(RunWidget).widget.playing
    assert bus(rendered)["status"]["week"] == 3


def test_past_the_horizon_the_run_goes_on_and_only_the_cap_stops_it(rendered, monkeypatch):
    from leadsim.dashboard import session

    monkeypatch.setattr(session, "MAX_HORIZON", 160)  # a cap close by
    click_step(rendered, 156)
    assert bus(rendered)["status"]["counter"] == "Week 156 of 156"
    shock = rendered.find(v.Btn, class_="leadsim-accountability-shock-button").widget
    assert not shock.disabled and rendered.find(RunWidget).widget.can_play
    shock.click()
    click_step(rendered, 4)
    frame = bus(rendered)
    assert frame["status"]["counter"] == "Week 160 (extended past 156)"
    assert [156, "shock 1.5"] in frame["charts"]["series-S-0"]["marks"]["events"]
    assert rendered.find(v.Btn, class_="leadsim-accountability-shock-button").widget.disabled
    assert rendered.find(v.Btn, class_="leadsim-step-button").widget.disabled
    assert not rendered.find(RunWidget).widget.can_play
    why = rendered.find(v.Html, class_="leadsim-interventions-why")
    assert "cap of 520 weeks" in why.widget.children[0]


# --- in the browser -------------------------------------------------------------------------

# the counter's text and the click, in one script: nothing is drawn between the two
PAUSE_ON_WHAT_IS_SHOWN = """() => {
  const shown = document.querySelector('.leadsim-step-counter').textContent;
  document.querySelector('.leadsim-play-button').click();
  return shown;
}"""
PLAY_LABEL = "() => document.querySelector('.leadsim-play-button').textContent.trim()"


@pytest.fixture(scope="module")
def visitor(dashboard, browser):
    """One visitor's page, its CPU slowed fourfold (as on a projector's laptop)."""
    context, page, guard = open_page(browser, dashboard["url"])
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    yield page, guard
    context.close()


def shown_week(text: str) -> int:
    found = re.search(r"Week (\d+) ", text)
    assert found, text
    return int(found.group(1))


def press_slider(page, hook: str, keys: list[str]) -> None:
    """Move a slider (a control's hook class) with the keyboard, as a visitor can."""
    page.locator(f"{hook} .v-slider-thumb").focus()
    for key in keys:
        page.keyboard.press(key)


def set_speed(page, weeks_per_second: float) -> None:
    """Weeks per second, from the slowest (0.5) up in steps of 0.5."""
    press_slider(page, ".leadsim-speed", ["Home"] + ["ArrowRight"] * int(weeks_per_second * 2 - 1))
    page.wait_for_function(
        "(w) => document.querySelector('.leadsim-speed').textContent"
        ".includes('Weeks per second: ' + w)",
        arg=f"{weeks_per_second:g}",
    )


def start_afresh(page) -> None:
    page.click(".leadsim-reset-button")
    wait_week(page, 0)
    wait_drawn(page, "series", rows=0)


def wait_stopped(page) -> None:
    """Wait until play has stopped (the button offers Play again)."""
    page.wait_for_function(f"() => ({PLAY_LABEL})() === 'Play'", timeout=30_000)
    page.wait_for_timeout(800)  # any frame still in flight has landed by now


def run_to(page, target: str, *, enter: bool = False) -> None:
    page.fill(".leadsim-run-to input", target)
    if enter:
        page.press(".leadsim-run-to input", "Enter")
    else:
        page.click(".leadsim-run-to-button")


def x_axis_max(page, kind: str = "series") -> float:
    return page.evaluate(
        "(kind) => document.querySelector('.leadsim-chart-' + kind + ' .leadsim-chart-box')"
        ".__leadsim.chart.getOption().xAxis[0].max",
        kind,
    )


@pytest.mark.browser
def test_pause_stops_on_the_week_the_page_shows_at_8_weeks_a_second(visitor):
    page, guard = visitor
    start_afresh(page)
    set_speed(page, 8)
    for attempt in range(5):
        page.click(".leadsim-play-button")
        page.wait_for_function(f"() => ({PLAY_LABEL})() === 'Pause'")
        page.wait_for_timeout(900 + 170 * attempt)  # a different moment in the week each time
        shown = shown_week(page.evaluate(PAUSE_ON_WHAT_IS_SHOWN))
        wait_stopped(page)
        assert week(page) == shown, (
            f"attempt {attempt}: paused on week {shown}, stopped at {week(page)}"
        )
        assert wait_drawn(page, "series", rows=shown)["held"] == shown
    assert shown > 25  # it played, at speed, each time
    step(page, 1)  # the model itself is on the week shown, not only the page
    assert week(page) == shown + 1
    assert wait_drawn(page, "series", rows=shown + 1)["held"] == shown + 1
    guard.assert_clean()


@pytest.mark.browser
def test_run_to_week_26_lands_on_26_and_refuses_what_it_cannot_do(visitor):
    page, guard = visitor
    start_afresh(page)
    set_speed(page, 8)
    started = time.monotonic()
    run_to(page, "26")
    wait_week(page, 26)
    wait_stopped(page)
    assert time.monotonic() - started > 2.0  # it played the weeks (26 at 8 a second)
    assert week(page) == 26
    series = wait_drawn(page, "series", rows=26)
    index = next(s for s in series["series"] if s["name"] == "distribution index")
    assert len(index["data"]) == 26
    shot(page, "run_to_week_26")

    run_to(page, "30", enter=True)  # Enter in the field does the same
    wait_week(page, 30)
    wait_stopped(page)
    assert week(page) == 30 and wait_drawn(page, "series", rows=30)["held"] == 30

    for asked, reason in (
        ("600", "run to week 600: beyond the dashboard's cap of 520 weeks; allowed: 31 to 520"),
        ("12", "run to week 12: the run is already at week 30; allowed: 31 to 520"),
    ):
        run_to(page, asked)
        page.wait_for_function(
            "(reason) => document.querySelector('.leadsim-setup-error')"
            "?.textContent.includes(reason)",
            arg=reason,
        )
        assert "\n" not in page.inner_text(".leadsim-setup-error").strip()
        page.wait_for_timeout(500)
        assert week(page) == 30 and page.evaluate(PLAY_LABEL) == "Play"
    guard.assert_clean()


@pytest.mark.browser
def test_a_run_at_its_horizon_takes_interventions_and_goes_on(visitor):
    page, guard = visitor
    press_slider(page, ".leadsim-control-horizon", ["Home"])  # the shortest run: 12 weeks
    page.wait_for_function(
        "() => document.querySelector('.leadsim-step-counter')?.textContent.trim() === 'Week 0 of 12'"
    )
    set_speed(page, 8)
    page.click(".leadsim-play-button")
    wait_week(page, 12)
    wait_stopped(page)
    assert week(page) == 12  # play stops at the horizon first
    shock = page.locator(".leadsim-accountability-shock-button")
    assert shock.is_enabled()
    assert page.locator(".leadsim-step-button").is_enabled()
    assert page.locator(".leadsim-play-button").is_enabled()
    before = wait_drawn(page, "series", rows=12)
    anxiety = next(s for s in before["series"] if s["name"] == "head's anxiety")["data"][-1][1]

    shock.click()
    step(page, 3)
    assert page.inner_text(".leadsim-step-counter").startswith("Week 15 (extended past 12)")
    state = wait_drawn(page, "series", rows=15)
    assert [12, "shock 1.5"] in state["series"][0]["marks"]
    after = next(s for s in state["series"] if s["name"] == "head's anxiety")["data"][-1][1]
    assert after > anxiety + 0.1, (anxiety, after)  # the shock acted, past the horizon
    assert x_axis_max(page) == 15  # the chart's weeks extend with the run

    run_to(page, "20")
    wait_week(page, 20)
    wait_stopped(page)
    assert week(page) == 20 and wait_drawn(page, "series", rows=20)["held"] == 20
    assert x_axis_max(page) == 20
    shot(page, "past_the_horizon")
    guard.assert_clean()

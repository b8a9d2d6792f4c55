"""A room's network is not a test bench: the page says when the server is gone, and comes back.

A run is its scenario, its seed, its settings and the log of interventions with their
weeks. The page keeps that recipe in the browser (``sessionStorage``); after the server
is gone and back (a restart, a laptop's sleep), the page reloads and rebuilds the run
at the week it was, with the same series.
"""

from __future__ import annotations

import pytest
from browsing import chart_state, open_page, step, wait_drawn, wait_week, week
from conftest import start_dashboard, stop_dashboard

from leadsim.dashboard.server import free_port

pytestmark = pytest.mark.browser

NOTICE = ".leadsim-connection-notice"


def test_a_server_restarted_mid_run_is_noticed_and_the_run_comes_back(browser):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = start_dashboard(port)
    context = None
    try:
        context, page, _ = open_page(browser, url)
        step(page, 6)
        page.click(".leadsim-accountability-shock-button")  # an intervention at week 6
        step(page, 4)
        before = wait_drawn(page, "series", rows=10)
        assert week(page) == 10

        page.evaluate("() => (window.leadsimBeforeRestart = true)")  # gone with a reload
        stop_dashboard(server)
        notice = page.wait_for_selector(NOTICE, state="visible", timeout=10_000)
        assert "server cannot be reached" in notice.inner_text()

        server = start_dashboard(port)
        page.wait_for_function("() => !window.leadsimBeforeRestart", timeout=60_000)
        wait_week(page, 10, timeout=60_000)  # reloaded, and the run rebuilt at its week
        assert page.locator(NOTICE).count() == 0 or not page.locator(NOTICE).is_visible()
        after = wait_drawn(page, "series", rows=10)
        assert after["series"] == before["series"]  # the same weeks, the same values
        marks = [m for s in after["series"] for m in s["marks"]]
        assert [6, "shock 1.5"] in marks or any(m[0] == 6 for m in marks)
        step(page, 1)  # and it goes on
        assert chart_state(page, "series")["held"] == 11
    finally:
        if context is not None:
            context.close()
        stop_dashboard(server)


def test_a_network_that_drops_and_returns_keeps_the_run(dashboard, browser):
    """The visitor's network goes (a Wi-Fi blip, a closed lid) and comes back: same week, same run."""
    context, page, _ = open_page(browser, dashboard["url"])
    try:
        step(page, 7)
        before = wait_drawn(page, "series", rows=7)
        context.set_offline(True)
        page.wait_for_selector(NOTICE, state="visible", timeout=10_000)
        context.set_offline(False)
        page.wait_for_function(
            "() => { const n = document.querySelector('.leadsim-connection-notice');"
            " return !n || n.style.display === 'none'; }",
            timeout=60_000,
        )
        wait_week(page, 7, timeout=30_000)
        assert wait_drawn(page, "series", rows=7)["series"] == before["series"]
        step(page, 1)
        assert week(page) == 8
    finally:
        context.close()

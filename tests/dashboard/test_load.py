"""Ten visitors stepping at once on one dashboard (loopback only, bounded).

Each visitor steps a different number of weeks, interleaved with the others, then
all play together for a moment: each must see its own run advance, and none
another's.
"""

from __future__ import annotations

import pytest
from browsing import Guard, chart_state, shot, wait_drawn, wait_week, week

pytestmark = pytest.mark.browser

VISITORS = 10


def test_ten_visitors_step_concurrently_and_each_sees_only_its_own_run(dashboard, browser):
    contexts, pages, guards = [], [], []
    try:
        for _ in range(VISITORS):
            context = browser.new_context(viewport={"width": 1200, "height": 800})
            guard = Guard(context)
            page = context.new_page()
            guard.watch(page)
            page.goto(dashboard["url"], wait_until="commit")
            contexts.append(context)
            pages.append(page)
            guards.append(guard)
        for page in pages:
            page.wait_for_selector(".leadsim-step-button", timeout=90_000)
            wait_drawn(page, "network")
            assert week(page) == 0

        # visitor k steps k + 1 times; clicks go out round by round, without waiting
        for round_ in range(VISITORS):
            for k, page in enumerate(pages):
                if k >= round_:
                    page.click(".leadsim-step-button", no_wait_after=True)
        for k, page in enumerate(pages):
            wait_week(page, k + 1, timeout=60_000)
            assert wait_drawn(page, "series", rows=k + 1)["held"] == k + 1

        # then everyone plays at once
        for page in pages:
            page.click(".leadsim-play-button", no_wait_after=True)
        for k, page in enumerate(pages):
            page.wait_for_function(
                "(floor) => Number(/Week (\\d+)/.exec("
                "document.querySelector('.leadsim-step-counter').textContent)[1]) >= floor",
                arg=k + 4,
                timeout=60_000,
            )
        for page in pages:
            page.click(".leadsim-play-button", no_wait_after=True)  # pause
        shot(pages[-1], "load_last_visitor")
        pages[0].wait_for_timeout(500)  # the last frames after the pause
        finals = []
        for page in pages:
            now = week(page)
            state = chart_state(page, "series")
            index = next(s for s in state["series"] if s["name"] == "distribution index")
            assert [point[0] for point in index["data"]] == list(range(now))
            finals.append(now)
        assert all(f >= k + 4 for k, f in enumerate(finals)), finals
        # everyone runs the same scenario and seed: had any run taken another's steps or
        # interventions, its weeks would differ from the others' where they overlap
        first = chart_state(pages[0], "series")["series"][0]["data"]
        for page in pages[1:]:
            other = chart_state(page, "series")["series"][0]["data"]
            shared = min(len(first), len(other))
            assert other[:shared] == first[:shared]
        for guard in guards:
            guard.assert_clean()
    finally:
        for context in contexts:
            context.close()

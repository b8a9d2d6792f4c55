"""What the page reads out: the monitors, a steady week counter, the series' axis, tooltip and
marks, and the radar's scale and tooltip (issue 13: the monitors and item 9)."""

from __future__ import annotations

import io
import re
from itertools import pairwise

import pandas as pd
import pytest
from browsing import open_page, shot, step, wait_drawn
from test_projector import _FIGURE, apart, figure, run_to, to_projector

pytestmark = pytest.mark.browser

NUMBER = r"^\d+(\.\d+)?$"


@pytest.fixture(scope="module")
def visitor(dashboard, browser):
    """A page of its own, on the default scenario (abdication: it reverts in week 17)."""
    context, page, guard = open_page(browser, dashboard["url"])
    yield page, guard
    context.close()


def monitor_values(page, side: str = "") -> dict[str, str]:
    cells = page.locator(f".leadsim-monitor[data-side='{side}']")
    return {
        cells.nth(k).get_attribute("data-monitor"): cells.nth(k).inner_text()
        for k in range(cells.count())
    }


def left_of(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["x"]


def y_labels(page, index: int = 0) -> list[dict]:
    """The y axis's tick labels as drawn (texts left of the plot that are numbers)."""
    drawn = page.evaluate(_FIGURE, ["series", index])
    left = page.evaluate(
        """(index) => document.querySelectorAll('.leadsim-chart-series .leadsim-chart-box')[index]
             .__leadsim.chart.convertToPixel({gridIndex: 0}, [0, 0])[0]""",
        index,
    )

    return [t for t in drawn["texts"] if re.match(NUMBER, t["text"]) and t["right"] <= left]


def test_the_monitors_show_the_weeks_values_and_nothing_shifts(visitor):
    page, guard = visitor
    step(page, 9)
    counter, verdict, boxes = (
        left_of(page, ".leadsim-verdict"),
        left_of(page, ".leadsim-monitors"),
        page.locator(".leadsim-step-counter").bounding_box()["width"],
    )
    step(page, 1)  # week 9 → 10: the week gains a digit, the line stays put
    assert left_of(page, ".leadsim-verdict") == counter
    assert left_of(page, ".leadsim-monitors") == verdict
    assert page.locator(".leadsim-step-counter").bounding_box()["width"] == boxes
    assert (
        page.evaluate(
            "() => getComputedStyle(document.querySelector('.leadsim-monitor')).fontVariantNumeric"
        )
        == "tabular-nums"
    )
    with page.expect_download(timeout=30_000) as info:
        page.locator(".leadsim-download", has_text="Metrics per week (CSV)").click()
    table = pd.read_csv(io.BytesIO(info.value.path().read_bytes()))
    last = table[table["step"] == 9].iloc[0]  # week 10 shown: weeks 0 … 9 recorded
    assert monitor_values(page) == {
        "index": f"{last['distribution_index']:.2f}",
        "anxiety": f"{last['anxiety']:.2f}",
        "trust": f"{last['trust']:.2f}",
        "containment": f"{last['containment']:.2f}",
        "reverted": "—",
    }
    run_to(page, 30)
    assert monitor_values(page)["reverted"] == "17"
    assert "week 17" in page.inner_text(".leadsim-verdict")
    shot(page, "monitors")
    guard.assert_clean()


def test_the_series_tooltip_reads_the_week(visitor):
    page, guard = visitor
    wait_drawn(page, "series", rows=30)
    text = page.evaluate(
        """() => {
          const box = document.querySelector('.leadsim-chart-series .leadsim-chart-box');
          const chart = box.__leadsim.chart;
          chart.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 25});
          const tip = [...box.querySelectorAll('div')].find(
            (d) => d.style.position === 'absolute' && d.textContent.includes('distribution index'));
          return tip ? tip.textContent : null;
        }"""
    )
    assert text is not None and text.startswith("Week 25"), text
    assert "25.00" not in text
    guard.assert_clean()


def test_the_reverted_label_is_at_the_top_of_the_plot(visitor):
    page, guard = visitor
    drawn = figure(page, "series")
    label = next(t for t in drawn["texts"] if t["text"] == "reverted")
    index_y, top, bottom = page.evaluate(
        """() => {
          const chart = document.querySelector('.leadsim-chart-series .leadsim-chart-box').__leadsim.chart;
          const index = chart.getOption().series[0].data;
          const at = index.find((d) => d[0] === 17);
          return [chart.convertToPixel({gridIndex: 0}, at)[1],
                  chart.convertToPixel({gridIndex: 0}, [0, 1])[1],
                  chart.convertToPixel({gridIndex: 0}, [0, 0])[1]];
        }"""
    )
    assert label["bottom"] < index_y - 4, (label, index_y)  # clear of the index line
    middle = (label["top"] + label["bottom"]) / 2  # (the text runs up its line)
    assert middle < top + 0.3 * (bottom - top), (label, top, bottom)  # at the plot's top
    guard.assert_clean()


def show_pressure(page) -> None:
    """Switch on accountability pressure in the series' legend."""
    page.evaluate(
        """() => document.querySelector('.leadsim-chart-series .leadsim-chart-box').__leadsim.chart
             .dispatchAction({type: 'legendSelect', name: 'accountability pressure'})"""
    )
    page.wait_for_timeout(300)


def test_the_y_axis_has_a_name_and_its_labels_never_collide(visitor):
    page, guard = visitor
    # a shock of 1.5 takes accountability pressure to 1.52: shown, the axis goes past 1
    # (its labels once read "1.6" over "1.5")
    page.click(".leadsim-accountability-shock-button")
    step(page, 3)
    wait_drawn(page, "series", rows=33)
    for large in (False, True):
        if large:
            to_projector(page, "readouts")
            page.wait_for_timeout(400)
        show_pressure(page)
        drawn = figure(page, "series")
        assert "level (0 to 1)" in [t["text"] for t in drawn["texts"]]
        labels = y_labels(page)
        assert "1.5" in [t["text"] for t in labels], labels
        apart(labels)
        # evenly spaced: the top a multiple of the interval (no "1.6" squeezed above "1.5")
        values = sorted(float(t["text"]) for t in labels)
        steps = {round(b - a, 6) for a, b in pairwise(values)}
        assert len(steps) == 1, values
        apart([t for t in drawn["texts"] if t["text"] != "reverted"])
        shot(page, f"series_axis_{'large' if large else 'normal'}")
    guard.assert_clean()


def test_reflection_weeks_close_together_do_not_overprint(dashboard, browser):
    context, page, guard = open_page(browser, dashboard["url"])
    try:
        step(page, 10)
        page.click(".leadsim-start-reflection-button")
        step(page, 1)
        page.click(".leadsim-start-reflection-button")
        step(page, 3)
        state = wait_drawn(page, "series", rows=14)
        assert [m[0] for m in state["series"][0]["marks"]][:2] == [10, 11], state["series"][0]
        events = [t for t in figure(page, "series")["texts"] if "reflection" in t["text"].lower()]
        assert events, "no reflection label drawn"
        apart(events)
        apart(figure(page, "series")["texts"])
        guard.assert_clean()
    finally:
        context.close()


def test_the_radar_has_a_scale_and_a_confined_tooltip(visitor):
    page, guard = visitor
    option = page.evaluate(
        """() => document.querySelector('.leadsim-chart-radar .leadsim-chart-box').__leadsim.chart
             .getOption().tooltip[0].confine"""
    )
    assert option is True
    texts = [t["text"] for t in figure(page, "radar")["texts"]]
    assert "0.5" in texts and "1" in texts, texts
    apart(figure(page, "radar")["texts"])
    guard.assert_clean()

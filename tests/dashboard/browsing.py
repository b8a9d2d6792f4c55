"""Helpers for the dashboard's browser tests: a network guard, page actions, chart probes."""

from __future__ import annotations

import re
from pathlib import Path

from chromium import Guard

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


def open_page(browser, url: str, *, viewport=(1400, 900)):
    """A new browser context and page on the dashboard, its charts drawn: (context, page, guard)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    guard = Guard(context)
    page = context.new_page()
    guard.watch(page)
    page.goto(url)
    page.wait_for_selector(".leadsim-step-counter", timeout=60_000)
    wait_drawn(page, "network")
    return context, page, guard


def week(page) -> int:
    """The week the step counter shows."""
    text = page.inner_text(".leadsim-step-counter")
    found = re.search(r"Week (\d+)", text)
    assert found, text
    return int(found.group(1))


def wait_week(page, value: int, timeout: float = 30_000) -> None:
    """Wait until the step counter shows ``value``."""
    page.wait_for_function(
        "(value) => { const e = document.querySelector('.leadsim-step-counter');"
        " return e && e.textContent.includes('Week ' + value + ' '); }",
        arg=value,
        timeout=timeout,
    )


def step(page, times: int = 1) -> None:
    """Click Step ``times`` times and wait for the counter to follow."""
    start = week(page)
    for _ in range(times):
        page.click(".leadsim-step-button")
    wait_week(page, start + times)


_CHART_STATE = """
([kind, index]) => {
  const boxes = document.querySelectorAll('.leadsim-chart-' + kind + ' .leadsim-chart-box');
  const box = boxes[index];
  if (!box || !box.__leadsim || !box.__leadsim.chart) return null;
  const chart = box.__leadsim.chart;
  const option = chart.getOption();
  let painted = 0;
  for (const canvas of box.querySelectorAll('canvas')) {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  }
  const series = (option.series || []).map((s) => ({
    name: s.name || null,
    data: (s.data || []).map((d) => (d && d.value !== undefined ? d.value : d)),
    marks: ((s.markLine && s.markLine.data) || []).map((m) => [m.xAxis, m.name]),
  }));
  return {painted: painted, series: series, held: box.__leadsim.held.rows.length};
}
"""


def chart_state(page, kind: str, index: int = 0) -> dict | None:
    """What a chart holds and has drawn: its series' data, its marks, painted pixels."""
    return page.evaluate(_CHART_STATE, [kind, index])


def wait_drawn(page, kind: str, index: int = 0, rows: int | None = None) -> dict:
    """Wait until a chart has painted (and, for series, holds ``rows`` weeks)."""
    page.wait_for_function(
        """([kind, index, rows]) => {
          const box = document.querySelectorAll('.leadsim-chart-' + kind + ' .leadsim-chart-box')[index];
          if (!box || !box.__leadsim || !box.__leadsim.chart) return false;
          if (rows !== null && box.__leadsim.held.rows.length !== rows) return false;
          return box.querySelector('canvas') !== null;
        }""",
        arg=[kind, index, rows],
        timeout=30_000,
    )
    page.wait_for_timeout(150)  # the canvas paints on the next animation frame
    state = chart_state(page, kind, index)
    assert state is not None
    return state


def shot(page, name: str) -> Path:
    """A screenshot of the page into the artifact folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path

"""Projector mode: at 1280×720 with large type, what the room must see fits the screen.

A facilitator's projector is often 1280×720, and the back of the room needs large type.
With *Large type (projector)* on, the controls fold into a drawer, and without scrolling
the screen shows: the week and the verdict, the time series with every legend item, the
organisation view and the ASERT radar (one run); both sides' series and organisation
views (compare mode); every school's small chart (several schools). Each figure must lie
inside the viewport, uncovered, and every text a chart draws must lie inside its canvas
(the radar's "Relationships" once ran off its right edge, the series' legend off the
screen's bottom).

``LEADSIM_DOC_IMAGES=1 uv run pytest tests/dashboard/test_projector.py`` also writes the
screenshots that ``docs/workshop.md`` shows (``docs/img/projector_*.png``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from browsing import ARTIFACTS, open_page, shot, step, wait_drawn, wait_week, week
from test_browser import choose_scenario

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 720
DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
TWELVE = 'title = "Twelve schools"\nseed = 4\norganisations = 12\n[parameters]\nn_staff = 20\n'
SERIES = [
    "distribution index",
    "staff anxiety",
    "trust in the head",
    "staff dependency",
    "head's anxiety",
    "head's distribution",
    "head's containment",
    "accountability pressure",
]
AXES = ["Context", "(trust)", "Culture", "(authority)", "Change", "(distribution)"]
AXES += ["Relationships", "(peer trust)"]
MEASURED: dict[str, dict] = {}  # the bounding boxes, kept for the record

# Every text a chart's canvas holds, where it is drawn (ZRender's own bounding boxes,
# in the canvas's pixels), with the chart's size and, for a series, where its plot ends.
_FIGURE = """
([kind, index]) => {
  const box = document.querySelectorAll('.leadsim-chart-' + kind + ' .leadsim-chart-box')[index];
  if (!box || !box.__leadsim || !box.__leadsim.chart) return null;
  const chart = box.__leadsim.chart;
  const texts = [];
  for (const el of chart.getZr().storage.getDisplayList(true)) {
    const text = el.style && el.style.text;
    if (typeof text !== 'string' || !text.trim() || el.ignore || el.invisible) continue;
    const rect = el.getBoundingRect().clone();
    const m = el.getComputedTransform();
    if (m) rect.applyTransform(m);
    const size = Number((/([\\d.]+)px/.exec(el.style.font || '') || [0, 12])[1]);
    const middle = rect.y + rect.height / 2;  // ZRender's height of a line is too small
    texts.push({text: text, left: rect.x, right: rect.x + rect.width,
                top: middle - 0.6 * size, bottom: middle + 0.6 * size});
  }
  let plotBottom = null;
  if (kind === 'series') plotBottom = chart.convertToPixel({gridIndex: 0}, [0, 0])[1];
  const nodes = [];  // the organisation view's people and head, each a box of its size
  if (kind === 'network') {
    for (const d of chart.getOption().series[0].data || []) {
      if (!d || !(d.symbolSize > 1)) continue;
      const [x, y] = chart.convertToPixel({seriesIndex: 0}, [d.x, d.y]);
      const r = d.symbolSize / 2;
      nodes.push({name: d.name, left: x - r, top: y - r, right: x + r, bottom: y + r});
    }
  }
  return {width: chart.getWidth(), height: chart.getHeight(), texts: texts,
          plotBottom: plotBottom, nodes: nodes};
}
"""

# Whether an element lies inside the viewport and is the one seen at its centre (no
# drawer or menu over it); the page must not have scrolled.
_SEEN = """
(e) => {
  const r = e.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const top = document.elementFromPoint(x, y);
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
          uncovered: !!top && (e === top || e.contains(top)),
          scrolled: document.querySelector('.leadsim-main').scrollTop + window.scrollY};
}
"""


def seen(page, selector: str, index: int = 0, name: str | None = None) -> dict:
    """Assert that the element lies inside the viewport, uncovered, and return its box."""
    box = page.locator(selector).nth(index).evaluate(_SEEN)
    where = [round(box[k]) for k in ("left", "top", "right", "bottom")]
    record(page, name or f"{selector}[{index}]", where)
    assert box["right"] - box["left"] > 10 and box["bottom"] - box["top"] > 10, (selector, where)
    assert box["left"] >= -0.5 and box["top"] >= -0.5, (selector, where)
    assert box["right"] <= WIDTH + 0.5 and box["bottom"] <= HEIGHT + 0.5, (selector, where)
    assert box["uncovered"], f"{selector} is covered: {where}"
    assert box["scrolled"] == 0
    return box


def record(page, name: str, value) -> None:
    """Keep a measurement for the record (test-artifacts/dashboard/projector_boxes.json)."""
    case = page.evaluate("() => window.leadsimProjectorCase || 'normal type, 1400x900'")
    MEASURED.setdefault(case, {})[name] = value
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "projector_boxes.json").write_text(json.dumps(MEASURED, indent=1))


def one_row(page, selector: str) -> None:
    """A toolbar in one compact row (on a projector)."""
    box = page.locator(selector).bounding_box()
    record(
        page,
        f"{selector} (one row)",
        [
            round(box["x"]),
            round(box["y"]),
            round(box["x"] + box["width"]),
            round(box["y"] + box["height"]),
        ],
    )
    assert box["height"] < 56, (selector, box)


def figure(page, kind: str, index: int = 0) -> dict:
    """The chart's texts (and people), each asserted inside its canvas (none cut at an edge)."""
    drawn = page.evaluate(_FIGURE, [kind, index])
    assert drawn is not None, kind
    for text in drawn["texts"] + drawn["nodes"]:
        where = (kind, index, text, drawn["width"], drawn["height"])
        assert text["left"] >= -1 and text["right"] <= drawn["width"] + 1, where
        assert text["top"] >= -2 and text["bottom"] <= drawn["height"] + 2, where
    if kind == "network":
        assert len(drawn["nodes"]) > 20, drawn["nodes"]
    return drawn


def apart(texts: list[dict]) -> None:
    """No two texts overlap (a legend item on an axis label, one label on another)."""
    for k, a in enumerate(texts):
        for b in texts[k + 1 :]:
            wide = min(a["right"], b["right"]) - max(a["left"], b["left"])
            high = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            assert wide <= 1 or high <= 1, ("overlap", a, b)


def check_series(page, index: int = 0) -> None:
    """Every legend item drawn, inside the canvas, below the plot and its week labels."""
    drawn = figure(page, "series", index)
    texts = drawn["texts"]
    legend = [t for t in texts if t["text"] in SERIES]
    assert sorted(t["text"] for t in legend) == sorted(SERIES), [t["text"] for t in texts]
    assert min(t["top"] for t in legend) > drawn["plotBottom"], (legend, drawn["plotBottom"])
    apart([t for t in texts if t["text"] not in ("reverted",)])
    record(
        page,
        f"series {index}: canvas; plot's bottom; legend's items from top to bottom",
        [
            drawn["width"],
            drawn["height"],
            round(drawn["plotBottom"]),
            round(min(t["top"] for t in legend)),
            round(max(t["bottom"] for t in legend)),
        ],
    )


def check_radar(page, index: int = 0) -> None:
    drawn = figure(page, "radar", index)
    names = [t["text"] for t in drawn["texts"]]
    assert all(axis in names for axis in AXES), names
    apart(drawn["texts"])
    left = min(t["left"] for t in drawn["texts"])
    right = max(t["right"] for t in drawn["texts"])
    record(
        page,
        f"radar {index}: canvas; labels from left to right",
        [drawn["width"], drawn["height"], round(left), round(right)],
    )


def to_projector(page, case: str) -> None:
    """Large type on: the drawer closes, the views take the whole screen."""
    page.evaluate("(name) => { window.leadsimProjectorCase = name; }", case)
    page.click(".leadsim-large-toggle input")
    page.wait_for_selector(".leadsim-projector")
    page.wait_for_selector(".leadsim-sidebar", state="hidden")
    page.wait_for_timeout(300)  # the charts redraw in large type


def run_to(page, target: int) -> None:
    page.fill(".leadsim-run-to input", str(target))
    page.press(".leadsim-run-to input", "Enter")
    wait_week(page, target, timeout=60_000)
    page.wait_for_timeout(400)  # the last frame drawn


def keep(page, name: str) -> None:
    """A screenshot for the record; with LEADSIM_DOC_IMAGES=1, for the docs as well."""
    path = shot(page, name)
    if os.environ.get("LEADSIM_DOC_IMAGES"):
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_IMAGES / f"{name}.png")


def test_one_run_fits_the_projector_screen(dashboard, browser):
    context, page, guard = open_page(browser, dashboard["url"], viewport=(WIDTH, HEIGHT))
    try:
        to_projector(page, "run")
        main = page.locator(".leadsim-main").bounding_box()
        assert main["x"] == 0 and main["width"] == WIDTH  # no sidebar's column
        run_to(page, 30)  # abdication: reverted in week 17
        wait_drawn(page, "series", rows=30)
        seen(page, ".leadsim-step-counter", name="week")
        seen(page, ".leadsim-verdict", name="verdict")
        assert "reverted to hierarchy in week" in page.inner_text(".leadsim-verdict")
        seen(page, ".leadsim-monitors", name="monitors")
        for kind in ("series", "network", "radar"):
            seen(page, f".leadsim-chart-{kind} .leadsim-chart-box", name=kind)
        check_series(page)
        check_radar(page)
        figure(page, "network")
        one_row(page, ".leadsim-interventions")
        keep(page, "projector_run")

        # the controls open as a drawer over the views, which keep their place
        page.click(".leadsim-controls-toggle")
        page.wait_for_selector(".leadsim-sidebar", state="visible")
        drawer = page.locator(".leadsim-sidebar").bounding_box()
        assert drawer["x"] == 0 and drawer["width"] < WIDTH / 2, drawer
        assert page.locator(".leadsim-main").bounding_box() == main
        page.locator(".leadsim-large-toggle").scroll_into_view_if_needed()  # the drawer scrolls
        seen(page, ".leadsim-large-toggle", name="large type switch, in the drawer")
        seen(page, ".leadsim-chart-radar .leadsim-chart-box", name="radar, drawer open")
        shot(page, "projector_drawer")
        page.click(".leadsim-controls-toggle")
        page.wait_for_selector(".leadsim-sidebar", state="hidden")
        assert week(page) == 30 and wait_drawn(page, "series", rows=30)["held"] == 30
        guard.assert_clean()
    finally:
        context.close()


def test_compare_mode_shows_both_sides_on_the_projector_screen(dashboard, browser):
    context, page, guard = open_page(browser, dashboard["url"], viewport=(WIDTH, HEIGHT))
    try:
        page.click(".leadsim-compare-toggle input")
        page.wait_for_selector(".leadsim-side-b .leadsim-chart-series")
        to_projector(page, "compare")
        run_to(page, 30)
        seen(page, ".leadsim-step-counter", name="week")
        seen(page, ".leadsim-monitors", name="monitors of A and B")
        for side in (0, 1):
            wait_drawn(page, "series", side, rows=30)
            label = "AB"[side]
            seen(page, ".leadsim-chart-series .leadsim-chart-caption", side, f"caption {label}")
            seen(page, ".leadsim-chart-series .leadsim-chart-box", side, f"series {label}")
            seen(page, ".leadsim-chart-network .leadsim-chart-box", side, f"network {label}")
            check_series(page, side)
            figure(page, "network", side)
        captions = page.locator(".leadsim-chart-series .leadsim-chart-caption").all_inner_texts()
        assert [c.split(" · ")[0] for c in captions] == ["A: week 30 of 156", "B: week 30 of 156"]
        one_row(page, ".leadsim-interventions")
        keep(page, "projector_compare")
        guard.assert_clean()
    finally:
        context.close()


def test_every_school_fits_the_projector_screen(dashboard, browser):
    context, page, guard = open_page(browser, dashboard["url"], viewport=(WIDTH, HEIGHT))
    try:
        choose_scenario(page, "Six schools whose heads stand alone")
        to_projector(page, "schools")
        run_to(page, 30)  # all six have reverted by week 24
        wait_drawn(page, "multiples", rows=30)
        seen(page, ".leadsim-step-counter", name="week")
        assert page.inner_text(".leadsim-verdict") == "6 schools: 6 reverted to hierarchy"
        seen(page, ".leadsim-verdict", name="verdict")
        seen(page, ".leadsim-chart-multiples .leadsim-chart-box", name="multiples")
        titles = [t["text"] for t in figure(page, "multiples")["texts"]]
        assert [t for t in titles if t.startswith("School ")] == [
            f"School {k} · no group" for k in range(1, 7)
        ], titles
        for k in range(6):
            seen(page, ".leadsim-organisation-picker button", k, f"School {k + 1} button")
        one_row(page, ".leadsim-interventions")  # with "applies to"
        keep(page, "projector_schools")

        # one school: its own views fit below the schools' row
        page.click(".leadsim-organisation-picker button >> text=School 4")
        page.wait_for_selector(".leadsim-chart-radar .leadsim-chart-box", state="visible")
        page.wait_for_timeout(400)
        for kind in ("series", "network", "radar"):
            seen(page, f".leadsim-chart-{kind} .leadsim-chart-box", name=f"School 4 {kind}")
        assert "week 19" in page.inner_text(".leadsim-verdict")  # School 4 reverts first
        check_series(page)
        check_radar(page)
        page.click(".leadsim-all-schools-button")
        page.wait_for_selector(".leadsim-chart-radar .leadsim-chart-box", state="hidden")
        guard.assert_clean()
    finally:
        context.close()


def test_all_twelve_schools_fit_the_projector_screen(dashboard, browser, tmp_path):
    context, page, guard = open_page(browser, dashboard["url"], viewport=(WIDTH, HEIGHT))
    try:
        path = tmp_path / "twelve.toml"
        path.write_text(TWELVE)
        page.set_input_files(".leadsim-upload-input", str(path))
        page.wait_for_function(
            "() => document.querySelector('.leadsim-story-title')?.textContent === 'Twelve schools'"
        )
        to_projector(page, "twelve")
        step(page, 4)
        wait_drawn(page, "multiples", rows=4)
        seen(page, ".leadsim-step-counter", name="week")
        seen(page, ".leadsim-chart-multiples .leadsim-chart-box", name="multiples")
        titles = [t["text"] for t in figure(page, "multiples")["texts"]]
        assert len([t for t in titles if t.startswith("School ")]) == 12, titles
        one_row(page, ".leadsim-interventions")  # "applies to" too
        seen(page, ".leadsim-applies-to", name="applies to")
        for k in range(12):
            seen(page, ".leadsim-organisation-picker button", k, f"School {k + 1} button")
        shot(page, "projector_twelve_schools")
        page.click(".leadsim-organisation-picker button >> text=School 12")
        page.wait_for_selector(".leadsim-chart-radar .leadsim-chart-box", state="visible")
        page.wait_for_timeout(400)
        for kind in ("series", "network", "radar"):
            seen(page, f".leadsim-chart-{kind} .leadsim-chart-box", name=f"School 12 {kind}")
        shot(page, "projector_twelve_school_12")
        guard.assert_clean()
    finally:
        context.close()


def test_normal_type_draws_every_label_inside_its_chart(dashboard, browser):
    context, page, guard = open_page(browser, dashboard["url"], viewport=(1400, 900))
    try:
        step(page, 3)
        wait_drawn(page, "series", rows=3)
        check_series(page)
        check_radar(page)
        figure(page, "network")
        guard.assert_clean()
    finally:
        context.close()

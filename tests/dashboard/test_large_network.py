"""The organisation view of a large organisation: one node per department, expandable."""

from __future__ import annotations

import pytest
from browsing import open_page, shot, step, wait_drawn, wait_week

pytestmark = pytest.mark.browser

# each department node of the network chart: its name, where it is drawn (pixels, in the
# page), its size and its label's box as ECharts measures the label's text
_DEPARTMENTS = """
() => {
  const box = document.querySelector('.leadsim-chart-network .leadsim-chart-box');
  const chart = box.__leadsim.chart;
  const series = chart.getOption().series[0];
  const rect = box.getBoundingClientRect();
  const measure = document.createElement('canvas').getContext('2d');
  const nodes = [];
  series.data.forEach((d, k) => {
    const [px, py] = chart.convertToPixel({seriesIndex: 0}, [d.x, d.y]);
    const label = d.label || {};
    const size = label.fontSize || 12;
    measure.font = size + 'px sans-serif';
    const width = measure.measureText(label.formatter || '').width;
    const top = py + (d.symbolSize || 0) / 2 + 5;  // position "bottom", distance 5
    nodes.push({
      index: k, name: d.name, dept: d.dept === undefined ? null : d.dept,
      shown: !!label.show, position: label.position || null,
      x: rect.left + px, y: rect.top + py, size: d.symbolSize,
      box: [px - width / 2, top, px + width / 2, top + size],
    });
  });
  return {nodes: nodes, links: series.links.length, width: rect.width, height: rect.height};
}
"""


def departments(page) -> dict:
    return page.evaluate(_DEPARTMENTS)


def test_a_500_staff_organisation_is_drawn_by_department(dashboard, browser, tmp_path):
    context, page, guard = open_page(browser, dashboard["url"])
    try:
        big = tmp_path / "big.toml"
        big.write_text('title = "A large school"\n[parameters]\nn_staff = 500\n')
        page.set_input_files(".leadsim-upload-input", str(big))
        page.wait_for_function(
            "() => document.querySelector('.leadsim-story-title')?.textContent === 'A large school'"
        )
        wait_week(page, 0)
        step(page, 3)
        wait_drawn(page, "network")
        page.wait_for_timeout(300)
        state = departments(page)
        depts = [n for n in state["nodes"] if n["dept"] is not None]
        # the default department size is 10: 50 departments, each a labelled node, no people
        assert 45 <= len(depts) <= 55, len(depts)
        assert all(n["shown"] and n["name"].startswith("Dept ") for n in depts)
        assert {n["name"] for n in depts} == {f"Dept {k}" for k in range(1, len(depts) + 1)}
        assert len(state["nodes"]) == len(depts) + 1  # and the head
        assert state["links"] > 0
        # no two labels overlap
        boxes = [n["box"] for n in depts]
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                p, q = boxes[a], boxes[b]
                apart = p[2] <= q[0] or q[2] <= p[0] or p[3] <= q[1] or q[3] <= p[1]
                assert apart, (depts[a]["name"], depts[b]["name"], p, q)
        shot(page, "network_500_departments")

        # clicking one shows its people; the rest stay folded
        target = next(n for n in depts if n["name"] == "Dept 5")
        page.mouse.click(target["x"], target["y"])
        page.wait_for_function(
            "() => document.querySelector('.leadsim-chart-network .leadsim-chart-box')"
            ".__leadsim.chart.getOption().series[0].data.length > 51"
        )
        state = departments(page)
        people = [n for n in state["nodes"] if n["dept"] == 4 and not n["name"].startswith("Dept")]
        assert len(people) == 10, len(people)
        assert {n["name"] for n in people} == {str(k) for k in range(41, 51)}
        assert len(state["nodes"]) == len(depts) + 1 + 10
        shot(page, "network_500_expanded")
        # a step keeps it expanded
        step(page)
        page.wait_for_timeout(300)
        assert len(departments(page)["nodes"]) == len(depts) + 1 + 10

        # clicking it again folds it
        label = next(n for n in departments(page)["nodes"] if n["name"] == "Dept 5")
        page.mouse.click(label["x"], label["y"])
        page.wait_for_function(
            "() => document.querySelector('.leadsim-chart-network .leadsim-chart-box')"
            ".__leadsim.chart.getOption().series[0].data.length === 51"
        )
        guard.assert_clean()
    finally:
        context.close()

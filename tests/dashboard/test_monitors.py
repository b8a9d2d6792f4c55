"""The monitors (NetLogo's): headline values of the organisation shown, from the last record.

And one palette: the run's figure (PNG) draws each series in the page's colour for it.
"""

from __future__ import annotations

import io

import matplotlib.colors
import pandas as pd

from leadsim.config import find_scenario
from leadsim.dashboard import payloads
from leadsim.dashboard.app import metrics_csv
from leadsim.dashboard.session import Session, Setup, Side
from leadsim.dashboard.views import MONITORS, monitors
from leadsim.palette import COLOURS


def test_the_monitors_show_what_the_csv_has_for_the_last_week():
    session = Session(Setup.of(find_scenario("abdication")))
    for _ in range(30):
        session.sides[0].step()
    side = session.sides[0]
    table = pd.read_csv(io.BytesIO(metrics_csv(session)))
    last = table[table["step"] == table["step"].max()].iloc[0]
    shown = monitors(side, 0)
    assert shown[:-1] == [f"{last[metric]:.2f}" for metric, *_ in MONITORS]
    assert shown[-1] == str(side.watches[0].week) == "17"  # abdication reverts in week 17


def test_the_monitors_say_no_reversion_with_a_dash():
    side = Side(find_scenario("abdication"))
    assert monitors(side, 0) == ["—"] * (len(MONITORS) + 1)  # week 0: nothing recorded yet
    side.step()
    assert monitors(side, 0)[-1] == "—"


def test_the_run_figure_uses_the_pages_colours():
    from leadsim.plotting import run_figure

    side = Side(find_scenario("abdication"))
    for _ in range(20):
        side.step()
    fig = run_figure(side.model.metrics_frame())
    drawn = {
        line.get_label(): matplotlib.colors.to_hex(line.get_color())
        for ax in fig.axes
        for line in ax.get_lines()
    }
    page = {label: colour for _, label, colour, _ in payloads.SERIES}
    common = set(page) & set(drawn)
    assert len(common) >= 6, (page, drawn)
    assert {label: drawn[label] for label in common} == {label: page[label] for label in common}
    assert payloads.multiples_spec(side)["colors"] == [
        COLOURS["distribution_index"],
        COLOURS["leader_anxiety"],
    ]

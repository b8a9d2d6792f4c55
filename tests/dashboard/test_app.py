"""The page rendered in-process (Solara's own kernel, no browser): handlers and state."""

from __future__ import annotations

import json

import ipyvuetify as v
import pytest
import solara
from solara.server import kernel, kernel_context

from leadsim.dashboard.app import Page
from leadsim.dashboard.widgets import BusWidget, ChartWidget, UploadWidget


@pytest.fixture
def page():
    """The Page rendered in a fresh virtual kernel, as for one visitor."""
    context = kernel_context.VirtualKernelContext(
        id="test",
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


def click(rc, hook: str, times: int = 1) -> None:
    button = rc.find(v.Btn, class_=hook).widget
    for _ in range(times):
        button.click()


def test_step_advances_the_counter_and_the_series(page):
    assert bus(page)["status"]["counter"] == "Week 0 of 156"
    click(page, "leadsim-step-button", 3)
    frame = bus(page)
    assert frame["status"]["counter"] == "Week 3 of 156"
    assert len(frame["charts"]["series-S-0"]["frame"]["rows"]) == 3


def test_the_charts_get_their_spec_once_and_frames_through_the_bus(page):
    charts = {w.widget.kind: w.widget for w in page.find(ChartWidget)}
    assert set(charts) == {"network", "series", "radar"}
    spec_before = charts["network"].spec
    click(page, "leadsim-step-button", 2)
    assert charts["network"].spec == spec_before  # the layout is not resent
    assert "x" in json.loads(spec_before)


def test_a_shock_is_marked_where_it_happened(page):
    click(page, "leadsim-step-button", 4)
    click(page, "leadsim-accountability-shock-button")
    click(page, "leadsim-step-button")
    marks = bus(page)["charts"]["series-S-0"]["marks"]
    assert [4, "shock 1.5"] in marks["events"]


def test_a_bad_upload_shows_one_line_and_changes_nothing(page):
    click(page, "leadsim-step-button", 2)
    upload = page.find(UploadWidget).widget
    upload.vue_upload({"name": "bad.toml", "text": "[parameters]\npolicy = 'heroic'\n"})
    error = page.find(v.Html, class_="leadsim-error leadsim-upload-error").widget
    text = error.children[0]
    assert "bad.toml: parameters.policy" in text and "allowed:" in text
    assert bus(page)["status"]["counter"] == "Week 2 of 156"


def test_a_good_upload_starts_that_scenario(page):
    upload = page.find(UploadWidget).widget
    upload.vue_upload({"name": "mine.toml", "text": 'title = "Mine"\norganisations = 3\n'})
    frame = bus(page)
    assert frame["status"]["counter"] == "Week 0 of 156"
    assert "multiples-S-all" in frame["charts"]


def test_a_file_too_large_is_refused_before_parsing(page):
    upload = page.find(UploadWidget).widget
    upload.vue_upload({"name": "huge.toml", "text": "#" * 70_000})
    text = page.find(v.Html, class_="leadsim-error leadsim-upload-error").widget.children[0]
    assert "too large" in text


def test_export_gives_the_weeks_as_csv_and_the_figure_as_png():
    import dataclasses
    import io

    import pandas as pd

    from leadsim.config import find_scenario
    from leadsim.dashboard.app import figure_png, metrics_csv
    from leadsim.dashboard.session import ComparePlan, Session, Setup

    session = Session(
        dataclasses.replace(
            Setup.of(find_scenario("abdication")), compare=ComparePlan("containment", 0.6)
        )
    )
    for _ in range(12):
        session.step()
    table = pd.read_csv(io.BytesIO(metrics_csv(session)))
    assert sorted(table["side"].unique()) == ["A", "B"]
    assert table.groupby("side")["step"].max().tolist() == [11, 11]
    assert {"distribution_index", "leader_anxiety", "asert_context"} <= set(table.columns)
    png = figure_png(session, 1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_large_type_enlarges_the_charts_text(page):
    before = json.loads(page.find(ChartWidget, kind="series").widget.spec)["font"]
    page.find(v.Switch, class_="leadsim-large-toggle").widget.v_model = True
    after = json.loads(page.find(ChartWidget, kind="series").widget.spec)["font"]
    assert (before, after) == (1.0, 1.45)


def _compare_on(rc) -> None:
    rc.find(v.Switch, label="Compare two organisations").widget.v_model = True


def _side_titles(rc) -> list[str]:
    return [w.widget.children[0] for w in rc.find(v.Html, class_="leadsim-panel-title")]


def test_compare_labels_read_as_a_person_writes_them(page):
    _compare_on(page)
    page.find(v.Select, label="Side B changes").widget.v_model = "Head's containment"
    page.find(v.Slider, label="Head's containment: 0.10").widget.v_model = 0.5499999999999999
    titles = _side_titles(page)
    assert "A: Head's containment = 0.55" in titles, titles
    assert not any("0.5499999999999999" in title for title in titles)
    assert page.find(v.TextField, label="Side B's head's containment").widget.v_model


def test_choosing_another_scenario_in_compare_mode_keeps_the_sides_apart(page):
    from leadsim.dashboard.app import shipped_scenarios

    _compare_on(page)  # abdication: A delegating, B integrated
    titles = {s.title: n for n, s in shipped_scenarios().items()}
    title = next(t for t, n in titles.items() if n == "integrated")
    page.find(v.Select, label="Scenario").widget.v_model = title
    titles = _side_titles(page)
    assert "A: Head's policy = integrated" in titles, titles
    assert "B: Head's policy = delegating" in titles  # not integrated on both sides


def test_the_parameter_chooser_names_plainly_and_finds_by_a_word(page):
    _compare_on(page)
    chooser = page.find(v.Select, label="Side B changes").widget
    assert chooser.items[:3] == ["Head's policy", "Change approach", "Head's containment"]
    assert not any("_" in item for item in chooser.items)
    page.find(v.TextField, label="Find a parameter").widget.v_model = "meetings"
    items = page.find(v.Select, label="Side B changes").widget.items
    assert "Learning group: Weeks between meetings" in items and len(items) <= 3

"""What a step sends: lean, JSON-ready data, only what changed, never a picture."""

from __future__ import annotations

import json

from leadsim.config import find_scenario
from leadsim.dashboard import payloads
from leadsim.dashboard.layout import AGGREGATE_STAFF
from leadsim.dashboard.session import Session, Setup, Side
from leadsim.dashboard.views import chart_id, live_parts


def size(data) -> int:
    return len(json.dumps(data, separators=(",", ":")))


def test_a_series_frame_carries_only_the_weeks_after_start():
    side = Side(find_scenario("abdication"))
    for _ in range(30):
        side.step()
    full = payloads.series_frame(side, 0, 0, seq=1)
    tail = payloads.series_frame(side, 0, 29, seq=2)
    assert len(full["rows"]) == 30 and full["start"] == 0
    assert tail["start"] == 29 and tail["rows"] == full["rows"][29:]
    assert len(tail["rows"][0]) == len(payloads.SERIES)


def test_a_network_frame_is_a_few_kilobytes_even_at_500_staff():
    side = Side(find_scenario("abdication").with_changes(n_staff=500))
    side.step()
    frame = payloads.network_frame(side, 0)
    assert len(frame["anxiety"]) == len(frame["authority"]) == len(frame["leading"]) == 500
    assert all(isinstance(v, int) and 0 <= v <= 100 for v in frame["anxiety"])
    assert size(frame) < 6_000  # whole percent and a bit string: no layout, no picture


def test_the_spec_holds_the_layout_and_the_frame_does_not():
    side = Side(find_scenario("abdication"))
    side.step()
    spec = payloads.network_spec(side, 0)
    frame = payloads.network_frame(side, 0)
    assert {"x", "y", "edges", "department"} <= set(spec)
    assert not {"x", "y", "edges"} & set(frame)


def test_one_step_of_the_live_bus_is_small_once_the_browser_holds_the_past():
    session = Session(Setup.of(find_scenario("abdication")))
    for _ in range(40):
        session.step()
    side = session.sides[0]
    series = chart_id("series", side, 0)
    token = payloads.chart_token(side, 0)
    session.next_frame()
    session.drawn({"seq": session.seq, "have": {series: [token, 39]}})
    parts = live_parts(session, 0)
    assert len(parts[series]["frame"]["rows"]) == 1
    text = json.dumps(parts)
    assert len(text) < 3_000
    assert "png" not in text.lower() and "base64" not in text.lower()


def test_events_and_the_reversion_are_marks():
    side = Side(find_scenario("abdication"))
    for week in range(40):
        if week == 20:
            side.model.accountability_shock(1.5)
        side.step()
    marks = payloads.series_marks(side, 0)
    assert [20, "shock 1.5"] in marks["events"]
    assert marks["reversion"] is not None and marks["reversion"] < 40


def test_a_new_run_gets_a_new_token():
    setup = Setup.of(find_scenario("abdication"))
    session = Session(setup)
    before = payloads.chart_token(session.sides[0], 0)
    session.reset()
    assert payloads.chart_token(session.sides[0], 0) != before


def test_small_multiples_mark_meetings_attended_and_missed():
    side = Side(find_scenario("learning_group"))
    for _ in range(13):
        side.step()
    frame = payloads.multiples_frame(side, 0, seq=1)
    attendance = [row[2] for row in frame["rows"]]
    meeting_weeks = [week for week, row in enumerate(attendance) if max(row) >= 0]
    assert meeting_weeks == [0, 4, 8, 12]
    assert all(value in (-1, 0, 1) for row in attendance for value in row)
    assert len(attendance[0]) == 6


def test_a_large_organisations_frame_carries_the_engines_department_means():
    side = Side(find_scenario("abdication").with_changes(n_staff=500))
    for _ in range(5):
        side.step()
    spec = payloads.network_spec(side, 0)
    frame = payloads.network_frame(side, 0)
    engine = side.model.engine
    department = engine.department[:500]
    n_dept = 500 // side.scenario.params.department_size
    assert spec["aggregate"] is not None and len(spec["aggregate"]["centres"]) == n_dept
    assert spec["aggregate"]["sizes"] == [int((department == d).sum()) for d in range(n_dept)]
    anxiety = [engine.anxiety[:500][department == d].mean() for d in range(n_dept)]
    leading = [engine.leading[:500][department == d].mean() for d in range(n_dept)]
    assert frame["dept_anxiety"] == [round(100 * v) for v in anxiety]
    assert frame["dept_leading"] == [round(100 * v) for v in leading]
    assert len(set(frame["dept_leading"])) > 1  # departments differ: not one number repeated
    # every link between departments counted once, in the department links' weights
    edges = spec["edges"]
    cross = sum(department[edges[e]] != department[edges[e + 1]] for e in range(0, len(edges), 2))
    assert sum(count for _, _, count in spec["aggregate"]["links"]) == cross
    assert size(frame) < 6_000


def test_a_small_organisation_is_drawn_person_by_person():
    side = Side(find_scenario("abdication"))
    side.step()
    assert side.scenario.params.n_staff <= AGGREGATE_STAFF
    assert payloads.network_spec(side, 0)["aggregate"] is None
    assert "dept_anxiety" not in payloads.network_frame(side, 0)

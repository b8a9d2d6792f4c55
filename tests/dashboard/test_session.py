"""A visitor's runs: caps, compare mode, live events on every side, the frame handshake."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from leadsim.config import ScenarioError, find_scenario
from leadsim.dashboard.limits import IDLE_PAUSE_SECONDS, MAX_HORIZON, MAX_STAFF
from leadsim.dashboard.session import ComparePlan, Session, Setup


def test_two_sessions_of_the_same_setup_do_not_share_anything():
    setup = Setup.of(find_scenario("abdication"))
    a, b = Session(setup), Session(setup)
    for _ in range(5):
        a.step()
    assert a.week == 5 and b.week == 0
    assert a.sides[0].model is not b.sides[0].model


def test_compare_mode_runs_the_same_school_under_two_heads():
    setup = dataclasses.replace(
        Setup.of(find_scenario("integrated")), compare=ComparePlan("policy", "delegating")
    )
    session = Session(setup)
    a, b = session.sides
    assert (a.label, b.label) == ("A", "B")
    assert a.model.params.policy == "integrated" and b.model.params.policy == "delegating"
    assert (a.model.engine.adjacency != b.model.engine.adjacency).nnz == 0  # same staff network
    assert np.array_equal(a.model.engine.authority, b.model.engine.authority)
    for _ in range(8):
        session.step()
    assert a.week == b.week == 8
    session.intervene("accountability_shock", size=1.0)
    assert [event[2] for event in a.model.events()] == [event[2] for event in b.model.events()]


def test_setups_beyond_the_caps_are_refused_in_one_line():
    setup = Setup.of(find_scenario("abdication"))
    with pytest.raises(ScenarioError, match=f"allowed: 2 to {MAX_STAFF}") as err:
        dataclasses.replace(setup, overrides={"n_staff": MAX_STAFF + 1}).scenarios()
    assert "\n" not in str(err.value)
    with pytest.raises(ScenarioError, match=f"allowed: 1 to {MAX_HORIZON}"):
        dataclasses.replace(setup, horizon=MAX_HORIZON + 1).scenarios()


def test_a_failed_build_changes_nothing():
    session = Session(Setup.of(find_scenario("new_head")))  # leader change at week 52
    session.step()
    before = session.sides[0]
    with pytest.raises(ScenarioError, match="events"):
        session.build(dataclasses.replace(session.setup, horizon=40))
    assert session.sides[0] is before and session.week == 1


def test_the_browser_reports_what_it_holds_and_frames_wait_for_it():
    session = Session(Setup.of(find_scenario("abdication")))
    assert session.browser_ready()
    seq = session.next_frame()
    assert not session.browser_ready()
    session.drawn({"seq": seq, "have": {"series-S-0": ["7.0", 12]}})
    assert session.browser_ready()
    assert session.rows_held("series-S-0", "7.0") == 12
    assert session.rows_held("series-S-0", "8.0") == 0  # another run: the browser holds nothing
    session.drawn({"seq": "garbage"})  # a malformed report changes nothing
    assert session.rows_held("series-S-0", "7.0") == 12


def test_a_browser_that_stopped_drawing_is_noticed():
    session = Session(Setup.of(find_scenario("abdication")))
    session.waiting_since -= IDLE_PAUSE_SECONDS + 1  # long idle, nothing waiting: fine
    assert not session.browser_gone()
    session.next_frame()  # a frame goes out now: the wait starts now
    assert not session.browser_gone()
    session.waiting_since -= IDLE_PAUSE_SECONDS + 1
    assert session.browser_gone()


def test_controls_show_the_effective_value():
    setup = Setup.of(find_scenario("abdication"))
    assert setup.value("containment") == pytest.approx(0.1)  # the delegating policy's
    changed = dataclasses.replace(setup, overrides={"containment": 0.6})
    assert changed.value("containment") == 0.6


def test_play_skips_frames_the_browser_has_not_drawn_and_stops_when_it_stops(monkeypatch):
    import threading

    from leadsim.dashboard import session as module

    monkeypatch.setattr(module, "IDLE_PAUSE_SECONDS", 0.3)
    session = Session(Setup.of(find_scenario("abdication")))
    session.speed = 50.0
    pushed = []

    def push():  # a browser that never reports a frame drawn
        pushed.append(session.week)
        session.next_frame()

    session.play(threading.Event(), push)
    assert session.week > 5  # the run went on...
    assert len(pushed) == 2  # ...but only the first frame, and the last, were sent
    assert not session.done  # and it stopped when nothing was drawn for a while


def test_play_sends_every_frame_to_a_browser_that_keeps_up():
    import threading

    session = Session(Setup.of(find_scenario("abdication").with_changes(horizon=20)))
    session.speed = 200.0
    pushed = []

    def push():  # a browser that draws each frame at once
        pushed.append(session.week)
        session.drawn({"seq": session.next_frame(), "have": {}})

    session.play(threading.Event(), push)
    assert session.done and pushed[:20] == list(range(1, 21))

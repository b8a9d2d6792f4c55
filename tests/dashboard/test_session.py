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

    session.play_on()
    session.play(threading.Event(), push)
    assert session.week > 5  # the run went on...
    assert len(pushed) == 2  # ...but only the first frame, and the last, were sent
    assert session.week < session.horizon  # and it stopped when nothing was drawn for a while


def test_play_sends_every_frame_to_a_browser_that_keeps_up():
    import threading

    session = Session(Setup.of(find_scenario("abdication").with_changes(horizon=20)))
    session.speed = 200.0
    pushed = []

    def push():  # a browser that draws each frame at once
        pushed.append(session.week)
        session.drawn({"seq": session.next_frame(), "have": {}})

    session.play_on()
    session.play(threading.Event(), push)
    assert session.week == 20 and pushed[:20] == list(range(1, 21))


def test_play_keeps_the_pace_asked_when_frames_are_slow_to_send():
    """A frame that takes 0.3 s to go out (a browser reading slowly) does not slow the model.

    At 10 weeks a second, three weeks fall due while each frame is sent: they are
    stepped at once and the next frame carries them, rather than one week a frame.
    """
    import itertools
    import threading
    import time

    session = Session(Setup.of(find_scenario("abdication")))
    session.speed = 10.0
    pushed = []

    def push():  # a frame that is slow to send, then drawn
        time.sleep(0.3)
        pushed.append(session.week)
        session.drawn({"seq": session.next_frame(), "have": {}})

    session.run_to("30")
    session.play(threading.Event(), push)
    assert session.week == 30
    steps = [b - a for a, b in itertools.pairwise(pushed)]
    assert len(pushed) < 20 and max(steps) >= 2  # frames skip weeks; the weeks still come


# --- where play stops: the week shown, a week asked for, past the horizon ------------------


def stepped(session: Session, weeks: int) -> Session:
    for _ in range(weeks):
        session.step()
    return session


def same_run(a: Session, b: Session) -> bool:
    """Two sessions hold the same weeks, state and events (to the last digit)."""
    first, second = a.sides[0].model, b.sides[0].model
    return (
        first.metrics_frame().equals(second.metrics_frame())
        and np.array_equal(first.engine.anxiety, second.engine.anxiety)
        and first.events() == second.events()
    )


def test_pause_stops_the_run_on_the_week_the_page_showed():
    setup = Setup.of(find_scenario("no_learning_group"))
    session = stepped(Session(setup), 31)  # the model ran ahead of the page, which shows 28
    token = session.sides[0].token
    session.pause(28)
    assert session.week == 28 and session.until == 28
    assert session.sides[0].token != token  # the browser takes the rewound weeks afresh
    assert [w.week for w in session.sides[0].watches] == [
        w.week for w in stepped(Session(setup), 28).sides[0].watches
    ]
    assert same_run(session, stepped(Session(setup), 28))
    session.pause(40)  # a week the model has not reached: it stops where it is
    assert session.week == 28
    session.pause(None)  # a page that says nothing: likewise
    assert session.week == 28


def test_a_rewound_run_keeps_its_interventions_and_one_fired_after_the_week_shown():
    setup = Setup.of(find_scenario("abdication"))
    session = stepped(Session(setup), 5)
    session.intervene("accountability_shock", size=1.0)
    stepped(session, 20)
    session.intervene("join_learning_group")  # at 25, clicked while the page showed 23
    stepped(session, 2)
    session.pause(23)

    expected = stepped(Session(setup), 5)
    expected.intervene("accountability_shock", size=1.0)
    stepped(expected, 18)
    expected.intervene("join_learning_group")  # lands on the week shown, not lost
    assert session.week == 23
    assert same_run(session, expected)
    assert [event[::2] for event in session.sides[0].model.events()] == [
        (5, "shock 1"),
        (23, "join learning group"),
    ]


def test_pause_rewinds_both_sides_of_a_comparison_together():
    setup = dataclasses.replace(
        Setup.of(find_scenario("integrated")), compare=ComparePlan("policy", "delegating")
    )
    session = stepped(Session(setup), 10)
    session.pause(7)
    a, b = session.sides
    assert (a.week, b.week) == (7, 7) and (a.label, b.label) == ("A", "B")
    assert b.model.params.policy == "delegating"
    fresh = stepped(Session(setup), 7)
    assert b.model.metrics_frame().equals(fresh.sides[1].model.metrics_frame())


def test_a_pause_while_playing_adds_no_week_after_it():
    import threading

    session = Session(Setup.of(find_scenario("abdication")))
    session.speed = 200.0

    def push():  # a browser that draws each frame at once
        session.drawn({"seq": session.next_frame(), "have": {}})

    session.play_on()
    player = threading.Thread(target=session.play, args=(threading.Event(), push))
    player.start()
    while session.week < 30:
        pass
    shown = session.week - 2
    session.pause(shown)
    player.join(timeout=10)
    assert not player.is_alive()
    assert session.week == shown


def test_run_to_week_stops_there_and_says_why_when_it_cannot():
    import threading

    session = Session(Setup.of(find_scenario("no_learning_group")))
    session.speed = 200.0
    session.run_to("26")
    session.play(threading.Event(), lambda: session.drawn({"seq": session.next_frame()}))
    assert session.week == 26
    for asked, reason in (
        ("600", "run to week 600: beyond the dashboard's cap of 520 weeks; allowed: 27 to 520"),
        (10, "run to week 10: the run is already at week 26; allowed: 27 to 520"),
        (26, "run to week 26: the run is already at week 26"),
        ("ten", "run to week: 'ten' is not a whole number of weeks; allowed: 27 to 520"),
        ("", "run to week: '' is not a whole number"),
    ):
        with pytest.raises(ValueError, match="allowed") as err:
            session.run_to(asked)
        assert str(err.value).startswith(reason) and "\n" not in str(err.value)
    assert session.until == 26  # a refusal changes nothing


def test_a_run_goes_on_past_its_horizon_up_to_the_cap():
    import threading

    session = Session(Setup.of(find_scenario("abdication").with_changes(horizon=12)))
    session.speed = 1000.0

    def play():
        session.play(threading.Event(), lambda: session.drawn({"seq": session.next_frame()}))

    session.play_on()
    play()
    assert session.week == 12  # play stops at the horizon first
    session.intervene("join_learning_group")  # and interventions still work there
    session.step()
    assert session.week == 13
    assert session.sides[0].model.events()[-1][::2] == (12, "join learning group")
    session.run_to(30)  # a week past the horizon extends the run
    play()
    assert session.week == 30 and len(session.sides[0].model.engine.records) == 30
    session.play_on()  # past the horizon, play goes on to the cap
    play()
    assert session.week == MAX_HORIZON and session.at_cap
    session.step()
    assert session.week == MAX_HORIZON

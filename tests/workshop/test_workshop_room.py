"""The room's rules: seats, tokens, terms, bounds, and replay bit for bit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from leadsim.config import find_scenario
from leadsim.simulate import simulate
from leadsim.workshop import debrief
from leadsim.workshop.limits import MAX_OBSERVERS, MAX_TERMS
from leadsim.workshop.room import (
    Room,
    RoomError,
    check_name,
    replay_record,
    room_scenario,
)
from leadsim.workshop.simulation import TARGET_STEP, Decision, RoomRun


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def room() -> Room:
    return Room(room_scenario(), clock=Clock())


def seat_all(room: Room, names=("Ann", "Bob", "Cy")) -> list[str]:
    return [room.join(name)[1] for name in names]


def test_learning_group_room_has_six_seats_and_a_code(room):
    assert len(room.seats) == 6 == find_scenario("learning_group").organisations
    assert 4 <= len(room.code) <= 8 and room.code.isalnum()
    assert len(room.key) >= 20


def test_join_gives_distinct_seats_until_full(room):
    taken = [room.join(f"Head {k}") for k in range(6)]
    assert [seat for seat, _ in taken] == list(range(6))
    assert len({token for _, token in taken}) == 6
    with pytest.raises(RoomError, match="seats are taken") as err:
        room.join("Late")
    assert err.value.status == 429


@pytest.mark.parametrize("name", ["", " ", "x" * 25, "<script>", "a\x00b", 5, None, "_hidden"])
def test_bad_names_are_refused_in_one_line(name):
    with pytest.raises(RoomError) as err:
        check_name(name)
    assert "\n" not in str(err.value) and "allowed" in str(err.value)


def test_good_names_are_trimmed():
    assert check_name("  Dr.  Ann O'Neil-Smith ") == "Dr. Ann O'Neil-Smith"
    assert check_name("Zoë") == "Zoë"


def test_a_participant_token_acts_on_its_own_seat_only(room):
    ann, bob, _ = seat_all(room)
    assert room.role_of(ann) == ("participant", 0)
    assert room.role_of(bob) == ("participant", 1)
    for action in ("start", "next", "end", "pause"):
        with pytest.raises(RoomError) as err:
            room.control(ann, action)
        assert err.value.status == 403
    with pytest.raises(RoomError):
        room.shock(bob, None)
    with pytest.raises(RoomError) as err:
        room.decide("forged-token", Decision("raise"))
    assert err.value.status == 403
    with pytest.raises(RoomError):
        room.decide(room.key, Decision("raise"))  # the facilitator does not play a seat
    other = Room(room_scenario(), clock=Clock())
    with pytest.raises(RoomError):
        other.decide(ann, Decision("raise"))  # a token of another room
    assert room.phase == "lobby" and room.terms == []


def test_observers_are_capped(room):
    tokens = {room.observe() for _ in range(MAX_OBSERVERS)}
    assert len(tokens) == MAX_OBSERVERS
    assert room.role_of(next(iter(tokens))) == ("observer", None)
    with pytest.raises(RoomError, match="observers"):
        room.observe()
    with pytest.raises(RoomError):
        room.decide(next(iter(tokens)), Decision("raise"))


def test_term_runs_when_every_seated_head_has_decided(room):
    ann, bob, cy = seat_all(room)
    room.control(room.key, "start")
    assert not room.decide(ann, Decision("raise"))
    assert not room.decide(bob, Decision("lower"))
    assert room.run.week == 0
    assert room.decide(cy, Decision("hold"))
    assert room.run.week == 4 and len(room.terms) == 1 and room.phase == "open"


def test_decisions_change_only_their_own_school(room):
    ann, bob = seat_all(room, ("Ann", "Bob"))
    start = room.run.engine.target.copy()
    room.control(room.key, "start")
    room.decide(ann, Decision("lower", attend=False))
    room.decide(bob, Decision("raise", attend=True, reflect=True))
    target = room.run.series()["target"]
    assert np.allclose(target[:, 0], start[0] - TARGET_STEP)
    assert np.allclose(target[:, 1], min(1.0, start[1] + TARGET_STEP))
    assert np.array_equal(target[:, 2:], np.broadcast_to(start[2:], target[:, 2:].shape))
    attended = room.run.series()["attended"]
    assert attended[0, 0] == 0 and attended[0, 1] == 1  # week 0 is a meeting week


def test_attendance_choice_overrides_the_draw_even_for_an_anxious_head():
    scenario = room_scenario().with_changes(initial_leader_anxiety=0.99, busy_absence=1.0)
    room = Room(scenario, clock=Clock())
    ann, bob = seat_all(room, ("Ann", "Bob"))
    room.control(room.key, "start")
    room.decide(ann, Decision("hold", attend=True))
    room.decide(bob, Decision("hold", attend=False))
    attended = room.run.series()["attended"]
    assert attended[0, 0] == 1 and attended[0, 1] == 0
    assert attended[0, 2:].sum() == 0  # the model's heads: too anxious to attend (u < 0.01)


def test_undecided_heads_hold_and_keep_their_attendance(room):
    ann, bob = seat_all(room, ("Ann", "Bob"))
    room.control(room.key, "start")
    room.decide(ann, Decision("lower", attend=False))
    room.decide(bob, Decision("lower"))
    room.decide(ann, Decision("lower", attend=False))
    room.control(room.key, "next")  # Bob undecided: holds
    entries = room.terms[1]["entries"]
    bob_entry = next(e for e in entries if e["seat"] == 1)
    assert bob_entry["choice"] == "hold" and bob_entry["attend"] is True
    assert bob_entry["target"] == room.terms[0]["entries"][1]["target"]


def test_timer_runs_the_term_when_it_ends(room):
    ann, _ = seat_all(room, ("Ann", "Bob"))
    room.control(room.key, "settings", {"timer": 30})
    room.control(room.key, "start")
    room.decide(ann, Decision("raise"))
    room.clock.now += 29
    assert not room.due()
    room.control(room.key, "pause")
    room.clock.now += 100
    assert not room.due()  # paused: the timer stands still
    room.control(room.key, "start")
    room.clock.now += 1.5
    assert room.due()
    room.run_term()
    assert room.run.week == 4


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"term_weeks": 0}, "term_weeks"),
        ({"term_weeks": 14}, "term_weeks"),
        ({"term_weeks": "4"}, "term_weeks"),
        ({"timer": 5}, "timer"),
        ({"timer": 10_000}, "timer"),
        ({"timer": True}, "timer"),
        ({"speed": 3}, "speed"),
    ],
)
def test_settings_are_bounded(room, args, field):
    with pytest.raises(RoomError, match=field):
        room.control(room.key, "settings", args)


def test_unknown_actions_and_schools_are_refused(room):
    with pytest.raises(RoomError, match="allowed"):
        room.control(room.key, "explode")
    with pytest.raises(RoomError, match="school"):
        room.shock(room.key, 6)
    with pytest.raises(RoomError, match="school"):
        room.shock(room.key, "0")


def test_terms_and_weeks_are_bounded():
    room = Room(room_scenario().with_changes(horizon=10), clock=Clock())
    room.control(room.key, "start")
    room.control(room.key, "next")
    room.control(room.key, "next")
    room.control(room.key, "next")  # the last term is cut to the horizon: 4 + 4 + 2
    assert room.run.week == 10 and room.phase == "ended"
    with pytest.raises(RoomError):
        room.control(room.key, "next")
    long = Room(room_scenario(), clock=Clock())
    long.control(long.key, "settings", {"term_weeks": 1})
    long.control(long.key, "start")
    for _ in range(MAX_TERMS):
        long.control(long.key, "next")
    assert long.phase == "ended" and len(long.terms) == MAX_TERMS


def play(room: Room) -> None:
    ann, bob, cy = seat_all(room)
    room.control(room.key, "start")
    room.shock(room.key, 2)
    room.decide(ann, Decision("raise", attend=False, reflect=True))
    room.decide(bob, Decision("lower"))
    room.decide(cy, Decision("hold", attend=False))
    room.shock(room.key, None)
    room.control(room.key, "settings", {"term_weeks": 6})
    room.decide(ann, Decision("lower"))
    room.control(room.key, "next")
    room.decide(bob, Decision("raise", reflect=True))
    room.decide(cy, Decision("raise"))
    room.decide(ann, Decision("raise"))


def test_replaying_a_record_gives_the_same_series_bit_for_bit(room):
    play(room)
    assert room.run.week == 16
    record = json.loads(json.dumps(room.record()))  # as exported
    again = replay_record(record)
    live, replayed = room.run.series(), again.series()
    assert set(live) == set(replayed)
    for name in live:
        assert live[name].tobytes() == replayed[name].tobytes(), name


def test_a_changed_record_gives_a_different_run(room):
    play(room)
    record = json.loads(json.dumps(room.record()))
    record["terms"][0]["entries"][1]["target"] = 0.5  # Ann's first target
    assert not np.array_equal(
        replay_record(record).series()["distribution"], room.run.series()["distribution"]
    )


def test_empty_seats_play_the_model_unchanged():
    scenario = room_scenario()
    run = RoomRun(scenario)
    run.play([], 12)
    plain = simulate(scenario, steps=12).engine
    for name, values in run.series().items():
        assert values.tobytes() == np.stack([r.values[name] for r in plain.records]).tobytes(), name


def test_model_run_keeps_the_inspections_and_drops_the_decisions(room):
    play(room)
    model = room.model_run()
    assert model.week == room.run.week
    assert np.allclose(
        model.series()["target"], room.scenario.params.leader_setting("final_target")
    )
    assert model.series()["pressure"].tobytes() != RoomRun(room.scenario).engine.pressure.tobytes()


def test_debrief_exports(room):
    play(room)
    series = debrief.series_frame(room)
    assert len(series) == 16 * 6
    assert set(series["head"]) == {"Ann", "Bob", "Cy", "model"}
    decisions = debrief.decisions_frame(room)
    assert list(decisions["kind"]).count("shock") == 2
    assert len(decisions) == 2 + 3 * 3
    assert debrief.figure_png(room)[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(debrief.record_bytes(room))["terms"][0]["start"] == 0


def test_a_seated_heads_target_stands_against_the_models_replanning():
    room = Room(room_scenario("integrated_cycles", 2), "integrated_cycles", clock=Clock())
    (ann,) = seat_all(room, ("Ann",))
    room.control(room.key, "settings", {"term_weeks": 12})
    room.control(room.key, "start")
    room.decide(ann, Decision("hold"))
    room.decide(ann, Decision("hold"))
    target = room.run.series()["target"]
    assert np.all(target[:, 0] == target[0, 0])  # Ann held: no replanning at weeks 11 and 23
    assert len(set(target[:, 1].tolist())) > 1  # the model's head replans at the cycle's end


def test_a_reflection_week_is_held_at_the_start_of_the_term(room):
    ann, bob = seat_all(room, ("Ann", "Bob"))
    room.control(room.key, "start")
    room.decide(ann, Decision("hold", reflect=True))
    room.decide(bob, Decision("hold"))
    clarity = room.run.series()["role_clarity"]
    assert clarity[0, 0] > clarity[0, 1] == clarity[0, 2]  # only Ann's staff reflected
    assert clarity[1, 0] == clarity[0, 0]  # one week, not the term
    kinds = [(step, org, event.kind) for step, org, event in room.run.engine.event_log]
    assert kinds == [(0, 0, "start_reflection")]


def test_a_head_hears_of_an_inspection_at_their_school_only(room):
    from leadsim.workshop.views import participant_view

    seat_all(room, ("Ann", "Bob"))
    room.shock(room.key, 1)
    assert not participant_view(room, 0)["inspection"]
    assert participant_view(room, 1)["inspection"]
    room.shock(room.key, None)
    assert participant_view(room, 0)["inspection"]


def test_the_facilitator_frees_a_seat_and_the_next_to_join_takes_it(room):
    tokens = [room.join(f"Head {k}")[1] for k in range(6)]  # every seat taken
    room.control(room.key, "start")
    for token in tokens:
        room.decide(token, Decision("raise"))  # term 1 runs
    room.decide(tokens[2], Decision("lower"))  # a pending decision of term 2
    with pytest.raises(RoomError) as err:
        room.control(tokens[0], "release", {"school": 2})  # a head cannot free a seat
    assert err.value.status == 403
    room.control(room.key, "release", {"school": 2})  # Head 2's phone died
    with pytest.raises(RoomError) as err:
        room.decide(tokens[2], Decision("raise"))  # the old page no longer acts
    assert err.value.status == 403
    assert 2 not in room.pending and room.seated() == [0, 1, 3, 4, 5]
    seat, token = room.join("Head 2 again")  # from another device
    assert seat == 2 and room.seats[2].name == "Head 2 again"
    for k in (0, 1, 3, 4, 5):
        room.decide(tokens[k], Decision("hold"))
    assert room.run.week == 4  # the term waits for the new head of school 2
    room.decide(token, Decision("hold"))
    assert room.run.week == 8
    school_2 = [e for t in room.terms for e in t["entries"] if e.get("seat") == 2]
    assert [e["choice"] for e in school_2] == ["raise", "hold"]  # the record goes on
    with pytest.raises(RoomError, match=r"^release.school: 9 is not a school; allowed: 0 to 5$"):
        room.control(room.key, "release", {"school": 9})
    room.control(room.key, "release", {"school": 2})
    with pytest.raises(RoomError, match="free already") as err:
        room.control(room.key, "release", {"school": 2})
    assert err.value.status == 409

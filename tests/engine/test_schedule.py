"""The week's calendar and order (MODEL.md §3, §4): when things happen, and what they see.

Each test states when something must happen (a meeting, a reflection week, a
replanning) or which week's state a rule reads, and checks it on the engine's own
records against values worked out by hand from MODEL.md. Batches mix organisations
with different calendars, and each must do what it does alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from leadsim.engine import Engine, Extension, RunSpec, rules
from leadsim.engine.core import series_of
from leadsim.events import make_event
from leadsim.params import Parameters

WEEKS = 30


class AbsentHeads(Extension):
    """Decides who attends each meeting: with ``busy_absence`` 1, a head of anxiety 1 never
    attends (chance 1 − 1·1) and a head of anxiety 0 always does (chance 1).

    ``absent(week, organisation)`` says who stays away; the head's anxiety is set at the
    end of the week before, which is what the meeting reads (MODEL.md §4: "on last
    week's anxiety").
    """

    def __init__(self, absent) -> None:
        self.absent = absent

    def after_reflection(self, engine: Engine) -> None:
        week = engine.t + 1
        engine.leader_anxiety[:] = [float(self.absent(week, o)) for o in range(engine.n_org)]


def group_run(interval: int, seed: int, organisations: int = 4) -> RunSpec:
    params = Parameters(
        n_staff=20,
        policy="egalitarian",
        learning_group=True,
        busy_absence=1.0,
        meeting_interval=interval,
        group_quality=0.8,
        cohesion_start=0.5,
        cohesion_rate=0.1,
    )
    return RunSpec(params, seed=seed, organisations=organisations)


def absent_pattern(week: int, o: int) -> bool:
    """Organisations 0–3 (run 0) and 4–6 (run 1): a quarter to two thirds absent, changing."""
    return (week % 12 + 3 * o) % 7 < 2 + (week >= 16)


def expected_group(weeks: int, interval: int, orgs: list[int]):
    """MODEL.md §4 by hand: meetings at 0, interval, …; support = quality·cohesion before
    the meeting's update, to attenders only; cohesion += rate·(a·(1 − c) − (1 − a)·c)."""
    cohesion = 0.5
    support = np.zeros((weeks, len(orgs)))
    attended = np.zeros((weeks, len(orgs)), dtype=bool)
    cohesion_seen = []
    for week in range(0, weeks, interval):
        here = np.array([not absent_pattern(week, o) for o in orgs])
        attended[week] = here
        support[week] = 0.8 * cohesion * here
        cohesion_seen.append(cohesion)
        share = here.mean()
        cohesion = cohesion + 0.1 * (share * (1 - cohesion) - (1 - share) * cohesion)
    return support, attended, cohesion_seen, cohesion


@pytest.fixture(scope="module")
def group_batch():
    """Two learning groups with different meeting intervals, advancing in one batch."""
    runs = [group_run(4, seed=21), group_run(3, seed=22, organisations=3)]
    engine = Engine(runs, extensions=[AbsentHeads(absent_pattern)])
    engine.leader_anxiety[:] = [float(absent_pattern(0, o)) for o in range(engine.n_org)]
    engine.run(WEEKS)
    return engine


def test_groups_meet_exactly_at_weeks_0_interval_2_interval(group_batch):
    series = series_of(group_batch)
    met = series["in_group"].astype(bool) & (series["attended"] > 0)
    weeks = np.arange(WEEKS)
    for orgs, interval in (([0, 1, 2, 3], 4), ([4, 5, 6], 3)):
        meeting_weeks = weeks[met[:, orgs].any(axis=1)]
        assert meeting_weeks.tolist() == list(range(0, WEEKS, interval))
        support_weeks = weeks[(series["support"][:, orgs] > 0).any(axis=1)]
        assert support_weeks.tolist() == list(range(0, WEEKS, interval))


def test_support_and_cohesion_are_the_hand_computed_values(group_batch):
    series = series_of(group_batch)
    for orgs, interval in (([0, 1, 2, 3], 4), ([4, 5, 6], 3)):
        support, attended, cohesion, _ = expected_group(WEEKS, interval, orgs)
        assert np.array_equal(series["attended"][:, orgs].astype(bool), attended)
        assert series["support"][:, orgs] == pytest.approx(support, abs=1e-12)
        # the test sees cohesion move both ways, and away from 0.5 (where c = 1 − c)
        steps = np.diff(cohesion)
        assert (steps > 0).any() and (steps < 0).any()
        assert max(abs(c - 0.5) for c in cohesion) > 0.03
    # cohesion itself, after the last meeting of each group
    for run, (orgs, interval) in enumerate((([0, 1, 2, 3], 4), ([4, 5, 6], 3))):
        final = expected_group(WEEKS, interval, orgs)[3]
        assert group_batch.cohesion[run] == pytest.approx(final, abs=1e-12)


def test_update_cohesion_by_hand_away_from_one_half():
    # 0.8 + 0.1·(0.25·(1 − 0.8) − 0.75·0.8) = 0.8 + 0.1·(0.05 − 0.6)
    assert rules.update_cohesion(np.array(0.8), np.array(0.25), 0.1) == pytest.approx(0.745)
    # 0.2 + 0.1·(0.5·0.8 − 0.5·0.2)
    assert rules.update_cohesion(np.array(0.2), np.array(0.5), 0.1) == pytest.approx(0.23)


# --- step order: the group meets before the head's step -----------------------------------


def test_support_lowers_the_heads_anxiety_in_the_week_it_is_received():
    """MODEL.md §3: learning group (3) before the leader (4); §4: support enters k_s this week,
    and E is computed from the containment after this week's boost."""
    params = Parameters(
        n_staff=30, policy="egalitarian", learning_group=True, busy_absence=0.0, meeting_interval=3
    )
    engine = Engine([RunSpec(params, seed=8, organisations=2)])
    p = params
    seen_support = 0
    for week in range(13):
        before = {
            name: getattr(engine, name).copy()
            for name in (
                "leader_anxiety",
                "reversion_pressure",
                "failure_rate",
                "unresolved_share",
                "containment",
            )
        }
        engine.step()
        support = engine.records[-1].values["support"]
        assert (support > 0).all() == (week % 3 == 0)
        seen_support += (support > 0).sum()
        pressure = engine.pressure  # after this week's decay: the leader reads it
        a = before["leader_anxiety"]
        anxiety = np.clip(
            a
            + p.leader_pressure_sensitivity * pressure
            + p.leader_reversion_sensitivity * before["reversion_pressure"]
            + p.leader_failure_sensitivity * before["failure_rate"]
            + p.leader_conflict_sensitivity * before["unresolved_share"]
            - p.leader_support_relief * support
            - p.leader_anxiety_decay * a,
            0,
            1,
        )
        c = before["containment"]
        held = c + p.containment_learning * support * (1 - c)
        excess = np.maximum(0.0, anxiety - held)
        assert engine.leader_anxiety == pytest.approx(anxiety, abs=1e-12), week
        assert engine.excess == pytest.approx(excess, abs=1e-12), week
        assert engine.containment == pytest.approx(
            held - p.containment_erosion * excess * held, abs=1e-12
        ), week
    assert seen_support == 2 * 5  # weeks 0, 3, 6, 9, 12, both heads


# --- reflection and replanning: each organisation on its own calendar ---------------------


def cycles_params(cycle_length: int, reflection: int, **changes) -> Parameters:
    settings = {"n_staff": 30, "policy": "integrated", "approach": "cycles", **changes}
    return Parameters(cycle_length=cycle_length, reflection_weeks=reflection, **settings)


CALENDAR_RUNS = (
    RunSpec(cycles_params(12, 2), seed=31),
    RunSpec(cycles_params(5, 1), seed=32, organisations=2),
    # a quick-fix head replaced at week 7 by a cycles head: cycles count from the arrival
    RunSpec(
        Parameters(n_staff=30, policy="integrated", cycle_length=6, reflection_weeks=2),
        seed=33,
        events=(make_event(7, "leader_change", policy="integrated", approach="cycles"),),
    ),
    RunSpec(cycles_params(4, 1, policy="adaptive"), seed=34),
)
# (cycle length, reflection weeks, first week of cycles, reflects) per organisation
CALENDARS = ((12, 2, 0, True), (5, 1, 0, True), (5, 1, 0, True), (6, 2, 7, True), (4, 1, 0, False))
CALENDAR_WEEKS = 40


@pytest.fixture(scope="module")
def calendar_batch():
    engine = Engine(list(CALENDAR_RUNS))
    engine.run(CALENDAR_WEEKS)
    return engine


def test_each_organisation_of_a_mixed_calendar_batch_does_what_it_does_alone(calendar_batch):
    batch = series_of(calendar_batch)
    first = 0
    for run in CALENDAR_RUNS:
        alone = Engine([run])
        alone.run(CALENDAR_WEEKS)
        orgs = slice(first, first + run.organisations)
        for name, series in series_of(alone).items():
            if name == "leadership_centralization":
                continue  # summed in another order in a batch (test_determinism)
            assert np.array_equal(series, batch[name][:, orgs]), name
        first += run.organisations


def test_reflection_weeks_are_the_last_weeks_of_each_cycle(calendar_batch):
    """MODEL.md §4: weeks with ``t mod L`` ≥ L − reflection_weeks, counted from a new head's
    arrival; role clarity grows in those weeks and no others (adaptive heads never reflect)."""
    clarity = series_of(calendar_batch)["role_clarity"]
    weeks = np.arange(CALENDAR_WEEKS)
    for o, (length, reflection, origin, reflects) in enumerate(CALENDARS):
        position = (weeks - origin) % length
        expected = reflects & (weeks >= origin) & (position >= length - reflection)
        start = calendar_batch.p.per_org[o].leader_setting("role_clarity")
        grew = np.diff(np.concatenate([[start], clarity[:, o]])) > 0
        assert grew.tolist() == expected.tolist(), o


def test_heads_replan_at_the_last_week_of_each_cycle_by_hand(calendar_batch):
    """MODEL.md §4: the target starts at initial + step_up; at the end of each cycle's last
    week it moves by step_up on that week's mean staff anxiety, within [initial, final]."""
    series = series_of(calendar_batch)
    target, anxiety = series["target"], series["anxiety"]
    successes, acts = series["successes"], series["acts"]
    moved_any = 0
    for o, (length, _reflection, origin, _reflects) in enumerate(CALENDARS):
        prm = calendar_batch.p.per_org[o]
        floor, ceiling = prm.initial_distribution, prm.leader_setting("final_target")
        expected = np.empty(CALENDAR_WEEKS)
        current = min(max(floor + prm.step_up, floor), ceiling)
        pooled_acts = pooled_successes = 0.0
        for week in range(CALENDAR_WEEKS):
            if week < origin:  # the quick-fix head: its final target from week 0
                expected[week] = ceiling
                continue
            pooled_acts += acts[week, o]
            pooled_successes += successes[week, o]
            if (week - origin) % length == length - 1:
                calm, anxious = anxiety[week, o] < 0.35, anxiety[week, o] > 0.5
                if prm.policy == "adaptive":
                    calm = calm and pooled_acts > 0 and pooled_successes / pooled_acts >= 0.5
                current = min(max(current + 0.1 * calm - 0.1 * anxious, floor), ceiling)
                pooled_acts = pooled_successes = 0.0
            expected[week] = current
        assert target[:, o] == pytest.approx(expected, abs=1e-12), o
        moved_any += np.count_nonzero(np.diff(expected[origin:]))
    assert moved_any >= 8  # the test sees heads step the target many times


def test_a_cycle_pools_its_acts_and_successes_from_its_first_week_to_its_last():
    """MODEL.md §5 (adaptive): the success rate of a cycle is successes / acts over the cycle."""
    engine = Engine([CALENDAR_RUNS[-1], CALENDAR_RUNS[0]])
    lengths = (4, 12)
    acts, successes = np.zeros(2), np.zeros(2)
    for week in range(26):
        engine.step()
        values = engine.records[-1].values
        acts += values["acts"]
        successes += values["successes"]
        ended = np.array([week % length == length - 1 for length in lengths])
        acts[ended] = successes[ended] = 0.0  # replanned: the next cycle starts empty
        assert np.array_equal(engine.cycle_acts, acts), week
        assert np.array_equal(engine.cycle_successes, successes), week
    assert acts.max() > 0

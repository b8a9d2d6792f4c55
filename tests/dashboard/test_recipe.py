"""A run kept as data in the browser comes back the same, and nothing else comes back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from leadsim.config import find_scenario
from leadsim.dashboard.app import shipped_scenarios
from leadsim.dashboard.recipe import RecipeError, parse_recipe, recipe_json
from leadsim.dashboard.session import ComparePlan, Session, Setup


def _played(setup: Setup) -> Session:
    session = Session(setup)
    for week in range(14):
        if week == 5:
            session.intervene("accountability_shock", size=1.2)
        if week == 9:
            session.intervene("leader_change", policy="integrated")
        session.step()
    return session


def _same(a: Session, b: Session) -> None:
    assert a.week == b.week and len(a.sides) == len(b.sides)
    for side_a, side_b in zip(a.sides, b.sides, strict=True):
        records_a, records_b = side_a.model.engine.records, side_b.model.engine.records
        assert len(records_a) == len(records_b)
        for ra, rb in zip(records_a, records_b, strict=True):
            for name, values in ra.values.items():
                assert np.array_equal(values, rb.values[name], equal_nan=True), name


@pytest.mark.parametrize("compare", [None, ComparePlan("containment", 0.7)])
def test_a_kept_run_is_rebuilt_bit_for_bit(compare):
    import dataclasses

    setup = dataclasses.replace(
        Setup.of(find_scenario("abdication")),
        overrides={"pressure_baseline": 0.35},
        compare=compare,
    )
    played = _played(setup)
    text = recipe_json(played.setup, played.sides[0].interventions, None)
    restored = parse_recipe(text, played.week, shipped_scenarios)
    again = Session(Setup.of(find_scenario("integrated")))
    again.restore(restored.setup, restored.interventions, restored.week)
    _same(played, again)


def test_an_uploaded_scenario_travels_as_its_text():
    text = 'title = "Mine"\nseed = 9\norganisations = 2\n[parameters]\nn_staff = 24\n'
    from leadsim.config import scenario_from_text

    setup = Setup.of(scenario_from_text(text, source="mine.toml"))
    played = _played(setup)
    kept = recipe_json(played.setup, played.sides[0].interventions, text)
    restored = parse_recipe(kept, played.week, shipped_scenarios)
    assert restored.uploaded_text == text and restored.uploaded.title == "Mine"
    again = Session(Setup.of(find_scenario("integrated")))
    again.restore(restored.setup, restored.interventions, restored.week)
    _same(played, again)


def _kept(**changes) -> str:
    recipe = json.loads(recipe_json(Setup.of(find_scenario("abdication")), [], None))
    recipe.update(changes)
    return json.dumps(recipe)


@pytest.mark.parametrize(
    ("text", "week", "problem"),
    [
        ("not json", 3, "not JSON"),
        (_kept(v=99), 3, "another version"),
        (_kept(scenario={"name": "nowhere"}), 3, "not shipped"),
        (_kept(overrides={"__class__": 1}), 3, "parameter the page does not know"),
        (_kept(interventions=[[2, "step", {}]]), 3, "does not offer: 'step'"),
        (
            _kept(interventions=[[2, "set_param", {"name": "seed", "value": 1}]]),
            3,
            "does not offer",
        ),
        (_kept(interventions=[[2, "accountability_shock", {"size": 1e9}]]), 3, "shock size"),
        (_kept(interventions=[[2, "leader_change", {"policy": "tyrant"}]]), 3, "unknown policy"),
        (_kept(seed=-1), 3, "seed or horizon"),
        (_kept(), 10_000, "not a week"),
        ("[" * 100_000, 3, "not JSON"),
    ],
)
def test_what_the_page_does_not_offer_is_refused_in_one_line(text, week, problem):
    with pytest.raises(RecipeError, match=problem) as info:
        parse_recipe(text, week, shipped_scenarios)
    assert "\n" not in str(info.value)

"""Scenario files: every shipped one loads; every broken one fails in one line naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadsim.config import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    find_scenario,
    list_scenarios,
    load_scenario,
    parse_scenario,
    scenario_from_text,
)
from leadsim.events import make_event
from leadsim.params import Parameters

SHIPPED = sorted(SCENARIO_DIR.glob("*.toml"))
REQUIRED = {
    "hierarchical": ("hierarchical", "quick_fix"),
    "abdication": ("delegating", "quick_fix"),
    "delegating_cycles": ("delegating", "cycles"),
    "egalitarian": ("egalitarian", "quick_fix"),
    "egalitarian_cycles": ("egalitarian", "cycles"),
    "integrated": ("integrated", "quick_fix"),
    "integrated_cycles": ("integrated", "cycles"),
    "adaptive": ("adaptive", "cycles"),
    "inspection_low_containment": ("integrated", "quick_fix"),
    "inspection_high_containment": ("integrated", "quick_fix"),
    "learning_group": ("egalitarian", "quick_fix"),
    "no_learning_group": ("egalitarian", "quick_fix"),
    "rivalry": ("integrated", "quick_fix"),
    "new_head": ("delegating", "quick_fix"),
}

VALID = """
title = "A test"
narrative = "A paragraph."
things_to_notice = ["one", "two"]
things_to_try = ["one", "two"]
seed = 7
horizon = 156
organisations = 2

[parameters]
policy = "integrated"
containment = 0.5

[[events]]
step = 52
kind = "accountability_shock"
size = 1.5
"""


def write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_line_error(err: pytest.ExceptionInfo, *parts: str) -> str:
    message = str(err.value)
    assert "\n" not in message and "\r" not in message
    assert "Traceback" not in message
    assert "allowed:" in message
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"
    return message


# --- shipped scenarios ---------------------------------------------------------------------


def test_scenario_dir_is_the_repository_folder():
    expected = Path(__file__).resolve().parents[1] / "scenarios"
    assert expected == SCENARIO_DIR


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_loads_and_tells_its_story(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.source == str(path)
    assert scenario.title and scenario.title != scenario.name
    assert len(scenario.narrative.split()) >= 50
    assert 2 <= len(scenario.things_to_notice) <= 4
    assert 2 <= len(scenario.things_to_try) <= 4
    assert scenario.params.n_staff == 60
    assert scenario.horizon == 156
    assert 0 <= scenario.seed < 2**63


def test_the_required_scenarios_are_shipped_with_their_policy_and_approach():
    by_name = {s.name: s for s in list_scenarios()}
    for name, (policy, approach) in REQUIRED.items():
        assert name in by_name, name
        assert (by_name[name].params.policy, by_name[name].params.approach) == (policy, approach)


def test_scenario_specifics():
    low, high = (
        find_scenario("inspection_low_containment"),
        find_scenario("inspection_high_containment"),
    )
    assert (low.params.containment, high.params.containment) == (0.5, 0.8)
    for scenario in (low, high):
        (shock,) = scenario.events
        assert (shock.step, shock.kind, shock.args["size"]) == (52, "accountability_shock", 1.5)
    with_group, without = find_scenario("learning_group"), find_scenario("no_learning_group")
    assert with_group.organisations == without.organisations == 6
    assert with_group.params.learning_group and not without.params.learning_group
    assert with_group.params.replace(learning_group=False) == without.params
    assert find_scenario("rivalry").params.peer_trust_mean == 0.2
    (change,) = find_scenario("new_head").events
    assert (change.step, change.kind) == (52, "leader_change")
    assert dict(change.args) == {"policy": "integrated", "approach": "cycles"}


def test_list_scenarios_is_sorted_by_name():
    names = [s.name for s in list_scenarios()]
    assert names == sorted(names)
    assert set(REQUIRED) <= set(names)


def test_find_scenario_accepts_a_name_or_a_path():
    by_name = find_scenario("abdication")
    by_path = find_scenario(SCENARIO_DIR / "abdication.toml")
    assert by_name == by_path
    assert by_name.params.policy == "delegating"


# --- the format -----------------------------------------------------------------------------


def test_a_valid_file_parses_into_typed_values(tmp_path):
    scenario = load_scenario(write(tmp_path, VALID, "my_school.toml"))
    assert scenario.name == "my_school"
    assert scenario.params == Parameters(policy="integrated", containment=0.5)
    assert scenario.organisations == 2 and scenario.seed == 7
    assert scenario.things_to_notice == ("one", "two")
    assert scenario.events == (make_event(52, "accountability_shock", size=1.5),)


def test_defaults_and_a_name_key():
    scenario = parse_scenario({"name": "x", "parameters": {"policy": "delegating"}}, "x.toml")
    assert (scenario.name, scenario.title, scenario.horizon, scenario.organisations) == (
        "x",
        "x",
        156,
        1,
    )
    assert scenario.events == ()


def test_events_are_sorted_by_step_and_whole_numbers_become_floats():
    text = VALID + '\n[[events]]\nstep = 3\nkind = "set"\ncontainment = 1\norganisation = 1\n'
    scenario = scenario_from_text(text, "upload.toml")
    assert [e.step for e in scenario.events] == [3, 52]
    assert scenario.events[0].args == {"containment": 1.0}
    assert isinstance(scenario.events[0].args["containment"], float)
    assert scenario.events[0].organisation == 1


def test_scenario_from_text_accepts_bytes_and_names_the_upload():
    scenario = scenario_from_text(VALID.encode(), "upload.toml")
    assert scenario.name == "upload" and scenario.source == "upload.toml"


def test_narrative_is_rewrapped_into_paragraphs():
    scenario = scenario_from_text('narrative = """\nOne\nline.\n\nTwo.\n"""', "a.toml")
    assert scenario.narrative == "One line.\n\nTwo."


# --- broken files ---------------------------------------------------------------------------

BROKEN = [
    pytest.param(
        VALID.replace("containment = 0.5", 'containment = "high"'),
        ("parameters.containment", "expected a number", "allowed: a number from 0 to 1"),
        id="wrong-type",
    ),
    pytest.param(
        VALID.replace("seed = 7", 'seed = "seven"'),
        ("seed", "expected a whole number", "allowed: 0 to 2**63 - 1"),
        id="wrong-type-seed",
    ),
    pytest.param(
        VALID.replace("containment = 0.5", "containmnet = 0.5"),
        (
            "parameters.containmnet",
            "unknown parameter",
            "'containment'",
            "allowed:",
            "leadsim params",
        ),
        id="unknown-parameter",
    ),
    pytest.param(
        VALID.replace("seed = 7", "seed = 7\ncolour = 'red'"),
        ("colour", "unknown key", "allowed: name, title", "organisations"),
        id="unknown-top-level-key",
    ),
    pytest.param(
        VALID.replace("containment = 0.5", "containment = 1.7"),
        ("parameters.containment: 1.7 is out of range; allowed: 0 to 1",),
        id="out-of-range",
    ),
    pytest.param(
        VALID.replace("horizon = 156", "horizon = 5000"),
        ("horizon", "5000 is out of range", "allowed: a whole number from 1 to 2000"),
        id="out-of-range-horizon",
    ),
    pytest.param(
        VALID.replace("organisations = 2", "organisations = 51"),
        ("organisations", "51 is out of range", "allowed: a whole number from 1 to 50"),
        id="out-of-range-organisations",
    ),
    pytest.param(
        VALID.replace('policy = "integrated"', 'policy = "laissez_faire"'),
        ("parameters.policy", "'laissez_faire'", "allowed: hierarchical, delegating"),
        id="unknown-policy",
    ),
    pytest.param(
        VALID.replace('policy = "integrated"', 'approach = "big_bang"'),
        ("parameters.approach", "'big_bang'", "allowed: quick_fix, cycles"),
        id="unknown-approach",
    ),
    pytest.param(
        VALID.replace("step = 52", "step = 200"),
        ("events[0].step: 200 is after the horizon; allowed: 0 to 155",),
        id="event-after-horizon",
    ),
    pytest.param(
        VALID.replace("step = 52", "step = 156"),
        ("events[0].step", "156", "allowed: 0 to 155"),
        id="event-at-horizon",
    ),
    pytest.param(
        VALID.replace('kind = "accountability_shock"', 'kind = "earthquake"'),
        ("events[0].kind", "'earthquake'", "allowed: accountability_shock, join_learning_group"),
        id="unknown-event-kind",
    ),
    pytest.param(
        VALID.replace("size = 1.5", "size = 1.5\norganisation = 2"),
        ("events[0].organisation", "2 does not exist", "allowed: 0 to 1"),
        id="organisation-out-of-range",
    ),
    pytest.param(
        VALID.replace("size = 1.5", "size = 20"),
        ("events[0].size", "20 is out of range", "allowed: 0 to 10"),
        id="event-argument-out-of-range",
    ),
    pytest.param(
        VALID.replace("size = 1.5", "magnitude = 1.5"),
        ("events[0].magnitude", "unknown key", "allowed: step, kind, organisation, size"),
        id="event-unknown-argument",
    ),
    pytest.param(
        VALID.replace("size = 1.5", ""),
        ("events[0].size", "missing", "allowed: size = a number from 0 to 10"),
        id="event-missing-argument",
    ),
    pytest.param(
        VALID + '\n[[events]]\nstep = 10\nkind = "set"\nn_staff = 100\n',
        ("events[1].n_staff", "cannot change mid-run", "allowed: parameters that can change"),
        id="set-structural",
    ),
    pytest.param(
        VALID + '\n[[events]]\nstep = 10\nkind = "set"\ncontainment = 2.0\n',
        ("events[1].containment: 2.0 is out of range; allowed: 0 to 1",),
        id="set-out-of-range",
    ),
    pytest.param(
        VALID + '\n[[events]]\nstep = 10\nkind = "set"\ntolerance_low = 0.6\n',
        ("events[1].tolerance_low", "tolerance_high", "allowed:"),
        id="set-conflicts-with-the-scenario",
    ),
    pytest.param(
        VALID.replace(
            'kind = "accountability_shock"\nsize = 1.5', 'kind = "leader_change"\npolicy = "tyrant"'
        ),
        ("events[0].policy", "'tyrant'", "allowed: hierarchical"),
        id="leader-change-unknown-policy",
    ),
    pytest.param(
        VALID.replace("things_to_try = [", "things_to_try = [3, "),
        ("things_to_try[0]", "expected text", "allowed:"),
        id="things-not-text",
    ),
    pytest.param(
        VALID.replace("[parameters]", "[parameters]\nreflection_weeks = 12"),
        ("parameters.reflection_weeks", "cycle_length", "allowed:"),
        id="cross-field",
    ),
]


@pytest.mark.parametrize(("text", "parts"), BROKEN)
def test_a_broken_file_fails_in_one_line_naming_file_field_and_what_is_allowed(
    tmp_path, text, parts
):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = assert_one_line_error(err, *parts)
    assert message.startswith(f"{path}: ")


def test_bad_toml_syntax_gives_line_and_column(tmp_path):
    path = write(tmp_path, 'title = "ok"\nseed = = 3\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert_one_line_error(err, str(path), "line 2, column", "TOML syntax", "allowed:")


def test_bad_toml_at_end_of_file_still_gives_a_line(tmp_path):
    path = write(tmp_path, 'title = "ok"\nnarrative = """never closed\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert_one_line_error(err, str(path), "line", "TOML syntax")


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert_one_line_error(err, str(path), "file not found", "allowed: a path to a scenario file")
    with pytest.raises(ScenarioError) as err:
        find_scenario(path)
    assert_one_line_error(err, str(path), "file not found")


def test_unknown_shipped_name_lists_the_names():
    with pytest.raises(ScenarioError) as err:
        find_scenario("abdicaton")
    assert_one_line_error(err, "abdicaton", "'abdication'", "allowed:", "integrated_cycles")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes('title = "Caf\u00e9"'.encode("latin-1"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert_one_line_error(err, str(path), "UTF-8")


def test_list_scenarios_of_a_missing_folder(tmp_path):
    with pytest.raises(ScenarioError) as err:
        list_scenarios(tmp_path / "none")
    assert_one_line_error(err, "folder not found")


def test_scenario_error_is_a_value_error():
    assert issubclass(ScenarioError, ValueError)


# --- with_changes ---------------------------------------------------------------------------


def test_with_changes_applies_and_keeps_the_story():
    base = find_scenario("abdication")
    changed = base.with_changes(seed=3, horizon=60, containment=0.6, approach="cycles")
    assert (changed.seed, changed.horizon) == (3, 60)
    assert changed.params.containment == 0.6 and changed.params.approach == "cycles"
    assert (changed.name, changed.title, changed.narrative) == (
        base.name,
        base.title,
        base.narrative,
    )
    assert base.params.containment is None  # the original is untouched
    assert base.with_changes() == base


def test_with_changes_accepts_none_for_a_policy_setting():
    scenario = find_scenario("inspection_low_containment").with_changes(containment=None)
    assert scenario.params.containment is None
    assert scenario.params.leader_setting("containment") == 0.6


@pytest.mark.parametrize(
    ("changes", "parts"),
    [
        ({"containment": 1.7}, ("parameters.containment: 1.7 is out of range; allowed: 0 to 1",)),
        ({"containment": "lots"}, ("parameters.containment", "expected a number", "allowed:")),
        ({"policy": "tyrant"}, ("parameters.policy", "'tyrant'", "allowed: hierarchical")),
        ({"colour": 1}, ("parameters.colour", "unknown parameter", "allowed:")),
        ({"seed": -1}, ("seed", "-1 is out of range", "allowed: 0 to 2**63 - 1")),
        ({"seed": 2**63}, ("seed", "out of range", "allowed: 0 to 2**63 - 1")),
        (
            {"horizon": 0},
            ("horizon", "0 is out of range", "allowed: a whole number from 1 to 2000"),
        ),
        ({"horizon": 40}, ("events[0].step: 52 is after the horizon; allowed: 0 to 39",)),
        ({"organisations": 0}, ("organisations", "allowed: a whole number from 1 to 50")),
    ],
)
def test_with_changes_validates(changes, parts):
    scenario = find_scenario("inspection_low_containment")
    with pytest.raises(ScenarioError) as err:
        scenario.with_changes(**changes)
    assert_one_line_error(err, scenario.source, *parts)


def test_with_changes_checks_organisations_named_by_events():
    text = VALID.replace("size = 1.5", "size = 1.5\norganisation = 1")
    scenario = scenario_from_text(text, "two.toml")
    with pytest.raises(ScenarioError) as err:
        scenario.with_changes(organisations=1)
    assert_one_line_error(err, "two.toml", "events[0].organisation", "1 does not exist")


def test_a_scenario_built_in_code_is_validated_too():
    with pytest.raises(ScenarioError) as err:
        Scenario(name="x", events=(make_event(10, "start_reflection"),), horizon=5)
    assert_one_line_error(err, "scenario x", "events[0].step", "allowed: 0 to 4")
    scenario = Scenario(
        name="x",
        events=(make_event(9, "start_reflection"), make_event(2, "join_learning_group")),
    )
    assert [e.step for e in scenario.events] == [2, 9]
    assert scenario.title == "x"

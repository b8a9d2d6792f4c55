"""The caps of the classroom dashboard: one place, one-line refusals."""

from __future__ import annotations

import pytest

from leadsim.config import ScenarioError, find_scenario, scenario_from_text
from leadsim.dashboard import limits


@pytest.mark.parametrize(
    ("text", "field", "allowed"),
    [
        ("[parameters]\nn_staff = 501\n", "parameters.n_staff", "allowed: 2 to 500"),
        ("horizon = 521\n", "horizon", "allowed: 1 to 520"),
        ("organisations = 13\n", "organisations", "allowed: 1 to 12"),
    ],
)
def test_an_uploaded_scenario_beyond_a_cap_is_refused(text, field, allowed):
    scenario = scenario_from_text(text, source="mine.toml")
    with pytest.raises(ScenarioError) as err:
        limits.check_scenario(scenario)
    message = str(err.value)
    assert message.startswith(f"mine.toml: {field}: ") and message.endswith(allowed)
    assert "\n" not in message


def test_every_shipped_scenario_is_within_the_caps():
    for name in ["abdication", "learning_group", "no_learning_group", "new_head", "rivalry"]:
        limits.check_scenario(find_scenario(name))


def test_the_caps_are_the_documented_ones():
    assert (limits.MAX_STAFF, limits.MAX_HORIZON, limits.MAX_ORGANISATIONS) == (500, 520, 12)
    assert limits.KERNEL_CULL_TIMEOUT.endswith("m")  # minutes, not Solara's default day

"""A `set` event changes what the engine does from the next week on."""

from __future__ import annotations

from leadsim.engine import Engine, RunSpec
from leadsim.events import make_event
from leadsim.params import ROLES, Parameters


def test_setting_access_to_zero_stops_offers_to_that_role():
    run = RunSpec(
        Parameters(n_staff=60, policy="delegating"),
        seed=5,
        events=(make_event(10, "set", access_professional=0.0),),
    )
    engine = Engine([run])
    professional = engine.role == ROLES.index("professional")
    offered_before = offered_after = 0
    for _ in range(30):
        engine.step()
        offered = engine.this_week["offered"][professional].sum()
        if engine.t <= 10:
            offered_before += offered
        else:
            offered_after += offered
    assert offered_before > 0
    assert offered_after == 0

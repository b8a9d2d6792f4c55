"""A page's run as data: what the browser keeps, so the run survives the network.

A run is determined by its scenario, the controls' changes, its seed and horizon,
compare mode, and the interventions fired in it with their weeks. The page sends this
*recipe* to the browser, which keeps it (with the week the page shows) in its
``sessionStorage``: a reload, a restarted server or a kernel culled after a closed lid
then rebuilds the same run, at the same week, from the same bits.

The recipe comes back from the browser, so it is read as untrusted data: a shipped
scenario by name, an uploaded one through the same checks as an upload, interventions
only of the kinds the page offers, with their arguments checked, and nothing called by
a name it carries.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from leadsim.config import Scenario, scenario_from_text
from leadsim.dashboard.limits import MAX_HORIZON, MAX_UPLOAD_BYTES, check_scenario
from leadsim.dashboard.session import ComparePlan, Intervention, Setup
from leadsim.params import FIELDS, POLICIES

VERSION = 1
# The interventions the page offers, and the arguments each may carry.
INTERVENTIONS: dict[str, frozenset[str]] = {
    "accountability_shock": frozenset({"size", "organisation"}),
    "join_learning_group": frozenset({"organisation"}),
    "leave_learning_group": frozenset({"organisation"}),
    "leader_change": frozenset({"policy", "approach", "organisation"}),
    "start_reflection": frozenset({"organisation"}),
}
MAX_RECIPE_BYTES = 4 * MAX_UPLOAD_BYTES
MAX_INTERVENTIONS = 2_000


class RecipeError(ValueError):
    """A recipe the page cannot rebuild (one line)."""


def recipe_json(
    setup: Setup, interventions: Sequence[Intervention], uploaded_text: str | None
) -> str:
    """The recipe of a run, as compact JSON text (its week travels with each frame)."""
    scenario: dict[str, Any] = {"name": setup.scenario.name}
    if uploaded_text is not None:
        scenario = {"text": uploaded_text, "source": setup.scenario.source or "upload.toml"}
    compare = None
    if setup.compare is not None:
        compare = [setup.compare.parameter, setup.compare.value]
    recipe = {
        "v": VERSION,
        "scenario": scenario,
        "overrides": dict(setup.overrides),
        "seed": setup.seed,
        "horizon": setup.horizon,
        "compare": compare,
        "interventions": [[i.week, i.kind, dict(i.args)] for i in interventions],
    }
    return json.dumps(recipe, separators=(",", ":"))


@dataclass(frozen=True)
class Restored:
    """A recipe read back: the setup, the interventions, the week, and an uploaded scenario."""

    setup: Setup
    interventions: tuple[Intervention, ...]
    week: int
    uploaded: Scenario | None
    uploaded_text: str | None


def parse_recipe(text: Any, week: Any, shipped: Callable[[], Mapping[str, Scenario]]) -> Restored:
    """Read a recipe the browser kept; :class:`RecipeError` (one line) if it cannot be used."""
    if not isinstance(text, str) or len(text) > MAX_RECIPE_BYTES:
        raise RecipeError("the kept run is not text of at most 256 kB")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise RecipeError("the kept run is not JSON") from None
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise RecipeError("the kept run is of another version of the page")
    scenario, uploaded_text = _scenario(data.get("scenario"), shipped)
    overrides = data.get("overrides")
    if not isinstance(overrides, dict) or not all(name in FIELDS for name in overrides):
        raise RecipeError("the kept run changes a parameter the page does not know")
    seed, horizon = data.get("seed"), data.get("horizon")
    if not (_whole(seed, 0, 2**63 - 1) and _whole(horizon, 1, MAX_HORIZON)):
        raise RecipeError("the kept run's seed or horizon is out of range")
    compare = data.get("compare")
    plan = None
    if compare is not None:
        if not (isinstance(compare, list) and len(compare) == 2 and compare[0] in FIELDS):
            raise RecipeError("the kept run's compare mode is malformed")
        plan = ComparePlan(str(compare[0]), compare[1])
    if not _whole(week, 0, MAX_HORIZON):
        raise RecipeError(f"the kept week {week!r} is not a week from 0 to {MAX_HORIZON}")
    interventions = _interventions(data.get("interventions"), int(week))
    setup = Setup(check_scenario(scenario), dict(overrides), int(seed), int(horizon), plan)
    return Restored(
        setup, interventions, int(week), scenario if uploaded_text else None, uploaded_text
    )


def _scenario(
    spec: Any, shipped: Callable[[], Mapping[str, Scenario]]
) -> tuple[Scenario, str | None]:
    if not isinstance(spec, dict):
        raise RecipeError("the kept run names no scenario")
    if isinstance(spec.get("name"), str) and "text" not in spec:
        scenario = shipped().get(spec["name"])
        if scenario is None:
            raise RecipeError(f"the kept run's scenario {spec['name']!r} is not shipped")
        return scenario, None
    text, source = spec.get("text"), spec.get("source")
    if not isinstance(text, str) or len(text.encode("utf-8", "replace")) > MAX_UPLOAD_BYTES:
        raise RecipeError("the kept run's uploaded scenario is missing or too large")
    source = " ".join(str(source or "upload.toml").split())[:120]
    return scenario_from_text(text, source=source), text


def _interventions(items: Any, week: int) -> tuple[Intervention, ...]:
    if not isinstance(items, list) or len(items) > MAX_INTERVENTIONS:
        raise RecipeError("the kept run's interventions are malformed")
    events = []
    for item in items:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[2], dict)):
            raise RecipeError("the kept run's interventions are malformed")
        when, kind, args = item
        if kind not in INTERVENTIONS or not set(args) <= INTERVENTIONS[kind]:
            raise RecipeError(
                f"the kept run holds an intervention the page does not offer: {kind!r}"
            )
        if not _whole(when, 0, MAX_HORIZON):
            raise RecipeError("the kept run's intervention week is out of range")
        for name, value in args.items():
            if name == "organisation" and not (value is None or _whole(value, 0, 11)):
                raise RecipeError("the kept run's intervention names no school of the run")
            if name == "size" and not (_number(value) and 0.0 <= value <= 10.0):
                raise RecipeError("the kept run's shock size is out of range")
            if name in ("policy", "approach") and not isinstance(value, str):
                raise RecipeError("the kept run's new head is malformed")
            if name == "policy" and value not in POLICIES:
                raise RecipeError(f"the kept run's new head has an unknown policy {value!r}")
        events.append(Intervention(min(int(when), week), str(kind), dict(args)))
    return tuple(events)


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)

"""Events a scenario schedules, or a facilitator fires live (MODEL.md §5).

An event is data: a step, a kind, the organisation it concerns (``None``: every
organisation of the system) and its arguments. :func:`make_event` validates it;
the engine applies it at the start of its step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from leadsim.params import (
    APPROACHES,
    FIELD_NAMES,
    FIELDS,
    POLICIES,
    STRUCTURAL,
    ParameterError,
    check_field,
    show,
)

# kind -> {argument: (type, required)}
EVENT_KINDS: dict[str, dict[str, tuple[type, bool]]] = {
    "accountability_shock": {"size": (float, True)},
    "join_learning_group": {},
    "leave_learning_group": {},
    "leader_change": {"policy": (str, True), "approach": (str, False)},
    "start_reflection": {},
    "set": {},  # any parameter=value pairs, validated against Parameters
}
EVENT_DESCRIPTIONS: dict[str, str] = {
    "accountability_shock": "an inspection or failed targets: accountability pressure jumps by `size`",
    "join_learning_group": "the head joins the leaders' learning group",
    "leave_learning_group": "the head leaves the leaders' learning group",
    "leader_change": "a new head arrives with another policy (staff keep their state)",
    "start_reflection": "one reflection week now: anxiety relief and role clarity",
    "set": "change parameters mid-run",
}


class EventError(ValueError):
    """An event is malformed (one-line message naming the field and what is allowed)."""


@dataclass(frozen=True)
class Event:
    """One scheduled or live intervention."""

    step: int
    kind: str
    organisation: int | None = None
    args: Mapping[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        """A short label for figures and logs."""
        if self.kind == "accountability_shock":
            return f"shock {self.args['size']:g}"
        if self.kind == "leader_change":
            return f"new head: {self.args['policy']}"
        if self.kind == "set":
            return "set " + ", ".join(f"{k}={v}" for k, v in self.args.items())
        return self.kind.replace("_", " ")


def make_event(step: int, kind: str, organisation: int | None = None, **args: Any) -> Event:
    """Validate and build an :class:`Event`; raise :class:`EventError` in one line if bad."""
    if kind not in EVENT_KINDS:
        raise EventError(f"kind: unknown event {show(kind)}; allowed: {', '.join(EVENT_KINDS)}")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise EventError(f"step: expected a whole number >= 0, got {show(step)}")
    if organisation is not None and (
        isinstance(organisation, bool) or not isinstance(organisation, int) or organisation < 0
    ):
        raise EventError(f"organisation: expected a whole number >= 0, got {show(organisation)}")
    if kind == "set":
        _check_set(args)
        return Event(step, kind, organisation, dict(args))
    spec = EVENT_KINDS[kind]
    unknown = sorted(set(args) - set(spec))
    if unknown:
        allowed = ", ".join(spec) or "no arguments"
        raise EventError(f"{kind}.{unknown[0]}: unknown argument; allowed: {allowed}")
    clean: dict[str, Any] = {}
    for name, (typ, required) in spec.items():
        if name not in args:
            if required:
                raise EventError(f"{kind}.{name}: missing; this event needs it")
            continue
        value = args[name]
        if typ is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise EventError(f"{kind}.{name}: expected a number, got {show(value)}")
            if not 0.0 <= value <= 10.0:
                raise EventError(f"{kind}.{name}: {show(value)} is out of range; allowed: 0 to 10")
            value = float(value)
        elif not isinstance(value, typ):
            raise EventError(f"{kind}.{name}: expected text, got {show(value)}")
        clean[name] = value
    if kind == "leader_change":
        if clean["policy"] not in POLICIES:
            raise EventError(
                f"leader_change.policy: unknown value {clean['policy']!r}; "
                f"allowed: {', '.join(POLICIES)}"
            )
        if "approach" in clean and clean["approach"] not in APPROACHES:
            raise EventError(
                f"leader_change.approach: unknown value {clean['approach']!r}; "
                f"allowed: {', '.join(APPROACHES)}"
            )
    return Event(step, kind, organisation, clean)


def _check_set(args: Mapping[str, Any]) -> None:
    if not args:
        raise EventError("set: needs at least one parameter=value")
    for name in args:
        if name not in FIELD_NAMES:
            raise EventError(f"set.{name}: unknown parameter; see `leadsim params`")
        if name in STRUCTURAL:
            raise EventError(
                f"set.{name}: fixed when the organisation is built; cannot change mid-run"
            )
        try:
            check_field(FIELDS[name], args[name])  # type and range; the engine checks the rest
        except ParameterError as err:
            raise EventError(f"set.{err}") from None

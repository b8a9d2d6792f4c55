"""Scenarios: TOML files validated into typed, frozen :class:`Scenario` objects.

A scenario is data: a story for a workshop audience (title, narrative, things to
notice and to try), the parameters of the organisations, how many organisations
the system holds, the events scheduled over the run, a seed and a horizon. Every
error a user can make in a scenario file is a :class:`ScenarioError` with a
one-line message of the form ``<file>: <field>: <problem>; allowed: <what is allowed>``.

Example file (``scenarios/abdication.toml``)::

    title = "Abdication: the head steps back"
    narrative = \"\"\"...\"\"\"
    things_to_notice = ["...", "..."]
    things_to_try = ["...", "..."]
    seed = 42
    horizon = 156
    organisations = 1

    [parameters]
    policy = "delegating"
    approach = "quick_fix"

    [[events]]
    step = 52
    kind = "accountability_shock"
    size = 1.5
"""

from __future__ import annotations

import dataclasses
import difflib
import errno
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadsim.events import EVENT_KINDS, Event, EventError, make_event
from leadsim.params import (
    APPROACHES,
    FIELD_NAMES,
    FIELDS,
    NETWORK_MODELS,
    POLICIES,
    POLICY_SETTINGS,
    ParameterError,
    Parameters,
    show,
)

TOP_LEVEL_KEYS: tuple[str, ...] = (
    "name",
    "title",
    "narrative",
    "things_to_notice",
    "things_to_try",
    "seed",
    "horizon",
    "organisations",
    "parameters",
    "events",
)
EVENT_KEYS: tuple[str, ...] = ("step", "kind", "organisation")
DEFAULT_HORIZON = 156
MAX_HORIZON = 2000
MAX_ORGANISATIONS = 50
MAX_SEED = 2**63 - 1
MAX_NAME_CHARS = 100  # a name becomes a file stem (<name>_metrics.parquet): well within 255 bytes
MAX_TITLE_CHARS = 200  # a title is one line of a listing and a figure's heading
MAX_FILE_BYTES = 1024 * 1024  # a scenario or experiment file is a page or two of text
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_TOML_LOCATION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def shipped_dir(kind: str) -> Path:
    """Where the shipped ``scenarios`` or ``experiments`` are.

    In a checkout, the repository's own folder (so edits show at once); in an
    installed wheel, the copy the wheel carries inside the package
    (``leadsim/shipped/<kind>``; see ``pyproject.toml``).
    """
    package = Path(__file__).resolve().parent
    in_checkout = package.parents[1] / kind
    if in_checkout.is_dir() and (package.parents[1] / "pyproject.toml").is_file():
        return in_checkout
    from importlib.resources import files  # the installed package's own data

    return Path(str(files("leadsim").joinpath("shipped", kind)))


SCENARIO_DIR: Path = shipped_dir("scenarios")
EXPERIMENT_DIR: Path = shipped_dir("experiments")


class ScenarioError(ValueError):
    """A scenario is invalid: a one-line ``<file>: <field>: <problem>; allowed: <...>`` message.

    Attributes:
        source: The file (or label) the scenario came from.
        field: The table path of the offending entry (``parameters.containment``,
            ``events[2].step``), or ``""`` when the problem concerns the whole file.
    """

    def __init__(self, message: str, *, source: str = "", field: str = "") -> None:
        super().__init__(" ".join(message.splitlines()))
        self.source = source
        self.field = field


def _fail(source: str, where: str, problem: str, allowed: str) -> ScenarioError:
    """Build a :class:`ScenarioError` from its parts."""
    located = f"{source}: {where}: " if where else f"{source}: "
    return ScenarioError(f"{located}{problem}; allowed: {allowed}", source=source, field=where)


def _suggest(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _range(low: int, high: int) -> str:
    return f"{low}" if low == high else f"{low} to {high}"


# --- parameters ------------------------------------------------------------------------------


def _field_kind(name: str) -> str:
    """``'str'``, ``'bool'``, ``'int'`` or ``'float'``: the declared type of a parameter."""
    declared = FIELDS[name].type
    text = declared if isinstance(declared, str) else getattr(declared, "__name__", str(declared))
    return text.split("|")[0].strip()


def allowed_values(name: str) -> str:
    """What a parameter accepts, in words (for error messages and hovers).

    Args:
        name: A :class:`~leadsim.params.Parameters` field name.

    Returns:
        For example ``"a number from 0 to 1 (omit it to use the policy's value)"``.
    """
    kind, meta = _field_kind(name), FIELDS[name].metadata
    if name == "policy":
        return ", ".join(POLICIES)
    if name == "approach":
        return ", ".join(APPROACHES)
    if name == "network_model":
        return ", ".join(NETWORK_MODELS)
    if kind == "bool":
        return "true or false"
    if kind == "str":
        return "text"
    what = "a whole number" if kind == "int" else "a number"
    text = f"{what} from {meta['low']:g} to {meta['high']:g}"
    if name in POLICY_SETTINGS:
        text += " (omit it to use the policy's value)"
    return text


_CROSS_FIELD_ALLOWED = {
    "share_senior + share_professional": "a sum of at most 1",
    "reflection_weeks": "fewer reflection weeks than cycle_length",
}


def _parameter_problem(message: str) -> tuple[str, str]:
    """Split a :class:`ParameterError` message into (field, problem; allowed)."""
    name, _, rest = message.partition(": ")
    rest = rest.strip()
    if "; allowed:" not in rest and "allowed:" not in rest:
        if name in _CROSS_FIELD_ALLOWED:
            rest += f"; allowed: {_CROSS_FIELD_ALLOWED[name]}"
        elif name in FIELD_NAMES:
            rest += f"; allowed: {allowed_values(name)}"
        else:
            rest += "; allowed: see `leadsim params`"
    return name, rest


def _from_parameter_error(source: str, prefix: str, err: ValueError) -> ScenarioError:
    """Re-raise a :class:`ParameterError` at ``prefix`` (``parameters.``) in ``source``."""
    name, rest = _parameter_problem(str(err))
    return ScenarioError(f"{source}: {prefix}{name}: {rest}", source=source, field=prefix + name)


def _unknown_parameter(source: str, where: str, name: str) -> ScenarioError:
    return _fail(
        source,
        where,
        f"unknown parameter{_suggest(name, FIELD_NAMES)}",
        "a parameter name listed by `leadsim params`",
    )


def _coerce(name: str, value: Any) -> Any:
    """Whole numbers given for a float parameter become floats (TOML writes ``1`` for ``1.0``)."""
    if (
        name in FIELD_NAMES
        and _field_kind(name) == "float"
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return float(value)
    return value


def _build_parameters(raw: Any, source: str) -> Parameters:
    """The ``[parameters]`` table, validated into :class:`Parameters`."""
    if not isinstance(raw, Mapping):
        raise _fail(
            source,
            "parameters",
            f"expected a table, got {show(raw)}",
            "a [parameters] table of name = value",
        )
    for name in raw:
        if name not in FIELD_NAMES:
            raise _unknown_parameter(source, f"parameters.{name}", name)
    values = {name: _coerce(name, value) for name, value in raw.items()}
    try:
        return Parameters(**values)
    except ParameterError as err:
        raise _from_parameter_error(source, "parameters.", err) from None


# --- events ----------------------------------------------------------------------------------


def _event_allowed(kind: str) -> str:
    """The keys an event of ``kind`` accepts, in words."""
    if kind == "set":
        return "step, kind, organisation and parameter = value pairs"
    return ", ".join((*EVENT_KEYS, *EVENT_KINDS[kind]))


def _argument_allowed(kind: str, argument: str) -> str:
    if kind == "accountability_shock" and argument == "size":
        return "size = a number from 0 to 10"
    if kind == "leader_change":
        return {"policy": ", ".join(POLICIES), "approach": ", ".join(APPROACHES)}.get(
            argument, _event_allowed(kind)
        )
    return _event_allowed(kind)


def _from_event_error(source: str, label: str, kind: str, err: EventError) -> ScenarioError:
    """Re-raise an :class:`EventError` at ``label`` (``events[2]``), dropping the kind prefix."""
    name, _, rest = str(err).partition(": ")
    if name == kind:
        where = label
        rest = f"{kind} {rest}"
    elif name.startswith(f"{kind}."):
        name = name.removeprefix(f"{kind}.")
        where = f"{label}.{name}"
    else:
        where = f"{label}.{name}"
    if rest == "missing; this event needs it":
        rest = f"missing ({kind} needs it)"
    if "allowed:" not in rest:
        if kind == "set" and "unknown parameter" in rest:
            rest = f"unknown parameter{_suggest(name, FIELD_NAMES)}; allowed: a parameter name listed by `leadsim params`"
        elif kind == "set" and "fixed when" in rest:
            rest += (
                "; allowed: parameters that can change mid-run (use leader_change for policy "
                "or approach, join_learning_group or leave_learning_group for the group)"
            )
        elif kind == "set" and name in FIELD_NAMES:
            rest += f"; allowed: {allowed_values(name)}"
        else:
            rest += f"; allowed: {_argument_allowed(kind, name)}"
    return ScenarioError(f"{source}: {where}: {rest}", source=source, field=where)


def _check_step(source: str, label: str, step: Any, horizon: int) -> None:
    allowed = _range(0, horizon - 1)
    if isinstance(step, bool) or not isinstance(step, int):
        raise _fail(source, f"{label}.step", f"expected a whole number, got {show(step)}", allowed)
    if step < 0:
        raise _fail(source, f"{label}.step", f"{step} is out of range", allowed)
    if step > horizon:
        raise _fail(source, f"{label}.step", f"{step} is after the horizon", allowed)
    if step == horizon:
        raise _fail(source, f"{label}.step", f"{step} is at the horizon", allowed)


def _check_organisation(source: str, label: str, organisation: Any, organisations: int) -> None:
    if organisation is None:
        return
    allowed = f"{_range(0, organisations - 1)}, or leave it out for every organisation"
    if isinstance(organisation, bool) or not isinstance(organisation, int):
        raise _fail(
            source,
            f"{label}.organisation",
            f"expected a whole number, got {show(organisation)}",
            allowed,
        )
    if not 0 <= organisation < organisations:
        raise _fail(
            source,
            f"{label}.organisation",
            f"{organisation} does not exist (the system has {organisations})",
            allowed,
        )


def _build_event(raw: Any, label: str, source: str, horizon: int, organisations: int) -> Event:
    """One ``[[events]]`` table, validated into an :class:`Event`."""
    kinds = ", ".join(EVENT_KINDS)
    if not isinstance(raw, Mapping):
        raise _fail(source, label, f"expected a table, got {show(raw)}", "an [[events]] table")
    if "kind" not in raw:
        raise _fail(source, f"{label}.kind", "missing", kinds)
    kind = raw["kind"]
    if not isinstance(kind, str) or kind not in EVENT_KINDS:
        suggestion = _suggest(kind, EVENT_KINDS) if isinstance(kind, str) else ""
        raise _fail(source, f"{label}.kind", f"unknown event {show(kind)}{suggestion}", kinds)
    if "step" not in raw:
        raise _fail(source, f"{label}.step", "missing", _range(0, horizon - 1))
    _check_step(source, label, raw["step"], horizon)
    organisation = raw.get("organisation")
    _check_organisation(source, label, organisation, organisations)
    args = {key: value for key, value in raw.items() if key not in EVENT_KEYS}
    if kind != "set":
        for key in args:
            if key not in EVENT_KINDS[kind]:
                accepted = (*EVENT_KEYS, *EVENT_KINDS[kind])
                raise _fail(
                    source,
                    f"{label}.{key}",
                    f"unknown key for {kind}{_suggest(key, accepted)}",
                    _event_allowed(kind),
                )
    else:
        args = {name: _coerce(name, value) for name, value in args.items()}
    try:
        return make_event(raw["step"], kind, organisation, **args)
    except EventError as err:
        raise _from_event_error(source, label, kind, err) from None


def _check_schedule(
    source: str,
    labelled: Iterable[tuple[str, Event]],
    params: Parameters,
    horizon: int,
    organisations: int,
) -> None:
    """Check events against the horizon, the organisations and the parameters they change.

    ``set`` events are applied in step order to each organisation's parameters, with
    leader changes in between, so a change that conflicts with the scenario's own
    parameters (``tolerance_low`` above ``tolerance_high``, say) is caught at load
    rather than mid-run.
    """
    per_org = [params] * organisations
    for label, event in sorted(labelled, key=lambda pair: pair[1].step):
        _check_step(source, label, event.step, horizon)
        _check_organisation(source, label, event.organisation, organisations)
        targets = range(organisations) if event.organisation is None else [event.organisation]
        for o in targets:
            try:
                if event.kind == "set":
                    per_org[o] = per_org[o].replace(**event.args)
                elif event.kind == "leader_change":
                    changes: dict[str, Any] = dict.fromkeys(POLICY_SETTINGS)
                    changes["policy"] = event.args["policy"]
                    if "approach" in event.args:
                        changes["approach"] = event.args["approach"]
                    per_org[o] = per_org[o].replace(**changes)
            except ParameterError as err:
                raise _from_parameter_error(source, f"{label}.", err) from None


# --- scalars and text ------------------------------------------------------------------------


def _whole(source: str, where: str, value: Any, low: int, high: int) -> int:
    allowed = f"a whole number from {low} to {high}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(source, where, f"expected a whole number, got {show(value)}", allowed)
    if not low <= value <= high:
        raise _fail(source, where, f"{value} is out of range", allowed)
    return value


def _seed(source: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(source, "seed", f"expected a whole number, got {show(value)}", "0 to 2**63 - 1")
    if not 0 <= value <= MAX_SEED:
        raise _fail(source, "seed", f"{value} is out of range", "0 to 2**63 - 1")
    return value


def _paragraphs(text: str) -> str:
    """Rewrap TOML multi-line text: lines of a paragraph joined, blank lines kept as breaks."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(block.split()) for block in blocks if block.strip())


def _text(source: str, where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(source, where, f"expected text, got {show(value)}", "a quoted string")
    return value


def _text_list(source: str, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _fail(
            source, where, f"expected a list, got {show(value)}", 'a list of strings ["...", "..."]'
        )
    return tuple(
        " ".join(_text(source, f"{where}[{i}]", item).split()) for i, item in enumerate(value)
    )


def default_name(source: str) -> str:
    """A usable scenario name from the file stem (``<upload>`` becomes ``upload``).

    Cut to :data:`MAX_NAME_CHARS`: the name becomes the stem of the files ``run`` writes.
    """
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(source).stem).strip("_-")
    return stem[:MAX_NAME_CHARS].rstrip("_-") or "scenario"


def _check_name(source: str, name: str) -> str:
    """A ``name``: letters, digits, ``_`` and ``-``, at most :data:`MAX_NAME_CHARS` of them."""
    allowed = f"letters, digits, _ and - (at most {MAX_NAME_CHARS} characters)"
    if len(name) > MAX_NAME_CHARS:
        raise _fail(source, "name", f"{len(name):,} characters is too long", allowed)
    if not NAME_PATTERN.fullmatch(name):
        raise _fail(source, "name", f"{show(name)} is not a usable name", allowed)
    return name


def _check_title(source: str, title: str) -> str:
    """A title of at most :data:`MAX_TITLE_CHARS` characters (one line of a listing)."""
    if len(title) > MAX_TITLE_CHARS:
        raise _fail(
            source,
            "title",
            f"{len(title):,} characters is too long",
            f"a title of at most {MAX_TITLE_CHARS} characters (the story goes in narrative)",
        )
    return title


# --- the scenario ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: a story, parameters, organisations, events, a seed and a horizon.

    Attributes:
        name: Short identifier (the file stem, or the file's ``name`` key).
        title: One-line title for listings and figures.
        narrative: A paragraph for a workshop audience of school and university leaders.
        things_to_notice: What to look for in the run.
        things_to_try: Changes to explore, each a sentence.
        params: The parameters shared by every organisation of the system.
        organisations: Number of organisations in the system (1 to 50).
        events: Scheduled events, sorted by step.
        seed: The run seed (0 to 2**63 - 1).
        horizon: Weeks simulated (1 to 2000).
        source: The file the scenario was read from, if any.
    """

    name: str
    title: str = ""
    narrative: str = ""
    things_to_notice: tuple[str, ...] = ()
    things_to_try: tuple[str, ...] = ()
    params: Parameters = field(default_factory=Parameters)
    organisations: int = 1
    events: tuple[Event, ...] = ()
    seed: int = 0
    horizon: int = DEFAULT_HORIZON
    source: str | None = None

    def __post_init__(self) -> None:
        label = self._label()
        _check_name(label, _text(label, "name", self.name))
        _check_title(label, _text(label, "title", self.title))
        if not isinstance(self.params, Parameters):
            raise _fail(
                label,
                "parameters",
                f"expected Parameters, got {show(self.params)}",
                "Parameters(...)",
            )
        _whole(label, "organisations", self.organisations, 1, MAX_ORGANISATIONS)
        _whole(label, "horizon", self.horizon, 1, MAX_HORIZON)
        _seed(label, self.seed)
        events = tuple(sorted(self.events, key=lambda event: event.step))
        for i, event in enumerate(events):
            if not isinstance(event, Event):
                raise _fail(
                    label,
                    f"events[{i}]",
                    f"expected an Event, got {show(event)}",
                    "make_event(...)",
                )
        _check_schedule(
            label,
            ((f"events[{i}]", event) for i, event in enumerate(events)),
            self.params,
            self.horizon,
            self.organisations,
        )
        object.__setattr__(self, "events", events)
        object.__setattr__(self, "things_to_notice", tuple(self.things_to_notice))
        object.__setattr__(self, "things_to_try", tuple(self.things_to_try))
        if not self.title:
            object.__setattr__(self, "title", self.name)

    def _label(self) -> str:
        return self.source if self.source else f"scenario {self.name}"

    def events_after(self, steps: int) -> tuple[Event, ...]:
        """The scheduled events a run of ``steps`` weeks never reaches (week ``steps`` on)."""
        return tuple(event for event in self.events if event.step >= steps)

    def with_changes(
        self,
        seed: int | None = None,
        horizon: int | None = None,
        organisations: int | None = None,
        **param_overrides: Any,
    ) -> Scenario:
        """A copy with another seed, horizon, number of organisations or parameters, validated.

        Args:
            seed: New seed, or ``None`` to keep this one.
            horizon: New horizon in weeks; scheduled events must still fall before it.
            organisations: New number of organisations; events naming one must still find it.
            **param_overrides: :class:`~leadsim.params.Parameters` fields to change
                (``None`` for a policy setting means "use the policy's value").

        Returns:
            The changed scenario (the same ``name``, ``source`` and story).

        Raises:
            ScenarioError: When a change is unknown, of the wrong type or out of range,
                or leaves an event after the horizon or naming a missing organisation.
        """
        label = self._label()
        for name in param_overrides:
            if name not in FIELD_NAMES:
                raise _unknown_parameter(label, f"parameters.{name}", name)
        overrides = {name: _coerce(name, value) for name, value in param_overrides.items()}
        try:
            params = self.params.replace(**overrides)
        except ParameterError as err:
            raise _from_parameter_error(label, "parameters.", err) from None
        return dataclasses.replace(
            self,
            params=params,
            seed=self.seed if seed is None else seed,
            horizon=self.horizon if horizon is None else horizon,
            organisations=self.organisations if organisations is None else organisations,
        )


def check_steps(scenario: Scenario, steps: int) -> str:
    """Check a run length that overrides the horizon (``leadsim run --steps``).

    Args:
        scenario: The scenario to run.
        steps: Weeks to simulate instead of its horizon.

    Returns:
        ``""``, or a one-line notice naming the scheduled events the run ends before
        (they will not happen: a quick short run is allowed, but not silently).

    Raises:
        ScenarioError: When ``steps`` is outside the horizon limit that files have.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_HORIZON:
        raise ScenarioError(
            f"--steps: {show(steps)} is outside the horizon limit; allowed: a whole number "
            f"from 1 to {MAX_HORIZON} (weeks)",
            source="--steps",
            field="steps",
        )
    after = scenario.events_after(steps)
    if not after:
        return ""
    shown = [
        f"{event.kind.replace('_', ' ')} at week {event.step}"
        + ("" if event.organisation is None else f" (organisation {event.organisation})")
        for event in after[:5]
    ]
    if len(after) > 5:
        shown.append(f"and {len(after) - 5} more")
    return (
        f"note: --steps {steps} ends before scheduled event(s): {', '.join(shown)}; "
        "they will not happen"
    )


def parse_scenario(data: Mapping[str, Any], source: str) -> Scenario:
    """Validate a scenario already read from TOML (or built as a dict) into a :class:`Scenario`.

    Args:
        data: The top-level table: ``name``, ``title``, ``narrative``,
            ``things_to_notice``, ``things_to_try``, ``seed``, ``horizon``,
            ``organisations``, ``parameters`` and ``events``.
        source: Where it came from (a path or a label such as ``"upload.toml"``), used
            in error messages and for the default name.

    Returns:
        The validated scenario, its events sorted by step.

    Raises:
        ScenarioError: On the first problem, in one line naming the source, the field
            and what is allowed.
    """
    if not isinstance(data, Mapping):
        raise _fail(
            source,
            "",
            f"expected a table of keys, got {type(data).__name__}",
            ", ".join(TOP_LEVEL_KEYS),
        )
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise _fail(
                source,
                key,
                f"unknown key{_suggest(key, TOP_LEVEL_KEYS)}",
                ", ".join(TOP_LEVEL_KEYS),
            )
    if "name" in data:
        name = _check_name(source, _text(source, "name", data["name"]))
    else:
        name = default_name(source)
    title = _check_title(source, " ".join(_text(source, "title", data.get("title", "")).split()))
    narrative = _paragraphs(_text(source, "narrative", data.get("narrative", "")))
    notice = _text_list(source, "things_to_notice", data.get("things_to_notice", []))
    try_ = _text_list(source, "things_to_try", data.get("things_to_try", []))
    seed = _seed(source, data.get("seed", 0))
    horizon = _whole(source, "horizon", data.get("horizon", DEFAULT_HORIZON), 1, MAX_HORIZON)
    organisations = _whole(
        source, "organisations", data.get("organisations", 1), 1, MAX_ORGANISATIONS
    )
    params = _build_parameters(data.get("parameters", {}), source)
    raw_events = data.get("events", [])
    if not isinstance(raw_events, list):
        raise _fail(
            source,
            "events",
            f"expected a list of tables, got {show(raw_events)}",
            "[[events]] tables",
        )
    labelled = [
        (f"events[{i}]", _build_event(raw, f"events[{i}]", source, horizon, organisations))
        for i, raw in enumerate(raw_events)
    ]
    _check_schedule(source, labelled, params, horizon, organisations)
    return Scenario(
        name=name,
        title=title or name,
        narrative=narrative,
        things_to_notice=notice,
        things_to_try=try_,
        params=params,
        organisations=organisations,
        events=tuple(event for _, event in labelled),
        seed=seed,
        horizon=horizon,
        source=source,
    )


def scenario_from_text(text: str | bytes, source: str = "<upload>") -> Scenario:
    """Parse and validate the text of a scenario file (the dashboard's upload).

    Args:
        text: TOML text, or the file's bytes (decoded by :func:`decode_text`: UTF-8 with
            or without a byte-order mark, or UTF-16 with one).
        source: A label for messages and the default name, such as the uploaded file's name.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: On text that is too large or not in an allowed encoding, bad
            TOML syntax (with line and column), or an invalid scenario.
    """
    try:
        data = toml_loads(decode_text(text) if isinstance(text, bytes) else text)
    except TomlError as err:
        raise _fail(source, err.where, err.problem, err.allowed) from None
    return parse_scenario(data, source)


class TomlError(ValueError):
    """TOML text that cannot be read: where, what, and what is allowed."""

    def __init__(self, where: str, problem: str, allowed: str) -> None:
        super().__init__(f"{where}: {problem}; allowed: {allowed}")
        self.where, self.problem, self.allowed = where, problem, allowed


# Python refuses to read integers of more digits than this (sys.get_int_max_str_digits).
MAX_INT_DIGITS = 4300
_LONG_NUMBER = re.compile(r"[0-9_]{4301,}")
MAX_TOML_NESTING = 100
ENCODINGS_ALLOWED = (
    "UTF-8 text (with or without a byte-order mark), or UTF-16 with a byte-order mark"
)
_FILE_LIMIT = f"at most {MAX_FILE_BYTES // 1024 // 1024} MB ({MAX_FILE_BYTES:,} bytes)"


def decode_text(raw: bytes) -> str:
    """The text of a scenario or experiment file: the one encoding rule of every entry point.

    UTF-8, with or without a byte-order mark, or UTF-16 with a byte-order mark (what
    Windows Notepad writes as "Unicode"). The command line, experiment files and the
    dashboard's uploads all decode through here.

    Raises:
        TomlError: (``where`` empty) when the bytes are too many or in another encoding.
    """
    if len(raw) > MAX_FILE_BYTES:
        raise TomlError("", f"file too large ({len(raw):,} bytes)", _FILE_LIMIT)
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise TomlError("", "UTF-32 text", ENCODINGS_ALLOWED)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")  # the byte-order mark says which; it is dropped
        except UnicodeDecodeError as err:
            raise TomlError(
                "", f"not valid UTF-16 text (byte {err.start})", ENCODINGS_ALLOWED
            ) from None
    if b"\x00" in raw:
        raise TomlError(
            "",
            f"not UTF-8 text (a NUL byte at byte {raw.index(b'\x00')}: UTF-16 without a "
            "byte-order mark?)",
            ENCODINGS_ALLOWED,
        )
    try:
        return raw.decode("utf-8-sig")  # a UTF-8 byte-order mark, if any, is dropped
    except UnicodeDecodeError as err:
        raise TomlError("", f"not UTF-8 text (byte {err.start})", ENCODINGS_ALLOWED) from None


def read_file_bytes(path: str | Path, allowed: str) -> bytes:
    """The bytes of a scenario or experiment file, at most :data:`MAX_FILE_BYTES` of them.

    Nothing about the path raises anything but a one-line :class:`TomlError`: a missing
    file, a folder, a name too long for the system, a folder on the way that cannot be
    entered, a file too large (refused before it is read).

    Args:
        path: The file.
        allowed: What to say is allowed when the path is no usable file.
    """
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise TomlError("", "file not found", allowed) from None
    except OSError as err:
        if err.errno == errno.ENAMETOOLONG:
            longest = max((len(part.encode()) for part in Path(path).parts), default=0)
            raise TomlError(
                "",
                f"file name too long for this system (a name of {longest} bytes)",
                f"{allowed}, each name on its path at most 255 bytes",
            ) from None
        raise TomlError("", f"cannot be read ({err.strerror or err})", allowed) from None
    except ValueError as err:  # an embedded NUL character
        raise TomlError("", f"not a usable path ({err})", allowed) from None
    if not stat.S_ISREG(info.st_mode):
        raise TomlError("", "not a file", allowed)
    if info.st_size > MAX_FILE_BYTES:
        raise TomlError("", f"file too large ({info.st_size:,} bytes)", _FILE_LIMIT)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise TomlError("", f"cannot be read ({err.strerror or err})", allowed) from None
    if len(raw) > MAX_FILE_BYTES:  # it grew since: still refused, and never read whole
        raise TomlError("", f"file too large (over {MAX_FILE_BYTES:,} bytes)", _FILE_LIMIT)
    return raw


def read_text_file(path: str | Path, allowed: str = "a readable TOML file") -> str:
    """A scenario or experiment file's text: :func:`read_file_bytes`, then :func:`decode_text`."""
    return decode_text(read_file_bytes(path, allowed))


_TOKENS = re.compile(
    "|".join(
        (
            r'"""(?:\\.|[^\\])*?"""',  # a multi-line basic string
            r"'''.*?'''",  # a multi-line literal string
            r'"(?:\\.|[^"\\\n])*"',  # a basic string
            r"'[^'\n]*'",  # a literal string
            r"#[^\n]*",  # a comment
            r"\n|[\[{]|[\]}]",  # a line's end, an opening or closing bracket or brace
            # a key of more than MAX_TOML_NESTING dotted parts
            r"""(?:[ \t]*\.[ \t]*(?:[A-Za-z0-9_-]+|"(?:\\.|[^"\\\n])*"|'[^'\n]*'))"""
            + f"{{{MAX_TOML_NESTING},}}",
            r"(?<![0-9_])[0-9][0-9_]" + f"{{{MAX_INT_DIGITS},}}",  # a run of too many digits
        )
    ),
    re.DOTALL,
)


def _scan(text: str) -> TomlError | None:
    """What would break Python's TOML parser, found before it runs (in one linear pass).

    Nesting deeper than :data:`MAX_TOML_NESTING` (``[[[[…]]]]`` exhausts the stack; a
    dotted key ``a.a.a.a…`` of thousands of parts takes minutes), and a whole number of
    more digits than Python converts. Strings and comments are skipped.
    """
    depth = 0
    line = 1
    for token in _TOKENS.finditer(text):
        kind = token.group()
        first = kind[0]
        if first == "\n":
            line += 1
            continue
        if first in "\"'#":
            line += kind.count("\n")
            continue
        if first in "[{":
            depth += 1
            if depth <= MAX_TOML_NESTING:
                continue
        elif first in "]}":
            depth = max(0, depth - 1)
            continue
        elif first.isdigit():
            digits = len(kind) - kind.count("_")
            start, end = token.start(), token.end()
            if digits <= MAX_INT_DIGITS or "." in (text[start - 1 : start], text[end : end + 1]):
                continue  # a float's digits: Python reads those at any length
            if text[end : end + 1] in ("e", "E"):
                continue
            return TomlError(
                f"line {line}{_key_at(text, start)}",
                f"a number of {digits} digits",
                f"numbers of at most {MAX_INT_DIGITS} digits (and within each field's range)",
            )
        return TomlError(
            f"line {line}",
            "arrays or tables nested too deep to read",
            f"at most {MAX_TOML_NESTING} levels",
        )
    return None


_HEADER = re.compile(r"^[ \t]*(\[\[?)[ \t]*([^\]\n#]*?)[ \t]*\]", re.MULTILINE)
_KEY = re.compile(r"""[ \t]*([A-Za-z0-9_\-."' \t]+?)[ \t]*=""")


def _key_at(text: str, position: int) -> str:
    """`` (parameters.n_staff)``: the table and key a position of the text is under, roughly."""
    table = ""
    for header in _HEADER.finditer(text, 0, position):
        name = "".join(header.group(2).split())
        if header.group(1) == "[[":
            count = sum(
                1
                for h in _HEADER.finditer(text, 0, header.end())
                if h.group(1) == "[[" and "".join(h.group(2).split()) == name
            )
            name = f"{name}[{count - 1}]"
        table = name
    start = text.rfind("\n", 0, position) + 1
    found = _KEY.match(text, start, position)  # the line's key (not an inline table's)
    key = "".join(found.group(1).split()).replace('"', "").replace("'", "") if found else ""
    path = ".".join(part for part in (table, key[:60]) if part)
    return f" ({path})" if path else ""


def toml_loads(text: str) -> dict[str, Any]:
    """Parse TOML text; every failure is a :class:`TomlError` naming its line.

    Besides syntax errors, what breaks Python's own parser is refused first (see
    :func:`_scan`): text over :data:`MAX_FILE_BYTES`, nesting so deep that it exhausts
    the stack (``title = [[[[…]]]]``) or takes minutes (``a.a.a.a…``), and an integer
    of thousands of digits.
    """
    if len(text) > MAX_FILE_BYTES:
        raise TomlError("", f"file too large ({len(text):,} characters)", _FILE_LIMIT)
    problem = _scan(text)
    if problem is not None:
        raise problem
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        found = _TOML_LOCATION.search(message)
        problem = message[: found.start()] if found else message
        if found and found.group(1):
            where = f"line {found.group(1)}, column {found.group(2)}"
        else:
            where = f"end of file (line {max(1, len(text.splitlines()))})"
        raise TomlError(where, f"TOML syntax: {problem}", "TOML syntax (https://toml.io)") from None
    except RecursionError:
        raise TomlError(
            _deepest_line(text),
            "arrays or tables nested too deep to read",
            f"at most {MAX_TOML_NESTING} levels",
        ) from None
    except ValueError as err:  # an integer too long for Python to convert
        long = _LONG_NUMBER.search(text)
        if long is None:
            raise TomlError("", f"not readable ({err})", "TOML") from None
        start = text.rfind("\n", 0, long.start()) + 1
        key = text[start : long.start()].split("=")[0].strip().strip('"')
        raise TomlError(
            f"line {text.count(chr(10), 0, long.start()) + 1}" + (f" ({key})" if key else ""),
            f"a number of {len(long.group())} digits",
            "numbers of at most 4300 digits (and within each field's range)",
        ) from None


def _deepest_line(text: str) -> str:
    """The line where brackets first nest deeper than :data:`MAX_TOML_NESTING` (roughly)."""
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        depth += line.count("[") + line.count("{") - line.count("]") - line.count("}")
        if depth > MAX_TOML_NESTING or line.count("[") > MAX_TOML_NESTING:
            return f"line {number}"
    return ""


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Args:
        path: A ``.toml`` scenario file.

    Returns:
        The validated scenario; its ``source`` is ``str(path)``.

    Raises:
        ScenarioError: When the file is missing or unreadable, or the scenario is invalid.
    """
    source = str(path)
    try:
        raw = read_file_bytes(path, "a path to a scenario file (.toml)")
    except TomlError as err:
        raise _fail(source, err.where, err.problem, err.allowed) from None
    return scenario_from_text(raw, source)


def _is_file(path: Path) -> bool:
    """``path.is_file()``, but ``False`` where the system refuses to look (a name too long)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def list_scenarios(directory: str | Path = SCENARIO_DIR) -> list[Scenario]:
    """Every scenario file (``*.toml``) of a folder, validated, sorted by name.

    Args:
        directory: The folder; by default the shipped ``scenarios/``.

    Returns:
        The scenarios, sorted by ``name``.

    Raises:
        ScenarioError: When the folder does not exist or a file in it is invalid.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise _fail(str(folder), "", "folder not found", "a folder of scenario files (.toml)")
    return sorted((load_scenario(path) for path in folder.glob("*.toml")), key=lambda s: s.name)


def find_scenario(name_or_path: str | Path) -> Scenario:
    """A scenario by file path, or by the bare name of a shipped scenario (``"abdication"``).

    Args:
        name_or_path: A path to a ``.toml`` file, or a name from ``scenarios/``.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: When no such file or shipped scenario exists, or it is invalid.
    """
    text = str(name_or_path)
    path = Path(name_or_path)
    if _is_file(path) or path.suffix == ".toml" or "/" in text or "\\" in text:
        return load_scenario(path)
    shipped = SCENARIO_DIR / f"{text}.toml"
    if _is_file(shipped):
        return load_scenario(shipped)
    names: list[str] = []
    if SCENARIO_DIR.is_dir():
        for scenario in list_scenarios(SCENARIO_DIR):
            if scenario.name == text:
                return scenario
            names.append(scenario.name)
    raise _fail(
        text,
        "",
        f"no such scenario{_suggest(text, names)}",
        "a scenario file (.toml) or a shipped name: " + (", ".join(names) or "none shipped"),
    )

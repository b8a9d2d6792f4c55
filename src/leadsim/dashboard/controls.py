"""The controls people reason about, each explained on hover, the compare settings, and the run's.

The explanations are the parameters' own one-line docs (``leadsim.params.FIELDS``),
so the dashboard, ``leadsim params`` and the scenario errors say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import solara

from leadsim.dashboard.limits import MAX_HORIZON, MAX_SEED, MAX_SPEED, MAX_STAFF, MIN_SPEED
from leadsim.dashboard.session import ComparePlan, Session, Setup
from leadsim.dashboard.widgets import Run
from leadsim.params import (
    APPROACH_DESCRIPTIONS,
    APPROACHES,
    FIELDS,
    NETWORK_MODELS,
    POLICIES,
    POLICY_DESCRIPTIONS,
)


@dataclass(frozen=True)
class Control:
    """One control of the sidebar: a parameter (or ``seed``/``horizon``) and how to set it."""

    name: str
    label: str
    kind: str  # "select", "float", "int", "bool" or "seed"
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05


CONTROLS: tuple[Control, ...] = (
    Control("policy", "Head's policy", "select"),
    Control("approach", "Change approach", "select"),
    Control("containment", "Head's containment", "float", 0.0, 1.0, 0.05),
    Control("pressure_baseline", "Accountability pressure", "float", 0.0, 2.0, 0.05),
    Control("n_staff", "Staff", "int", 10, MAX_STAFF, 10),
    Control("peer_trust_mean", "Peer trust at the start", "float", 0.0, 1.0, 0.05),
    Control("learning_group", "Head in a leaders' learning group", "bool"),
    Control("seed", "Seed", "seed", 0, MAX_SEED, 1),
    Control("horizon", "Weeks to run", "int", 12, MAX_HORIZON, 4),
)
_OWN_DOCS = {
    "seed": "The run's seed: the same seed gives the same staff, network and chance events.",
    "horizon": f"How many weeks to simulate (one step is one working week; at most {MAX_HORIZON}).",
}
_SHAPES_NETWORK = frozenset(
    (
        "n_staff",
        "department_size",
        "network_model",
        "p_within",
        "cross_links",
        "ws_neighbours",
        "ws_rewire",
    )
)
# Compare mode may vary any parameter that an organisation can be built with.
COMPARABLE: tuple[str, ...] = tuple(
    dict.fromkeys([*(c.name for c in CONTROLS if c.name not in _OWN_DOCS), *FIELDS])
)


def explain(name: str, value: Any = None) -> str:
    """One sentence about a control's concept, for its hover."""
    if name in _OWN_DOCS:
        return _OWN_DOCS[name]
    doc = FIELDS[name].metadata["doc"]
    sentence = doc[0].upper() + doc[1:] + "."
    if name == "policy" and value in POLICY_DESCRIPTIONS:
        sentence += f" {value.capitalize()}: {POLICY_DESCRIPTIONS[value]}."
    if name == "approach" and value in APPROACH_DESCRIPTIONS:
        sentence += f" {value.replace('_', ' ').capitalize()}: {APPROACH_DESCRIPTIONS[value]}."
    return sentence


def on_step(value: float, step: float) -> float:
    """A slider's value on its step, as a person would set it (0.55, not 0.5499999999999999)."""
    decimals = max(0, -Decimal(str(step)).normalize().as_tuple().exponent)
    return round(round(value / step) * step, decimals + 1)


def shown(value: Any) -> str:
    """A value as a person would write it: ``0.55``, ``12``, ``yes``, ``integrated``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("_", " ") if isinstance(value, str) else str(value)


def plain_name(name: str) -> str:
    """A parameter's name as the page's controls say it (its label, else its meaning)."""
    for control in CONTROLS:
        if control.name == name:
            return control.label
    doc = FIELDS[name].metadata["doc"] if name in FIELDS else name.replace("_", " ")
    return doc[0].upper() + doc[1:]


def choices(name: str) -> list[str]:
    """The allowed values of a text parameter."""
    return {"policy": list(POLICIES), "approach": list(APPROACHES)}.get(name, list(NETWORK_MODELS))


def field_kind(name: str) -> str:
    """``select``, ``bool``, ``int`` or ``float``: how a parameter is entered."""
    declared = FIELDS[name].type
    text = declared if isinstance(declared, str) else getattr(declared, "__name__", "")
    kind = text.split("|")[0].strip()
    return {"str": "select", "bool": "bool", "int": "int"}.get(kind, "float")


@solara.component
def Explained(text: str, children: list | None = None, classes: list[str] | None = None):
    """Its children, with ``text`` (one sentence) shown on hover."""
    column = solara.Column(
        children=list(children or []), classes=["leadsim-explained", *(classes or [])], gap="0px"
    )
    return solara.Tooltip(text, children=[column])


@solara.component
def ControlInput(control: Control, value: Any, on_value: Callable[[Any], None]):
    """The input of one control, wrapped with its explanation."""
    hook = [f"leadsim-control-{control.name.replace('_', '-')}"]
    with Explained(explain(control.name, value), classes=hook):
        if control.kind == "select":
            solara.Select(
                control.label, values=choices(control.name), value=value, on_value=on_value
            )
        elif control.kind == "bool":
            solara.Switch(label=control.label, value=bool(value), on_value=on_value)
        elif control.kind == "float":

            def on_float(new: float, step: float = control.step) -> None:
                on_value(on_step(new, step))

            solara.SliderFloat(
                f"{control.label}: {float(value):.2f}",
                value=float(value),
                min=control.low,
                max=control.high,
                step=control.step,
                on_value=on_float,
                thumb_label=True,
            )
        elif control.kind == "seed":

            def on_seed(seed: int | None) -> None:
                if seed is not None and 0 <= seed <= control.high:
                    on_value(int(seed))

            solara.InputInt(control.label, value=int(value), on_value=on_seed)
        else:
            solara.SliderInt(
                f"{control.label}: {int(value)}",
                value=int(value),
                min=int(control.low),
                max=int(control.high),
                step=int(control.step),
                on_value=on_value,
                thumb_label=True,
            )


@solara.component
def Controls(setup: Setup, on_change: Callable[[str, Any], None]):
    """Every control of :data:`CONTROLS`, showing the current setup."""
    for control in CONTROLS:
        if control.name == "seed":
            value = setup.seed
        elif control.name == "horizon":
            value = setup.horizon
        else:
            value = setup.value(control.name)

        def change(new: Any, name: str = control.name) -> None:
            on_change(name, new)

        ControlInput(control, value, change)


def default_plan(setup: Setup) -> ComparePlan:
    """Same school, two heads: side B's policy differs from side A's."""
    policy = setup.value("policy")
    return ComparePlan("policy", "delegating" if policy != "delegating" else "integrated")


def comparable_choices() -> list[tuple[str, str]]:
    """(label, parameter) of every parameter side B may change.

    The sidebar's controls come first, then the rest grouped by mechanism as
    ``leadsim params`` lists them (``group: plain name``).
    """
    labels = []
    for name in COMPARABLE:
        group = FIELDS[name].metadata["group"].replace("_", " ").capitalize()
        first = any(control.name == name for control in CONTROLS)
        labels.append((plain_name(name) if first else f"{group}: {plain_name(name)}", name))
    return labels


@solara.component
def ParameterChooser(parameter: str, on_pick: Callable[[str], None]):
    """Which parameter side B changes: plain names, grouped, with a search field."""
    query, set_query = solara.use_state("")
    choices_ = comparable_choices()
    by_label = dict(choices_)
    current = next(label for label, name in choices_ if name == parameter)
    words = query.lower().split()
    shown_labels = [
        label
        for label, name in choices_
        if label == current or all(w in f"{label} {name}".lower() for w in words)
    ]
    solara.InputText(
        "Find a parameter",
        value=query,
        on_value=set_query,
        continuous_update=True,
        classes=["leadsim-parameter-search"],
    )
    with Explained(explain(parameter)):
        solara.Select(
            "Side B changes",
            values=shown_labels,
            value=current,
            on_value=lambda label: label in by_label and on_pick(by_label[label]),
            classes=["leadsim-compare-parameter"],
        )


@solara.component
def CompareSettings(setup: Setup, on_plan: Callable[[ComparePlan | None], None]):
    """Compare mode on or off, which parameter side B changes, and to what."""
    plan = setup.compare
    with Explained(
        "Run a second organisation beside this one: the same seed (the same staff and "
        "network) with one parameter changed, stepping together."
    ):
        solara.Switch(
            label="Compare two organisations",
            value=plan is not None,
            on_value=lambda on: on_plan(default_plan(setup) if on else None),
            classes=["leadsim-compare-toggle"],
        )
    if plan is None:
        return

    def pick_parameter(name: str) -> None:
        current = setup.value(name)
        kind = field_kind(name)
        if kind == "select":
            others = [v for v in choices(name) if v != current]
            value = others[0] if others else current
        elif kind == "bool":
            value = not current
        else:
            value = current
        on_plan(ComparePlan(name, value))

    ParameterChooser(plan.parameter, pick_parameter)
    kind = field_kind(plan.parameter)
    label = f"Side B's {plain_name(plan.parameter).lower()}"
    if kind == "select":
        solara.Select(
            label,
            values=choices(plan.parameter),
            value=plan.value,
            on_value=lambda v: on_plan(ComparePlan(plan.parameter, v)),
        )
    elif kind == "bool":
        solara.Switch(
            label=label,
            value=bool(plan.value),
            on_value=lambda v: on_plan(ComparePlan(plan.parameter, bool(v))),
        )
    elif kind == "int":
        solara.InputInt(
            label,
            value=int(plan.value),
            on_value=lambda v: v is not None and on_plan(ComparePlan(plan.parameter, int(v))),
        )
    else:
        solara.InputFloat(
            label,
            value=float(plan.value) if plan.value is not None else 0.0,
            on_value=lambda v: v is not None and on_plan(ComparePlan(plan.parameter, float(v))),
        )
    if plan.parameter in _SHAPES_NETWORK:
        solara.Text(
            "This parameter shapes the organisation itself: side B's staff and network differ.",
            style={"font-size": "0.85em", "color": "#666"},
        )


@solara.component
def RunControls(
    session: Session,
    playing: bool,
    at_cap: bool,
    on_step: Callable[[], None],
    on_reset: Callable[[], None],
    on_play: Callable[[], None],
    on_pause: Callable[[int | None], None],
    on_run_to: Callable[[str], None],
):
    """Reset, Step, Play/Pause, run to week N and the speed (the week counter is in the views).

    Step and Play go on past the run's horizon (Play first stops at it), up to the
    dashboard's cap of :data:`~leadsim.dashboard.limits.MAX_HORIZON` weeks.
    """
    speed = solara.use_reactive(session.speed)

    def set_speed(value: float) -> None:
        session.speed = min(MAX_SPEED, max(MIN_SPEED, float(value)))
        speed.set(session.speed)

    with solara.Row(
        style={"align-items": "center", "flex-wrap": "wrap"}, gap="8px", classes=["leadsim-toolbar"]
    ):
        solara.Button(
            "Reset", icon_name="mdi-restart", on_click=on_reset, classes=["leadsim-reset-button"]
        )
        solara.Button(
            "Step",
            icon_name="mdi-step-forward",
            on_click=on_step,
            disabled=playing or at_cap,
            classes=["leadsim-step-button"],
        )
        Run(playing, not at_cap, MAX_HORIZON, on_play, on_pause, on_run_to)
        with solara.Column(style={"min-width": "320px"}, gap="0px", classes=["leadsim-speed"]):
            solara.SliderFloat(
                f"Weeks per second: {speed.value:g}",
                value=speed.value,
                min=MIN_SPEED,
                max=MAX_SPEED,
                step=0.5,
                on_value=set_speed,
            )

"""The dashboard page: a scenario told, run, intervened on and compared, one model per visitor.

Solara serves this module (``SOLARA_APP=leadsim.dashboard.app``); :func:`Page` is
rendered once per browser page, and everything it holds (its :class:`Session` and
reactive state) belongs to that page alone.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import solara

from leadsim.config import SCENARIO_DIR, Scenario, ScenarioError, list_scenarios, scenario_from_text
from leadsim.dashboard.controls import (
    CompareSettings,
    Controls,
    Explained,
    RunControls,
    default_plan,
    plain_name,
    shown,
)
from leadsim.dashboard.limits import MAX_HORIZON, MAX_UPLOAD_BYTES, check_scenario, uploaded_text
from leadsim.dashboard.recipe import parse_recipe, recipe_json
from leadsim.dashboard.session import ComparePlan, Session, Setup
from leadsim.dashboard.views import LiveViews, Story
from leadsim.dashboard.widgets import Download, Upload
from leadsim.events import EVENT_DESCRIPTIONS, EventError
from leadsim.params import POLICIES, ParameterError

DEFAULT_SCENARIO = "abdication"
USER_ERRORS = (ScenarioError, ParameterError, EventError, ValueError)
CSS = """
.leadsim-root { display: grid; grid-template-columns: 370px minmax(0, 1fr);
  grid-template-rows: auto minmax(0, 1fr); height: 100vh; width: 100%; }
.leadsim-root.leadsim-wide { grid-template-columns: minmax(0, 1fr); }
.leadsim-header { grid-column: 1 / -1; display: flex; align-items: center; gap: 16px;
  background: #1f3b5a; color: #fff; padding: 6px 16px; font-size: 1.05rem; }
.leadsim-brand { font-weight: 800; font-size: 1.35rem; letter-spacing: 0.02em; }
.leadsim-sidebar { overflow-y: auto; padding: 8px 14px 24px; border-right: 1px solid #ddd;
  background: #f7f8fa; display: flex; flex-direction: column; gap: 6px; }
.leadsim-main { overflow-y: auto; padding: 10px 18px 32px; display: flex;
  flex-direction: column; gap: 10px; }
.leadsim-main > *, .leadsim-sidebar > * { flex-shrink: 0; }
@media (max-width: 900px) {
  .leadsim-root { grid-template-columns: minmax(0, 1fr); height: auto; }
  .leadsim-sidebar, .leadsim-main { overflow: visible; }
}
.leadsim-list-title { font-weight: 700; margin-top: 4px; }
.leadsim-organisation-picker { flex-wrap: wrap; height: auto !important; overflow: visible;
  gap: 2px; }
.leadsim-organisation-picker .v-btn { height: 2.1em !important; padding: 0 0.6em;
  min-width: 0; border-radius: 4px !important; }
.leadsim-toolbar .v-btn { height: 34px; }
.leadsim-about { max-width: 60rem; line-height: 1.5; display: block; }
.leadsim-about h1 { font-size: 1.6rem; margin: 8px 0; }
.leadsim-about h2 { font-size: 1.25rem; margin: 18px 0 6px; }
.leadsim-about p, .leadsim-about ul, .leadsim-about table { margin-bottom: 10px; }
.leadsim-about ul { padding-left: 1.4em; }
.leadsim-about table { border-collapse: collapse; }
.leadsim-about th, .leadsim-about td { border: 1px solid #ccc; padding: 3px 8px; }
.leadsim-about code { background: #f2f2f2; padding: 0 3px; border-radius: 3px; }
.leadsim-narrative ul { margin: 0 0 4px 1.2em; }
.leadsim-step-counter { font-size: 1.35rem; font-weight: 700; margin-left: 12px;
  font-variant-numeric: tabular-nums; min-width: 8.2em; white-space: nowrap; }
.leadsim-error { white-space: normal; word-break: break-word; color: #b00020;
  border: 1px solid #b00020; border-radius: 4px; padding: 6px 10px; background: #fff5f5; }
.leadsim-story-title { font-size: 1.25rem; font-weight: 700; }
.leadsim-panel-title { font-weight: 700; font-size: 1.05rem; margin-top: 8px; }
.leadsim-narrative p { margin-bottom: 6px; }
.leadsim-one-school { display: flex; flex-direction: column; gap: 12px; }
.leadsim-schools { align-items: center; }
.leadsim-schools > .leadsim-organisation-picker { flex: 1 1 0; min-width: 0; }
"""
# Large type is the projector mode: everything larger, and the run made to fit a 1280×720
# screen. The controls become a drawer over the views (closed when large type is switched
# on), the run's buttons and the interventions two compact rows, and the views share the
# screen's width at the height left below them (views.py), so the week, the verdict, the
# series with its legend, the organisation view and the radar are seen without scrolling.
LARGE_CSS = """
html { font-size: 21px !important; }
.leadsim-projector.leadsim-root { grid-template-columns: minmax(0, 1fr); position: relative; }
.leadsim-projector .leadsim-sidebar { position: absolute; grid-row: 2; grid-column: 1;
  top: 0; bottom: 0; left: 0; width: min(25rem, 94vw); z-index: 20;
  box-shadow: 6px 0 18px rgba(0, 0, 0, 0.3); }
.leadsim-projector .leadsim-header { padding: 2px 12px; gap: 12px; font-size: 0.85rem; }
.leadsim-projector .leadsim-brand { font-size: 1.2rem; }
.leadsim-projector .leadsim-header .v-btn { height: 1.9rem; font-size: 0.75rem;
  padding: 0 0.5rem; }
.leadsim-projector .leadsim-main { padding: 4px 12px 24px; gap: 4px; }
.leadsim-projector .leadsim-toolbar { column-gap: 4px !important; row-gap: 2px; }
.leadsim-projector .leadsim-toolbar .v-btn { height: 1.6rem !important; font-size: 0.68rem;
  padding: 0 0.4rem; letter-spacing: 0; text-transform: none; min-width: 0; }
.leadsim-projector .leadsim-toolbar .v-btn .v-icon { font-size: 0.95rem; }
.leadsim-projector .leadsim-toolbar .v-input { --v-input-control-height: 1.6rem;
  font-size: 0.68rem; }
.leadsim-projector .leadsim-toolbar .v-label { font-size: 0.68rem; }
.leadsim-projector .leadsim-toolbar .v-field { --v-field-input-padding-top: 0.75rem;
  --v-field-input-padding-bottom: 0px; --v-input-control-height: 2.1rem; }
.leadsim-projector .leadsim-toolbar .v-field__input { min-height: 2.1rem; font-size: 0.68rem; }
.leadsim-projector .leadsim-toolbar .v-slider.v-input--horizontal { margin: 0 6px; }
.leadsim-projector .leadsim-toolbar .v-input__details { display: none; }
.leadsim-projector .leadsim-speed { min-width: 13rem !important; }
.leadsim-projector .leadsim-shock-size { min-width: 6rem !important; }
.leadsim-projector .leadsim-new-head-policy { min-width: 7.6rem !important; }
.leadsim-projector .leadsim-applies-to { min-width: 7rem !important; }
.leadsim-projector .leadsim-run .leadsim-run-to { width: 6.5rem; }
.leadsim-projector .leadsim-step-counter { font-size: 1.2rem; }
.leadsim-projector .leadsim-schools .v-btn { height: 1.6rem !important; font-size: 0.68rem;
  letter-spacing: 0; text-transform: none; padding: 0 0.45rem; }
.leadsim-projector-views { display: grid; gap: 6px;
  grid-template-columns: minmax(0, 30fr) minmax(0, 38fr) minmax(0, 32fr); }
.leadsim-projector-sides { display: grid; gap: 12px;
  grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.leadsim-projector-pair { display: grid; gap: 0 4px;
  grid-template-columns: minmax(0, 42fr) minmax(0, 58fr); }
.leadsim-projector-pair > .leadsim-chart-series { display: contents; }
.leadsim-projector-pair .leadsim-chart-caption { grid-row: 1; grid-column: 1 / -1;
  font-size: 0.8rem; }
.leadsim-projector-pair > .leadsim-chart-network { grid-row: 2; grid-column: 1; }
.leadsim-projector-pair .leadsim-chart-series > .leadsim-chart-box { grid-row: 2;
  grid-column: 2; }
"""


@functools.cache
def shipped_scenarios() -> dict[str, Scenario]:
    """The scenarios of ``scenarios/`` within the caps, by name (read once, shared read-only)."""
    try:
        found = list_scenarios(SCENARIO_DIR)
    except ScenarioError:
        return {}
    within = {}
    for scenario in found:
        try:
            within[scenario.name] = check_scenario(scenario)
        except ScenarioError:
            continue
    return within


@functools.cache
def about_html() -> str:
    """The About page (``about.md``, NetLogo's Info tab for this model) as HTML.

    Rendered here, once, by Python-Markdown: Solara's ``Markdown`` component would ask
    the network for a maths typesetter.
    """
    import markdown

    path = Path(__file__).with_name("about.md")
    if not path.is_file():
        return "<p>The About page is missing from this installation.</p>"
    return markdown.markdown(path.read_text(encoding="utf-8"), extensions=["tables"])


def default_scenario() -> Scenario:
    """The scenario a new visitor sees first: the head who steps back without holding."""
    shipped = shipped_scenarios()
    if DEFAULT_SCENARIO in shipped:
        return shipped[DEFAULT_SCENARIO]
    return next(iter(shipped.values()), Scenario(name="default", title="Default organisation"))


def one_line(err: Exception) -> str:
    """An error as one line for the page."""
    text = " ".join(str(err).split())
    return text or type(err).__name__


def metrics_csv(session: Session) -> bytes:
    """Every side's per-week metrics, as CSV (a ``side`` column in compare mode)."""
    with session.lock:
        frames = []
        for side in session.sides:
            frame = side.model.metrics_frame()
            if side.label:
                frame.insert(0, "side", side.label)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True).to_csv(index=False).encode()


def figure_png(session: Session, index: int) -> bytes:
    """The run's figure (``leadsim run``'s), drawn now on demand, as PNG."""
    from leadsim.plotting import run_figure  # matplotlib only when someone asks

    with session.lock:
        side = session.sides[min(index, len(session.sides) - 1)]
        metrics = side.model.metrics_frame()
        events = side.model.events()
        reversions = [(k, w.week) for k, w in enumerate(side.watches) if w.week is not None]
    title = side.scenario.title + (f" (side {side.label})" if side.label else "")
    fig = run_figure(metrics, events, reversions, title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)  # a pyplot-free figure: nothing to close
    return buffer.getvalue()


# --- panels ---------------------------------------------------------------------------------


@solara.component
def ErrorLine(message: str, hook: str):
    """A one-line error, in red (Solara's ``Error`` does not render under Vuetify 3)."""
    return solara.Div(children=[f"⚠ {message}"], classes=["leadsim-error", hook])


@solara.component
def Interventions(organisations: int, on_event: Any, disabled: bool):
    """Live events (MODEL.md §5), fired from the coming week; each is marked on the series.

    They stay available past the run's horizon (the run goes on); only at the
    dashboard's cap, where no coming week will be run, are they disabled, saying why.
    """
    size = solara.use_reactive(1.5)
    new_policy = solara.use_reactive("integrated")
    target = solara.use_reactive("every organisation")
    targets = ["every organisation"] + [f"School {k + 1}" for k in range(organisations)]
    organisation = None if target.value not in targets[1:] else targets.index(target.value) - 1

    def fire(kind: str, **args: Any) -> None:
        on_event(kind, organisation=organisation, **args)

    buttons = (
        ("accountability_shock", "Accountability shock", "mdi-flash", {"size": None}),
        ("join_learning_group", "Join learning group", "mdi-account-group", {}),
        ("leave_learning_group", "Leave learning group", "mdi-account-off", {}),
        ("leader_change", "New head", "mdi-account-switch", {"policy": None}),
        ("start_reflection", "Reflection week", "mdi-thought-bubble", {}),
    )
    with solara.Row(
        style={"align-items": "center", "flex-wrap": "wrap"},
        gap="8px",
        classes=["leadsim-toolbar", "leadsim-interventions"],
    ):
        for kind, label, icon, needs in buttons:
            hook = f"leadsim-{kind.replace('_', '-')}-button"

            def click(kind: str = kind, needs: dict = needs) -> None:
                args = {}
                if "size" in needs:
                    args["size"] = float(size.value)
                if "policy" in needs:
                    args["policy"] = new_policy.value
                fire(kind, **args)

            with Explained(EVENT_DESCRIPTIONS[kind].replace("`size`", "the size") + "."):
                solara.Button(
                    label, icon_name=icon, on_click=click, disabled=disabled, classes=[hook]
                )
            if kind == "accountability_shock":
                with solara.Column(
                    style={"min-width": "230px"}, gap="0px", classes=["leadsim-shock-size"]
                ):
                    solara.SliderFloat(
                        f"size {size.value:g}", value=size, min=0.25, max=3.0, step=0.25
                    )
            if kind == "leader_change":
                with solara.Column(
                    style={"min-width": "170px"}, gap="0px", classes=["leadsim-new-head-policy"]
                ):
                    solara.Select("new head's policy", values=list(POLICIES), value=new_policy)
        if organisations > 1:
            with solara.Column(
                style={"min-width": "190px"}, gap="0px", classes=["leadsim-applies-to"]
            ):
                solara.Select("applies to", values=targets, value=target)
    if disabled:
        solara.Text(
            f"The run is at the dashboard's cap of {MAX_HORIZON} weeks: an intervention "
            "would act from a week that is not run. Reset to start again.",
            classes=["leadsim-interventions-why"],
            style={"font-size": "0.85em", "color": "#666"},
        )


@solara.component
def ScenarioPanel(
    setup: Setup,
    uploaded: Scenario | None,
    upload_error: str,
    on_choose: Any,
    on_upload: Any,
):
    """Pick a shipped scenario, or load one's own (validated; errors shown in one line)."""
    shipped = shipped_scenarios()
    titles = {s.title: name for name, s in shipped.items()}
    if uploaded is not None:
        titles[f"{uploaded.title} (your file)"] = "<uploaded>"
    current = next(
        (t for t, n in titles.items() if n == setup.scenario.name and n in shipped),
        f"{setup.scenario.title} (your file)" if uploaded is not None else None,
    )
    with solara.Column(classes=["leadsim-scenario-select"], gap="0px"):
        solara.Select(
            "Scenario",
            values=list(titles),
            value=current,
            on_value=lambda title: on_choose(titles.get(title)),
        )
    Upload(on_text=on_upload, max_bytes=MAX_UPLOAD_BYTES, label="Load your own scenario (.toml)")
    if upload_error:
        ErrorLine(upload_error, "leadsim-upload-error")


@solara.component
def Export(session: Session, compare: bool, name: str):
    """The run's metrics as CSV and its figure as PNG, made when asked."""
    csv = solara.use_memo(lambda: lambda: metrics_csv(session), [session])
    png_a = solara.use_memo(lambda: lambda: figure_png(session, 0), [session])
    png_b = solara.use_memo(lambda: lambda: figure_png(session, 1), [session])
    with solara.Column(gap="4px", classes=["leadsim-export"]):
        Download("Metrics per week (CSV)", f"leadsim_{name}_metrics.csv", "text/csv", csv)
        Download(
            "Figure of side A (PNG)" if compare else "Figure of the run (PNG)",
            f"leadsim_{name}{'_A' if compare else ''}.png",
            "image/png",
            png_a,
        )
        if compare:
            Download("Figure of side B (PNG)", f"leadsim_{name}_B.png", "image/png", png_b)
        solara.Text(
            "Each chart's own button (top right) saves it as drawn, as PNG.",
            style={"font-size": "0.85em", "color": "#666"},
        )


# --- the page ---------------------------------------------------------------------------------


@solara.component
def Page():
    """The whole dashboard, for one browser page."""
    session = solara.use_memo(lambda: Session(Setup.of(default_scenario())), [])
    setup, set_setup = solara.use_state(session.setup)
    tick = solara.use_reactive(0)
    at_cap = solara.use_reactive(False)
    playing = solara.use_reactive(False)
    large = solara.use_reactive(False)
    wide = solara.use_reactive(False)
    all_schools = solara.use_reactive(True)  # on a projector, every school side by side
    about = solara.use_reactive(False)
    organisation = solara.use_reactive(0)
    error = solara.use_reactive("")
    upload_error = solara.use_reactive("")
    uploaded = solara.use_reactive(None)
    # the uploaded file's text, and whether the run is of it: the recipe the browser keeps
    kept = solara.use_memo(lambda: {"text": None, "active": False}, [])

    def recipe() -> str:
        # asked for every frame: rebuilt only when the setup or the interventions change
        text = kept["text"] if kept["active"] else None
        interventions = session.sides[0].interventions
        key = (session.setup, interventions, len(interventions), text)  # held: ids stay unique
        old = kept.get("key")
        if (
            old is None
            or any(a is not b for a, b in zip(old, key, strict=True))
            or old[2] != key[2]
        ):
            kept["key"], kept["json"] = key, recipe_json(session.setup, interventions, text)
        return kept["json"]

    def restore(data: dict) -> None:
        """A reloaded page (a restarted server, a lost network) sends the run it kept."""
        try:
            restored = parse_recipe(data.get("recipe"), data.get("week"), shipped_scenarios)
            session.restore(restored.setup, restored.interventions, restored.week)
        except USER_ERRORS as err:
            error.set(f"The run this page kept could not be rebuilt: {one_line(err)}")
            return
        if restored.uploaded is not None:
            uploaded.set(restored.uploaded)
            kept.update(text=restored.uploaded_text, active=True)
        else:
            kept["active"] = False
        playing.set(False)
        error.set("")
        set_setup(restored.setup)
        if organisation.value >= session.sides[0].organisations:
            organisation.set(0)
        push()

    def push() -> None:
        tick.set(session.next_frame())
        at_cap.set(session.at_cap)

    def drawn(report: dict) -> None:
        session.drawn(report)
        if report.get("resend"):  # a chart came back without its weeks: send them again
            push()

    def apply(new: Setup) -> bool:
        try:
            session.build(new)
        except USER_ERRORS as err:
            error.set(one_line(err))
            return False
        playing.set(False)
        error.set("")
        set_setup(new)
        if organisation.value >= session.sides[0].organisations:
            organisation.set(0)
        push()
        return True

    def change(name: str, value: Any) -> None:
        current = session.setup
        if name == "seed":
            apply(dataclasses.replace(current, seed=int(value)))
        elif name == "horizon":
            apply(dataclasses.replace(current, horizon=int(value)))
        else:
            overrides = {**current.overrides, name: value}
            if name == "policy":
                overrides.pop("containment", None)  # the new policy's own containment
            apply(dataclasses.replace(current, overrides=overrides))

    def choose(name: str | None) -> None:
        scenario = uploaded.value if name == "<uploaded>" else shipped_scenarios().get(name or "")
        if scenario is None:
            return
        kept["active"] = name == "<uploaded>"
        fresh = Setup.of(scenario)
        plan = session.setup.compare
        if plan is not None:
            if fresh.value(plan.parameter) == plan.value:  # B would be A: the default pair
                plan = default_plan(fresh)
            if apply(dataclasses.replace(fresh, compare=plan)):
                return
        apply(fresh)

    def upload(data: dict) -> None:
        name = " ".join(str(data.get("name") or "upload.toml").split())[:120]
        try:
            text = uploaded_text(data, name)  # bytes decoded as the command line decodes them
            scenario = check_scenario(scenario_from_text(text, source=name))
        except USER_ERRORS as err:
            upload_error.set(one_line(err))
            return
        if apply(Setup.of(scenario)):
            uploaded.set(scenario)
            kept.update(text=text, active=True)
            upload_error.set("")

    def plan(new_plan: ComparePlan | None) -> None:
        apply(dataclasses.replace(session.setup, compare=new_plan))

    def step() -> None:
        session.step()
        push()

    def reset() -> None:
        playing.set(False)
        apply(session.setup)

    def intervene(kind: str, **args: Any) -> None:
        try:
            session.intervene(kind, **args)
        except USER_ERRORS as err:
            error.set(one_line(err))
            return
        error.set("")
        push()

    def play_on() -> None:
        session.play_on()
        playing.set(True)

    def pause(shown_week: int | None) -> None:
        session.pause(shown_week)  # the week the page showed: the model may be past it
        playing.set(False)
        push()

    def run_to(week: str) -> None:
        try:
            session.run_to(week)
        except USER_ERRORS as err:
            error.set(one_line(err))
            return
        error.set("")
        playing.set(True)

    is_playing = playing.value

    def play(cancel: threading.Event) -> None:
        if is_playing:
            session.play(cancel, push)
            if not cancel.is_set():
                playing.set(False)

    solara.use_thread(play, dependencies=[is_playing], intrusive_cancel=False)

    font = 1.45 if large.value else 1.0
    sides = session.sides
    compare = len(sides) > 1
    organisations = sides[0].organisations
    org = min(organisation.value, organisations - 1)

    solara.Style(CSS + (LARGE_CSS if large.value else ""))
    solara.Title("leadsim dashboard")
    root = ["leadsim-root", "leadsim-wide" if wide.value else "leadsim-with-controls"]
    if large.value:  # projector mode: the views fill the screen, the controls are a drawer
        root.append("leadsim-projector")

    def set_large(on: bool) -> None:
        large.set(on)
        if on:  # the drawer closes: the room sees the run; Show controls opens it again
            wide.set(True)

    def pick_school(label: str) -> None:
        organisation.set(int(label.split()[-1]) - 1)
        all_schools.set(False)

    with solara.Div(classes=root):
        with solara.Div(classes=["leadsim-header"]):
            solara.Text("leadsim", classes=["leadsim-brand"])
            solara.Text("why distributed leadership reverts to hierarchy, and what holds it")
            solara.Button(
                "Back to the run" if about.value else "About this model",
                text=True,
                on_click=lambda: about.set(not about.value),
                classes=["leadsim-about-toggle"],
                style={"color": "white", "margin-left": "auto"},
            )
            solara.HTML(  # a workshop room on this server (leadsim.workshop), in a new tab
                tag="a",
                unsafe_innerHTML="Workshop room",
                attributes={"href": "/workshop/new", "target": "_blank"},
                classes=["leadsim-workshop-link", "v-btn", "v-btn--variant-text"],
                style="color: white; padding: 0 12px; font-size: 0.875rem; text-transform: uppercase; letter-spacing: 0.09em; font-weight: 500; text-decoration: none;",
            )
            solara.Button(
                "Show controls" if wide.value else "Hide controls",
                text=True,
                on_click=lambda: wide.set(not wide.value),
                classes=["leadsim-controls-toggle"],
                style={"color": "white"},
            )
        # hidden, not removed: the views after it keep their place, and the charts their data
        with solara.Div(
            classes=["leadsim-sidebar"], style={"display": "none"} if wide.value else {}
        ):
            solara.Text("Scenario", classes=["leadsim-panel-title"])
            ScenarioPanel(setup, uploaded.value, upload_error.value, choose, upload)
            solara.Text("Parameters", classes=["leadsim-panel-title"])
            Controls(setup, change)
            solara.Text("Compare", classes=["leadsim-panel-title"])
            CompareSettings(setup, plan)
            solara.Text("Export", classes=["leadsim-panel-title"])
            Export(session, compare, setup.scenario.name)
            solara.Text("Display", classes=["leadsim-panel-title"])
            solara.Switch(
                label="Large type (projector)",
                value=large.value,
                on_value=set_large,
                classes=["leadsim-large-toggle"],
            )
        # hidden, not removed, while the About page shows: the charts keep what they hold
        with solara.Div(classes=["leadsim-main"], style={"display": "none"} if about.value else {}):
            RunControls(session, playing.value, at_cap.value, step, reset, play_on, pause, run_to)
            Interventions(organisations, intervene, at_cap.value)
            if error.value:
                ErrorLine(error.value, "leadsim-setup-error")
            overview = large.value and all_schools.value and organisations > 1
            if organisations > 1:
                with solara.Row(classes=["leadsim-schools"], gap="6px"):
                    if large.value:  # a projector shows every school at once, or one
                        solara.Button(
                            "All schools",
                            icon_name="mdi-view-grid",
                            on_click=lambda: all_schools.set(True),
                            color="primary" if overview else None,
                            classes=["leadsim-all-schools-button"],
                        )
                    solara.ToggleButtonsSingle(
                        value=None if overview else f"School {org + 1}",
                        values=[f"School {k + 1}" for k in range(organisations)],
                        on_value=pick_school,
                        classes=["leadsim-organisation-picker"],
                    )
            labels = {}
            if setup.compare is not None:
                varied = setup.compare.parameter
                labels = {
                    "A": f"A: {plain_name(varied)} = {shown(setup.value(varied))}",
                    "B": f"B: {plain_name(varied)} = {shown(setup.compare.value)}",
                }
            LiveViews(
                session,
                tick,
                org,
                font,
                setup.scenario,
                labels,
                drawn,
                recipe,
                restore,
                projector=large.value,
                all_schools=all_schools.value,
            )
            if compare:  # beside the organisation view when alone, below the two sides here
                Story(setup.scenario)
        if about.value:  # after the run's views, which so keep their place
            solara.HTML(
                tag="div", unsafe_innerHTML=about_html(), classes=["leadsim-main", "leadsim-about"]
            )

"""The panels of the page: organisation view, time series, ASERT radar, small multiples.

The charts get their spec once per run; what changes as the run advances travels in
one message per step through the page's live bus (:func:`LiveViews`), the only
component that reads the frame counter: a step re-renders it alone, never the
controls, and updates no chart widget on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reacton.ipyvuetify as v
import solara

from leadsim.config import Scenario
from leadsim.dashboard import payloads
from leadsim.dashboard.session import Session, Side
from leadsim.dashboard.widgets import Bus, Chart, as_json


def chart_id(kind: str, side: Side, organisation: int | None) -> str:
    """The name of a chart's part in the bus's frames."""
    where = "all" if organisation is None else organisation
    return f"{kind}-{side.label or 'S'}-{where}"


def week_text(week: int, horizon: int) -> str:
    """Where the run is: ``week 12 of 156``, or past its horizon, ``week 160 (extended past 156)``."""
    return (
        f"week {week} of {horizon}" if week <= horizon else f"week {week} (extended past {horizon})"
    )


def verdict(side: Side, organisation: int) -> tuple[str, str]:
    """Whether the organisation has distributed or reverted so far, and a colour for it."""
    watch = side.watches[organisation]
    if watch.week is not None:
        return f"reverted to hierarchy in week {watch.week}", "#c00"
    if watch.distributed:
        return "leadership distributed, holding so far", "#2a7"
    return "not yet distributed", "#666"


def schools_verdict(side: Side) -> tuple[str, str]:
    """How every school of a system stands so far (in one line), and a colour for it."""
    reverted = sum(watch.week is not None for watch in side.watches)
    holding = sum(watch.week is None and watch.distributed for watch in side.watches)
    waiting = side.organisations - reverted - holding
    counts = (
        (reverted, "reverted to hierarchy"),
        (holding, "holding"),
        (waiting, "not yet distributed"),
    )
    text = f"{side.organisations} schools: " + ", ".join(f"{n} {what}" for n, what in counts if n)
    return text, "#c00" if reverted else "#2a7" if waiting == 0 else "#666"


# The monitors (as NetLogo's): headline values of the organisation shown, this week
MONITORS: tuple[tuple[str, str, str], ...] = (
    ("distribution_index", "index", "distribution index"),
    ("anxiety", "anxiety", "staff anxiety"),
    ("trust", "trust", "trust in the head"),
    ("containment", "containment", "the head's containment"),
)


def monitors(side: Side, organisation: int) -> list[str]:
    """The monitors' values now: the engine's last record, and the week of reversion (or —)."""
    records = side.model.engine.records
    o = side.org_index(organisation)
    values = [
        f"{float(records[-1].values[metric][o]):.2f}" if records else "—" for metric, *_ in MONITORS
    ]
    reverted = side.watches[organisation].week
    return [*values, "—" if reverted is None else str(reverted)]


def monitor_labels() -> list[list[str]]:
    """Each monitor's short label and its full name (a tooltip)."""
    return [[short, full] for _, short, full in MONITORS] + [["reverted", "week of reversion"]]


# On a projector (large type) the views fill the screen below what stands above them: the
# header, the run's row, the interventions' row and the week (in rem: they grow with the type).
PROJECTOR_TOP = "10rem"


def fill(*above: str, parts: int = 1, floor: int = 220) -> str:
    """A chart's height that fills the screen below what is ``above`` it, shared by ``parts``."""
    room = " - ".join(["100vh", PROJECTOR_TOP, *above])
    return f"max({floor}px, calc(({room}) / {parts}))"


def live_parts(session: Session, organisation: int) -> dict[str, dict[str, Any]]:
    """Every chart's part of this step's frame (call with the session's lock held)."""
    parts: dict[str, dict[str, Any]] = {}
    compare = len(session.sides) > 1
    for side in session.sides:
        series = chart_id("series", side, organisation)
        token = payloads.chart_token(side, organisation)
        text, _ = verdict(side, organisation)
        parts[series] = {
            "frame": payloads.series_frame(
                side, organisation, session.rows_held(series, token), session.seq
            ),
            "marks": payloads.series_marks(side, organisation),
            "caption": f"{side.label}: {week_text(side.week, side.horizon)} · {text}"
            if compare
            else "",
        }
        parts[chart_id("network", side, organisation)] = {
            "frame": payloads.network_frame(side, organisation)
        }
        parts[chart_id("radar", side, organisation)] = {
            "frame": payloads.radar_frame(side, organisation)
        }
        if side.organisations > 1:
            multiples = chart_id("multiples", side, None)
            held = session.rows_held(multiples, payloads.chart_token(side, None))
            parts[multiples] = {
                "frame": payloads.multiples_frame(side, held, session.seq),
                "marks": payloads.multiples_marks(side),
            }
    return parts


_SPECS = {
    "series": lambda side, org, font, title: payloads.series_spec(
        side, org, title=title, font=font
    ),
    "network": lambda side, org, font, title: payloads.network_spec(side, org, font=font),
    "radar": lambda side, org, font, title: payloads.radar_spec(side, org, title=title, font=font),
    "multiples": lambda side, org, font, title: payloads.multiples_spec(side, font=font),
}


@solara.component
def ChartView(
    kind: str, side: Side, organisation: int | None, font: float, height: str, title: str = ""
):
    """A chart of ``kind`` with its spec, made once per run, organisation and type size."""
    token = payloads.chart_token(side, organisation)
    spec = solara.use_memo(
        lambda: as_json(_SPECS[kind](side, organisation, font, title)), [kind, token, font, title]
    )
    Chart(kind, chart_id(kind, side, organisation), spec, height)


@solara.component
def Story(scenario: Scenario):
    """The scenario's title, narrative, and what to notice and try (folds away)."""
    shown = solara.use_reactive(True)
    with solara.Card(
        classes=["leadsim-story"], margin=0, style={"max-height": "380px", "overflow-y": "auto"}
    ):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(scenario.title, classes=["leadsim-story-title"])
            solara.Button(
                "Hide the story" if shown.value else "Show the story",
                text=True,
                on_click=lambda: shown.set(not shown.value),
            )
        if not shown.value:
            return
        with solara.Column(classes=["leadsim-narrative"], gap="4px"):
            for paragraph in scenario.narrative.split("\n\n"):
                if paragraph:
                    v.Html(tag="p", children=[paragraph])
            for heading, items in (
                ("Notice", scenario.things_to_notice),
                ("Try", scenario.things_to_try),
            ):
                if items:
                    v.Html(tag="div", class_="leadsim-list-title", children=[heading])
                    v.Html(tag="ul", children=[v.Html(tag="li", children=[t]) for t in items])


@solara.component
def SidePanels(
    side: Side,
    organisation: int,
    font: float,
    compact: bool,
    story: Scenario | None = None,
    projector: bool = False,
    above: tuple[str, ...] = (),
):
    """One side's organisation view, time series and ASERT radar (and the story).

    On a projector they share the screen's width, at the height left below ``above``
    (a compared side: its organisation view and series; its radar below them).
    """
    if projector:
        height = fill(*above)
        with solara.Div(
            classes=["leadsim-projector-pair" if compact else "leadsim-projector-views"]
        ):
            ChartView("network", side, organisation, font, height)
            ChartView("series", side, organisation, font, height)
            if not compact:
                ChartView("radar", side, organisation, font, height, title="ASERT profile")
        if compact:
            ChartView("radar", side, organisation, font, "360px", title="ASERT profile")
        if story is not None:
            Story(story)
        return
    if compact:
        ChartView("series", side, organisation, font, "340px")
        ChartView("network", side, organisation, font, "400px")
        ChartView("radar", side, organisation, font, "320px", title="ASERT profile")
        return
    with solara.Columns([5, 7]):
        ChartView("network", side, organisation, font, "430px")
        ChartView("series", side, organisation, font, "430px")
    with solara.Columns([4, 8]):
        ChartView("radar", side, organisation, font, "380px", title="ASERT profile")
        if story is not None:
            Story(story)


@solara.component
def LiveViews(
    session: Session,
    tick: solara.Reactive[int],
    organisation: int,
    font: float,
    story: Scenario,
    compare_labels: dict[str, str],
    on_drawn: Callable[[dict], None],
    kept: Callable[[], str] | None = None,
    on_restore: Callable[[dict], None] | None = None,
    projector: bool = False,
    all_schools: bool = False,
):
    """The week counter and every chart; a step re-renders this component alone.

    ``kept`` gives the run's recipe (:mod:`leadsim.dashboard.recipe`) for the browser to
    keep; ``on_restore`` takes one back from a reloaded page. On a ``projector`` the
    views fill the screen's height; with several schools, ``all_schools`` shows the
    schools side by side in their place (the chosen school's views hidden, not removed).
    """
    seq = tick.value
    sides = session.sides
    with session.lock:
        recipe = kept() if kept is not None else ""
        parts = live_parts(session, organisation)
        counter = week_text(session.week, session.horizon)
        # the week as a number too: a pause click sends the week the page shows (run.vue)
        status = {"counter": counter[0].upper() + counter[1:], "week": session.week}
        overview = projector and all_schools and sides[0].organisations > 1
        picker = "1.8rem" if sides[0].organisations > 1 else "0rem"  # the schools' row
        if len(sides) == 1:
            status["verdict"], status["colour"] = (
                schools_verdict(sides[0]) if overview else verdict(sides[0], organisation)
            )
        if not overview:  # the organisation shown (no single one in the schools' overview)
            status["monitors"] = {
                "labels": monitor_labels(),
                "rows": [[side.label, *monitors(side, organisation)] for side in sides],
            }
    Bus(as_json({"seq": seq, "status": status, "charts": parts}), on_drawn, recipe, on_restore)
    with solara.Div(classes=["leadsim-one-school"], style={"display": "none"} if overview else {}):
        if len(sides) > 1:
            pair = solara.Div(classes=["leadsim-projector-sides"]) if projector else None
            with pair or solara.Columns([1, 1]):
                for side in sides:
                    with solara.Column(classes=[f"leadsim-side-{side.label.lower()}"]):
                        solara.Text(
                            compare_labels.get(side.label, side.label),
                            classes=["leadsim-panel-title"],
                        )
                        # below the side's name and its caption (the week and verdict)
                        SidePanels(
                            side,
                            organisation,
                            font,
                            True,
                            projector=projector,
                            above=(picker, "3.6rem"),
                        )
        else:
            SidePanels(
                sides[0],
                organisation,
                font,
                False,
                story=story,
                projector=projector,
                above=(picker,),
            )
    if sides[0].organisations > 1:
        solara.Text("The schools side by side", classes=["leadsim-panel-title"])
        for side in sides:
            if side.label:
                solara.Text(f"Side {side.label}")
            rows = (side.organisations + 2) // 3
            height = f"{max(300, 190 * rows + 60)}px"
            if overview:  # the whole screen below the title (and each side's name)
                height = fill(picker, f"{2.3 * len(sides):g}rem", parts=len(sides))
            ChartView("multiples", side, None, font, height)

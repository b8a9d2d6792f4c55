"""The browser-side widgets: charts, the live bus that feeds them, play, file pickers and savers.

All are Vue templates (``chart.vue``, ``bus.vue``, ``run.vue``, ``upload.vue``,
``download.vue``) run by ipyvue in the page; the Python side holds only the data the
server sends (as JSON text: one value to compare and send, where a dict of hundreds of
numbers costs the renderer a visit per number) and receives what the browser reports back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import ipyvuetify
import solara
import traitlets


class ChartWidget(ipyvuetify.VuetifyTemplate):
    """One chart, drawn in the browser from its ``spec`` and the bus's frames (chart.vue)."""

    template_file = (__file__, "chart.vue")

    kind = traitlets.Unicode("").tag(sync=True)  # series, network, radar or multiples
    chart_id = traitlets.Unicode("").tag(sync=True)  # its part of the bus's frames
    spec = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Unicode("360px").tag(sync=True)


class BusWidget(ipyvuetify.VuetifyTemplate):
    """The week counter, and every chart's frame in one message per step (bus.vue)."""

    template_file = (__file__, "bus.vue")

    frame = traitlets.Unicode("").tag(sync=True)
    recipe = traitlets.Unicode("").tag(sync=True)  # the run as data, kept by the browser
    pong = traitlets.Int(0).tag(sync=True)
    on_drawn = traitlets.Callable(None, allow_none=True)
    on_restore = traitlets.Callable(None, allow_none=True)

    def vue_frame_drawn(self, data: Any, *_: Any) -> None:
        """The browser drew a frame: ``{seq, have: {chart: [token, weeks]}}``."""
        if self.on_drawn is not None and isinstance(data, dict):
            self.on_drawn(data)

    def vue_ping(self, data: Any, *_: Any) -> None:
        """The browser asks whether this page's server is there: answer with its number."""
        if isinstance(data, int) and not isinstance(data, bool):
            self.pong = data

    def vue_restore(self, data: Any, *_: Any) -> None:
        """A reloaded page sends the run it kept: ``{recipe, week}``."""
        if self.on_restore is not None and isinstance(data, dict):
            self.on_restore(data)


class RunWidget(ipyvuetify.VuetifyTemplate):
    """Play/Pause and "run to week N" (run.vue); a pause says which week the page showed."""

    template_file = (__file__, "run.vue")

    playing = traitlets.Bool(False).tag(sync=True)
    can_play = traitlets.Bool(True).tag(sync=True)
    cap = traitlets.Int(0).tag(sync=True)
    on_play = traitlets.Callable(None, allow_none=True)
    on_pause = traitlets.Callable(None, allow_none=True)
    on_run_to = traitlets.Callable(None, allow_none=True)

    def vue_play(self, *_: Any) -> None:
        """Play was clicked."""
        if self.on_play is not None:
            self.on_play()

    def vue_pause(self, data: Any, *_: Any) -> None:
        """Pause was clicked: ``{week}``, the week the page showed (``null`` if none)."""
        if self.on_pause is not None:
            week = data.get("week") if isinstance(data, dict) else None
            self.on_pause(week if isinstance(week, int) and not isinstance(week, bool) else None)

    def vue_run_to(self, data: Any, *_: Any) -> None:
        """Run to a week: ``{week}``, the text typed in the field."""
        if self.on_run_to is not None and isinstance(data, dict):
            self.on_run_to(str(data.get("week", ""))[:40])


class UploadWidget(ipyvuetify.VuetifyTemplate):
    """A button (and drop zone) that reads a small text file in the browser and sends it."""

    template_file = (__file__, "upload.vue")

    label = traitlets.Unicode("Load a scenario file (.toml)").tag(sync=True)
    max_bytes = traitlets.Int(65536).tag(sync=True)
    on_text = traitlets.Callable(None, allow_none=True)

    def vue_upload(self, data: Any, *_: Any) -> None:
        """The browser read a file: ``{name, data}`` (its bytes, base64), ``{name, text}`` or ``{name, error}``."""
        if self.on_text is not None and isinstance(data, dict):
            self.on_text(data)


class DownloadWidget(ipyvuetify.VuetifyTemplate):
    """A button that has the server make a file, then saves it in the browser (download.vue).

    The bytes are made by ``make`` only when the button is clicked, sent once, and
    dropped as soon as the browser has saved them.
    """

    template_file = (__file__, "download.vue")

    label = traitlets.Unicode("Download").tag(sync=True)
    filename = traitlets.Unicode("leadsim.dat").tag(sync=True)
    mime = traitlets.Unicode("application/octet-stream").tag(sync=True)
    asked = traitlets.Bool(False).tag(sync=True)
    content = traitlets.Bytes(None, allow_none=True).tag(sync=True)
    make = traitlets.Callable(None, allow_none=True)

    def vue_prepare(self, *_: Any) -> None:
        """The button was clicked: make the file and send it."""
        if self.make is not None:
            self.content = self.make()

    def vue_saved(self, *_: Any) -> None:
        """The browser saved the file: forget it."""
        self.content = None


def as_json(data: Any) -> str:
    """Compact JSON text of a payload (``""`` for none)."""
    return json.dumps(data, separators=(",", ":")) if data else ""


@solara.component
def Chart(kind: str, chart_id: str, spec: str, height: str = "360px"):
    """A chart the browser draws (see :class:`ChartWidget`); ``spec`` is JSON text."""
    return ChartWidget.element(kind=kind, chart_id=chart_id, spec=spec, height=height)


@solara.component
def Bus(
    frame: str,
    on_drawn: Callable[[dict], None],
    recipe: str = "",
    on_restore: Callable[[dict], None] | None = None,
):
    """The live bus (see :class:`BusWidget`); ``frame`` and ``recipe`` are JSON text."""
    return BusWidget.element(frame=frame, on_drawn=on_drawn, recipe=recipe, on_restore=on_restore)


@solara.component
def Run(
    playing: bool,
    can_play: bool,
    cap: int,
    on_play: Callable[[], None],
    on_pause: Callable[[int | None], None],
    on_run_to: Callable[[str], None],
):
    """Play/Pause and "run to week N" (see :class:`RunWidget`)."""
    return RunWidget.element(
        playing=playing,
        can_play=can_play,
        cap=cap,
        on_play=on_play,
        on_pause=on_pause,
        on_run_to=on_run_to,
    )


@solara.component
def Download(label: str, filename: str, mime: str, make: Callable[[], bytes]):
    """A button that saves a file the server makes on demand (see :class:`DownloadWidget`)."""
    return DownloadWidget.element(label=label, filename=filename, mime=mime, make=make)


@solara.component
def Upload(on_text: Callable[[dict], None], max_bytes: int, label: str):
    """A scenario-file picker (see :class:`UploadWidget`)."""
    return UploadWidget.element(on_text=on_text, max_bytes=max_bytes, label=label)

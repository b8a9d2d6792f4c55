"""The browser-side widgets: charts, the live bus that feeds them, file pickers and savers.

All are Vue templates (``chart.vue``, ``bus.vue``, ``upload.vue``, ``download.vue``) run by ipyvue
in the page; the Python side holds only the data the server sends (as JSON text: one
value to compare and send, where a dict of hundreds of numbers costs the renderer a
visit per number) and receives what the browser reports back.
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
    on_drawn = traitlets.Callable(None, allow_none=True)

    def vue_frame_drawn(self, data: Any, *_: Any) -> None:
        """The browser drew a frame: ``{seq, have: {chart: [token, weeks]}}``."""
        if self.on_drawn is not None and isinstance(data, dict):
            self.on_drawn(data)


class UploadWidget(ipyvuetify.VuetifyTemplate):
    """A button (and drop zone) that reads a small text file in the browser and sends it."""

    template_file = (__file__, "upload.vue")

    label = traitlets.Unicode("Load a scenario file (.toml)").tag(sync=True)
    max_bytes = traitlets.Int(65536).tag(sync=True)
    on_text = traitlets.Callable(None, allow_none=True)

    def vue_upload(self, data: Any, *_: Any) -> None:
        """The browser read a file: ``{name, text}`` or ``{name, error}``."""
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
def Bus(frame: str, on_drawn: Callable[[dict], None]):
    """The live bus (see :class:`BusWidget`); ``frame`` is JSON text."""
    return BusWidget.element(frame=frame, on_drawn=on_drawn)


@solara.component
def Download(label: str, filename: str, mime: str, make: Callable[[], bytes]):
    """A button that saves a file the server makes on demand (see :class:`DownloadWidget`)."""
    return DownloadWidget.element(label=label, filename=filename, mime=mime, make=make)


@solara.component
def Upload(on_text: Callable[[dict], None], max_bytes: int, label: str):
    """A scenario-file picker (see :class:`UploadWidget`)."""
    return UploadWidget.element(on_text=on_text, max_bytes=max_bytes, label=label)

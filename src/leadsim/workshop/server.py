"""The room's routes: plain Starlette, mounted at ``/workshop`` on the dashboard's app.

A room is state shared by many browsers, so it lives here, in the server process (a
:class:`Hub` of at most :data:`MAX_ROOMS` rooms), not in a Solara page's kernel. Pages
are small static HTML/JS/CSS files shipped in ``pages/``; they talk JSON:

- ``POST /workshop/api/{code}/join`` ``{name}`` → ``{token, seat, school}`` (a seat token);
- ``POST /workshop/api/{code}/observe`` → ``{token}`` (an observer token);
- ``GET /workshop/api/{code}/state?since=V`` → the page's view, held open (long poll)
  until the room's version passes ``V`` or :data:`POLL_SECONDS` pass;
- ``POST /workshop/api/{code}/decide`` ``{choice, attend, reflect}`` (seat token);
- ``POST /workshop/api/{code}/control`` ``{action, ...}`` and ``/shock`` ``{school}``
  (the facilitator's key);
- ``GET /workshop/api/{code}/export/{file}``: the debrief (facilitator or observer).

Every request names its token in the ``X-Room-Token`` header; the server, never the
page, decides what the token may do (:mod:`leadsim.workshop.room`). A body over
:data:`MAX_MESSAGE_BYTES` is refused before it is parsed; every error is one line of
JSON ``{"error": ...}``. Long polling rather than a WebSocket: every page is plain
HTTP that reconnects by itself after a drop (a phone that sleeps, a hotspot that
blinks), and the server keeps no socket state per page.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import socket
import sys
import threading
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from leadsim.config import SCENARIO_DIR
from leadsim.workshop import debrief
from leadsim.workshop.limits import (
    DEFAULT_SCENARIO,
    MAX_MESSAGE_BYTES,
    MAX_ROOMS,
    MAX_SEATS,
    POLL_SECONDS,
)
from leadsim.workshop.room import (
    CODE_ALPHABET,
    Room,
    RoomError,
    room_scenario,
)
from leadsim.workshop.simulation import CHOICES, Decision
from leadsim.workshop.views import participant_view, room_view
from leadsim.workshop.views import remaining as room_view_remaining

PREFIX = "/workshop"
TICK_SECONDS = 0.2  # how often the timers are checked
CODE = re.compile(f"[{CODE_ALPHABET}]{{4,8}}")
PAGES = resources.files("leadsim.workshop") / "pages"
STATIC = {
    "room.js": "text/javascript",
    "join.js": "text/javascript",
    "common.js": "text/javascript",
    "workshop.css": "text/css",
}
NO_STORE = {"Cache-Control": "no-store"}


class Hub:
    """The rooms of this server, each with its lock and its change notifier."""

    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}
        self.locks: dict[str, threading.Lock] = {}
        self._changed: dict[str, asyncio.Event] = {}
        self.public_base: str | None = None  # the join link's base, when not the request's
        self._ticker: asyncio.Task | None = None
        self._views: dict[tuple[str, str], tuple[int, bytes]] = {}
        self.closing = False  # the server is stopping: waiting pages are answered at once

    def open(self, scenario_ref: str = DEFAULT_SCENARIO, schools: int | None = None) -> Room:
        """A new room (at most :data:`MAX_ROOMS`; ended rooms are closed first to make space)."""
        if len(self.rooms) >= MAX_ROOMS:
            ended = [code for code, room in self.rooms.items() if room.phase == "ended"]
            if not ended:
                raise RoomError(f"rooms: {MAX_ROOMS} rooms are open; allowed: end one first", 429)
            self.close(ended[0])
        room = Room(room_scenario(scenario_ref, schools), scenario_ref)
        while room.code in self.rooms:
            room = Room(room.scenario, scenario_ref)
        self.rooms[room.code] = room
        self.locks[room.code] = threading.Lock()
        return room

    def close(self, code: str) -> None:
        """Forget a room."""
        self.rooms.pop(code, None)
        self.locks.pop(code, None)
        self._changed.pop(code, None)
        for key in [key for key in self._views if key[0] == code]:
            self._views.pop(key)

    def room(self, code: str) -> Room:
        """The room with this code, or a 404 :class:`RoomError`."""
        code = code.upper()
        if not CODE.fullmatch(code) or code not in self.rooms:
            raise RoomError(
                f"room: no room {code[:8]!r} on this server; allowed: the code on the screen", 404
            )
        return self.rooms[code]

    def lock(self, code: str) -> threading.Lock:
        """The room's lock (a closed room's pages get a fresh one: they are refused next)."""
        return self.locks.get(code) or threading.Lock()

    def event(self, code: str) -> asyncio.Event:
        """The event set at the room's next change (create it in the server's loop)."""
        if code not in self._changed:
            self._changed[code] = asyncio.Event()
        return self._changed[code]

    def notify(self, code: str) -> None:
        """Wake every page waiting on the room (call from the server's loop)."""
        event = self._changed.pop(code, None)
        if event is not None:
            event.set()

    def wake_all(self) -> None:
        """Answer every waiting page now (the server is stopping; call from its loop)."""
        self.closing = True
        for code in list(self._changed):
            self.notify(code)

    async def act(self, code: str, action, *args) -> Any:
        """Run ``action(room, *args)`` under the room's lock, off the loop; then wake pages."""
        room = self.room(code)
        lock = self.lock(room.code)

        def locked():
            with lock:
                return action(room, *args)

        version = room.version
        try:
            return await run_in_threadpool(locked)
        finally:
            if room.version != version:
                self.notify(room.code)

    def view_bytes(self, room: Room, role: str, seat: int | None) -> bytes:
        """A page's view as JSON; the room-wide views are built once per version.

        The timer's seconds left change without a new version, so they are added to the
        cached view at each request.
        """
        if role == "participant":
            return json.dumps(participant_view(room, seat)).encode()
        cached = self._views.get((room.code, role))
        if cached is None or cached[0] != room.version:
            view = room_view(room, role)
            view.pop("remaining")
            cached = (room.version, json.dumps(view).encode())
            self._views[(room.code, role)] = cached
        remaining = room_view_remaining(room)
        return cached[1][:-1] + b', "remaining": ' + json.dumps(remaining).encode() + b"}"

    def ensure_ticker(self) -> None:
        """Start the timer loop in the server's event loop (once)."""
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            for code, room in list(self.rooms.items()):
                if room.due():
                    with contextlib.suppress(RoomError):
                        await self.act(code, _run_due)


def _run_due(room: Room) -> None:
    if room.due():
        room.run_term()


HUB = Hub()


# --- helpers -----------------------------------------------------------------------------


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": " ".join(message.split())[:300]}, status, headers=NO_STORE)


async def _body(request: Request) -> bytes:
    """The request's body, refused (413) past :data:`MAX_MESSAGE_BYTES`, read no further."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_MESSAGE_BYTES):
        raise RoomError(f"message: too large; allowed: at most {MAX_MESSAGE_BYTES} bytes", 413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_MESSAGE_BYTES:
            raise RoomError(f"message: too large; allowed: at most {MAX_MESSAGE_BYTES} bytes", 413)
    return body


async def _message(request: Request) -> dict[str, Any]:
    """The request's JSON object, refused if too large or not an object."""
    body = await _body(request)
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RoomError("message: not JSON; allowed: a JSON object") from None
    if not isinstance(data, dict):
        raise RoomError("message: not a JSON object; allowed: a JSON object")
    return data


def _token(request: Request) -> str:
    return request.headers.get("x-room-token", "")


def _only(data: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise RoomError(
            f"{what}.{str(unknown[0])[:30]}: unknown field; allowed: {', '.join(allowed) or 'none'}"
        )


def _page(name: str) -> HTMLResponse:
    return HTMLResponse((PAGES / name).read_text(encoding="utf-8"), headers=NO_STORE)


def _handled(endpoint):
    """Turn a :class:`RoomError` into a one-line JSON error; start the timers."""

    async def wrapped(request: Request) -> Response:
        HUB.ensure_ticker()
        try:
            return await endpoint(request)
        except RoomError as err:
            return _error(str(err), err.status)

    return wrapped


def join_link(request: Request, code: str) -> str:
    """The participants' link to this room (the server's public address, else the request's)."""
    base = HUB.public_base or str(request.base_url)
    return f"{base.rstrip('/')}{PREFIX}/join?code={quote(code)}"


# --- pages -------------------------------------------------------------------------------


async def join_page(request: Request) -> Response:
    """The participant's page: join by code, then play (small screens first)."""
    return _page("join.html")


async def room_page(request: Request) -> Response:
    """The facilitator's page (its key after ``#key=``) and the observers' (``/watch``)."""
    return _page("room.html")


async def new_page(request: Request) -> Response:
    """GET: a form to open a room; POST: open it and go to the facilitator's page."""
    if request.method == "GET":
        return _page("new.html")
    form = await _message_form(request)
    scenario = form.get("scenario") or DEFAULT_SCENARIO
    shipped = sorted(path.stem for path in SCENARIO_DIR.glob("*.toml"))
    if scenario not in shipped:  # a visitor names a shipped scenario, never a file
        raise RoomError(f"scenario: {scenario[:40]!r}; allowed: {', '.join(shipped)}")
    room = await run_in_threadpool(HUB.open, scenario, _schools(form.get("schools")))
    return RedirectResponse(f"{PREFIX}/room/{room.code}#key={room.key}", status_code=303)


async def _message_form(request: Request) -> dict[str, str]:
    """A small URL-encoded form (the new-room page's), bounded like every message."""
    body = await _body(request)
    try:
        pairs = parse_qsl(body.decode("utf-8"), max_num_fields=4)
    except (UnicodeDecodeError, ValueError):
        raise RoomError("message: not a form; allowed: scenario and schools") from None
    return {key: value[:100] for key, value in pairs}


def _schools(text: Any) -> int | None:
    if text in (None, ""):
        return None
    if not str(text).isdigit() or not 1 <= int(text) <= MAX_SEATS:
        raise RoomError(f"schools: {str(text)[:10]!r}; allowed: 1 to {MAX_SEATS}")
    return int(text)


async def static(request: Request) -> Response:
    """The pages' scripts and style (a fixed list: nothing else of the package is served)."""
    name = request.path_params["name"]
    if name not in STATIC:
        return _error(f"file: {name[:40]!r} not found", 404)
    return Response((PAGES / name).read_bytes(), media_type=STATIC[name], headers=NO_STORE)


async def qr_code(request: Request) -> Response:
    """The join link as a QR code (SVG, drawn here: no network)."""
    import segno

    room = HUB.room(request.path_params["code"])
    buffer = io.BytesIO()
    segno.make(join_link(request, room.code), error="m").save(buffer, kind="svg", scale=8, border=2)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers=NO_STORE)


# --- the API -----------------------------------------------------------------------------


async def api_join(request: Request) -> Response:
    """A participant takes a seat: ``{name}`` → ``{token, seat, school}``."""
    code = request.path_params["code"]
    data = await _message(request)
    _only(data, ("name",), "join")
    seat, token = await HUB.act(code, lambda room: room.join(data.get("name")))
    return JSONResponse({"token": token, "seat": seat}, headers=NO_STORE)


async def api_observe(request: Request) -> Response:
    """An observer token, for a spectator page."""
    code = request.path_params["code"]
    data = await _message(request)
    _only(data, (), "observe")
    token = await HUB.act(code, Room.observe)
    return JSONResponse({"token": token}, headers=NO_STORE)


async def api_state(request: Request) -> Response:
    """The page's view, once the room's version passes ``since`` (long poll)."""
    room = HUB.room(request.path_params["code"])
    role, seat = room.role_of(_token(request))
    since_text = request.query_params.get("since", "-1")
    since = int(since_text) if re.fullmatch(r"-?\d{1,9}", since_text) else -1
    if since == room.version and not HUB.closing:
        event = HUB.event(room.code)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), POLL_SECONDS)
    lock = HUB.lock(room.code)

    def view() -> bytes:
        with lock:  # never a view of a term half run
            return HUB.view_bytes(room, role, seat)

    data = await run_in_threadpool(view)
    return Response(data, media_type="application/json", headers=NO_STORE)


async def api_decide(request: Request) -> Response:
    """A seated head's decision for the open term: ``{choice, attend, reflect}``."""
    code = request.path_params["code"]
    data = await _message(request)
    _only(data, ("choice", "attend", "reflect"), "decide")
    choice = data.get("choice", "hold")
    if choice not in CHOICES:
        raise RoomError(f"choice: {str(choice)[:20]!r}; allowed: raise, hold, lower")
    try:
        decision = Decision(choice, data.get("attend", True), data.get("reflect", False))
    except ValueError as err:
        raise RoomError(str(err)) from None
    token = _token(request)
    ran = await HUB.act(code, lambda room: room.decide(token, decision))
    return JSONResponse({"ok": True, "term_ran": ran}, headers=NO_STORE)


async def api_control(request: Request) -> Response:
    """A facilitator's action: ``{action, ...arguments}``."""
    code = request.path_params["code"]
    data = await _message(request)
    action = data.pop("action", None)
    token = _token(request)
    await HUB.act(code, lambda room: room.control(token, action, data))
    return JSONResponse({"ok": True}, headers=NO_STORE)


async def api_shock(request: Request) -> Response:
    """An inspection at one school or all (``{school: null}``), at the next term's start."""
    code = request.path_params["code"]
    data = await _message(request)
    _only(data, ("school",), "shock")
    token = _token(request)
    await HUB.act(code, lambda room: room.shock(token, data.get("school")))
    return JSONResponse({"ok": True}, headers=NO_STORE)


EXPORTS = {
    "series.csv": ("text/csv", lambda room: debrief.csv_bytes(debrief.series_frame(room))),
    "decisions.csv": ("text/csv", lambda room: debrief.csv_bytes(debrief.decisions_frame(room))),
    "record.json": ("application/json", debrief.record_bytes),
    "figure.png": ("image/png", debrief.figure_png),
}


async def api_export(request: Request) -> Response:
    """The debrief's files (facilitator or observer: participants see their school only)."""
    room = HUB.room(request.path_params["code"])
    role, _ = room.role_of(_token(request))
    if role == "participant":
        raise RoomError("export: the room's record is the facilitator's", 403)
    name = request.path_params["name"]
    if name not in EXPORTS:
        raise RoomError(f"export: {name[:30]!r}; allowed: {', '.join(EXPORTS)}", 404)
    media, build = EXPORTS[name]
    data = await HUB.act(room.code, build)
    disposition = f'attachment; filename="room-{room.code}-{name}"'
    return Response(
        data, media_type=media, headers={**NO_STORE, "Content-Disposition": disposition}
    )


async def api_link(request: Request) -> Response:
    """The room's join link, as the QR code gives it."""
    room = HUB.room(request.path_params["code"])
    return JSONResponse({"join": join_link(request, room.code)}, headers=NO_STORE)


async def home(request: Request) -> Response:
    """``/workshop/``: the join page."""
    return RedirectResponse(f"{PREFIX}/join", status_code=307)


def routes() -> list:
    """The workshop's routes, relative to :data:`PREFIX`."""
    api = "/api/{code}"
    return [
        Route("/", _handled(home)),
        Route("/join", _handled(join_page)),
        Route("/new", _handled(new_page), methods=["GET", "POST"]),
        Route("/room/{code}", _handled(room_page)),
        Route("/watch/{code}", _handled(room_page)),
        Route("/static/{name}", _handled(static)),
        Route("/qr/{code}.svg", _handled(qr_code)),
        Route(f"{api}/link", _handled(api_link)),
        Route(f"{api}/join", _handled(api_join), methods=["POST"]),
        Route(f"{api}/observe", _handled(api_observe), methods=["POST"]),
        Route(f"{api}/state", _handled(api_state)),
        Route(f"{api}/decide", _handled(api_decide), methods=["POST"]),
        Route(f"{api}/control", _handled(api_control), methods=["POST"]),
        Route(f"{api}/shock", _handled(api_shock), methods=["POST"]),
        Route(f"{api}/export/{{name}}", _handled(api_export)),
    ]


def mount(app: Starlette) -> Starlette:
    """Add the workshop's routes to ``app`` (the dashboard's), before its catch-all page."""
    if not any(getattr(route, "path", None) == PREFIX for route in app.router.routes):
        app.router.routes.insert(0, Mount(PREFIX, routes=routes()))
    return app


def build_app() -> Starlette:
    """The workshop alone (no dashboard): for tests and benchmarks."""
    return mount(Starlette())


def lan_address() -> str | None:
    """This machine's address on its local network, found without sending anything."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))  # UDP connect: picks a route, sends nothing
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def facilitator_link(base: str, room: Room) -> str:
    """The facilitator's link: the room's page with its secret key (after ``#``)."""
    return f"{base.rstrip('/')}{PREFIX}/room/{room.code}#key={room.key}"


def serve(
    scenario_ref: str = DEFAULT_SCENARIO,
    schools: int | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    log_level: str = "warning",
) -> None:
    """Serve the dashboard with a room open, printing the room's links once ready."""
    from leadsim.dashboard.server import address, app_server, configure, warm_up

    configure()
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    room = HUB.open(scenario_ref, schools)  # a bad scenario fails now, in one line
    print("leadsim workshop: readying the model…", flush=True)
    from leadsim.warmup import warm_up as ready_kernels

    ready_kernels(sys.stdout)
    warm_up()
    local = address(host, port)
    if host in ("0.0.0.0", "::"):  # noqa: S104
        lan = lan_address()
        HUB.public_base = f"http://{lan}:{port}/" if lan else None
    base = HUB.public_base or local
    print(f"leadsim workshop: room code: {room.code}", flush=True)
    print(f"  facilitator (keep it to yourself): {facilitator_link(local, room)}", flush=True)
    print(f"  join link: {base.rstrip('/')}{PREFIX}/join?code={room.code}", flush=True)
    print(f"  room code: {room.code}", flush=True)
    print(f"  dashboard: {local}", flush=True)
    app_server(host, port, log_level).run()

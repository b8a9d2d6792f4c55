"""The room's routes: roles checked server-side, forged and oversized messages refused."""

from __future__ import annotations

import re
import threading
import time
import urllib.request

import pytest
from room_client import api, call

from leadsim.workshop.limits import MAX_MESSAGE_BYTES
from leadsim.workshop.server import HUB


def open_room(url: str):
    request = urllib.request.Request(
        url + "/workshop/new", data=b"scenario=learning_group", method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        final = response.url  # the redirect is followed; the key stays in the fragment
    code = re.search(r"/room/(\w+)", final).group(1)
    return HUB.rooms[code]


def test_pages_and_assets_are_served(workshop):
    for path in (
        "/workshop/join",
        "/workshop/new",
        "/workshop/static/room.js",
        "/workshop/static/workshop.css",
    ):
        status, _ = call(workshop, path)
        assert status == 200, path
    status, _ = call(workshop, "/workshop/static/..%2Fserver.py")
    assert status == 404


def test_new_room_redirects_to_the_facilitator_page_with_its_key(workshop):
    request = urllib.request.Request(workshop + "/workshop/new", data=b"schools=3", method="POST")
    opener = urllib.request.build_opener(NoRedirect())
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(request, timeout=30)
    location = err.value.headers["location"]
    code = re.fullmatch(r"/workshop/room/(\w+)#key=(.+)", location).group(1)
    room = HUB.rooms[code]
    assert location.endswith(room.key) and len(room.seats) == 3
    status, svg = call(workshop, f"/workshop/qr/{code}.svg")
    assert status == 200 and svg.startswith(b"<?xml") and b"<svg" in svg
    status, link = call(workshop, api(code, "/link"))
    assert "/workshop/join?code=" + code in link["join"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_participant_cannot_act_on_the_room_or_another_seat(workshop):
    room = open_room(workshop)
    code = room.code
    _, ann = call(workshop, api(code, "/join"), body={"name": "Ann"})
    _, bob = call(workshop, api(code, "/join"), body={"name": "Bob"})
    assert (ann["seat"], bob["seat"]) == (0, 1)
    for body in ({"action": "start"}, {"action": "next"}, {"action": "end"}):
        status, answer = call(workshop, api(code, "/control"), ann["token"], body)
        assert status == 403 and "facilitator" in answer["error"]
    status, _ = call(workshop, api(code, "/shock"), ann["token"], {"school": 1})
    assert status == 403
    # a seat field is not part of a decision: the token alone says whose seat it is
    status, answer = call(
        workshop, api(code, "/decide"), ann["token"], {"choice": "lower", "seat": 1}
    )
    assert status == 400 and "seat" in answer["error"]
    for token in ("", "x" * 22, room.key, bob["token"] + "x"):
        status, _ = call(workshop, api(code, "/decide"), token, {"choice": "lower"})
        assert status == 403
    status, _ = call(workshop, api(code, "/export/record.json"), ann["token"])
    assert status == 403
    status, view = call(workshop, api(code, "/state"), ann["token"])
    assert status == 200 and view["seat"] == 0 and "schools" not in view and "Bob" not in str(view)
    assert room.key not in str(view) and bob["token"] not in str(view)
    assert room.pending == {} and room.phase == "lobby"


def test_forged_and_oversized_messages_are_refused_in_one_line(workshop):
    room = open_room(workshop)
    code = room.code
    cases = [
        (b"x" * (MAX_MESSAGE_BYTES + 1), 413),
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'{"name": "Ann", "admin": true}', 400),
        (b'{"name": "<b>Ann</b>"}', 400),
    ]
    for raw, expected in cases:
        status, answer = call(workshop, api(code, "/join"), raw=raw)
        assert status == expected, raw[:20]
        assert "\n" not in answer["error"] and len(answer["error"]) <= 300
    status, _ = call(workshop, api("ZZZZZZ", "/join"), body={"name": "Ann"})
    assert status == 404
    status, _ = call(
        workshop, api(code, "/control"), room.key, {"action": "settings", "term_weeks": 99}
    )
    assert status == 400
    status, _ = call(
        workshop, api(code, "/control"), room.key, {"action": "settings", "term_weeks": 2}
    )
    assert status == 200 and room.term_weeks == 2
    assert room.seated() == []


def test_a_waiting_page_hears_of_a_term_within_a_second(workshop):
    room = open_room(workshop)
    code = room.code
    _, ann = call(workshop, api(code, "/join"), body={"name": "Ann"})
    call(workshop, api(code, "/control"), room.key, {"action": "start"})
    _, view = call(workshop, api(code, "/state"), room.key)
    heard = {}

    def wait() -> None:
        _, later = call(workshop, api(code, f"/state?since={view['version']}"), room.key)
        heard["at"], heard["view"] = time.monotonic(), later

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.5)
    sent = time.monotonic()
    status, answer = call(
        workshop, api(code, "/decide"), ann["token"], {"choice": "raise", "attend": False}
    )
    assert status == 200 and answer["term_ran"]
    waiter.join(timeout=10)
    assert heard["view"]["week"] == 4
    assert heard["at"] - sent < 1.0


def test_the_timer_runs_the_term(workshop):
    room = open_room(workshop)
    call(workshop, api(room.code, "/join"), body={"name": "Ann"})
    room.timer = 1  # below the facilitator's bound, to keep the test short
    status, _ = call(workshop, api(room.code, "/control"), room.key, {"action": "start"})
    assert status == 200
    deadline = time.monotonic() + 5
    while room.run.week == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert room.run.week == 4 and room.terms[0]["entries"][0]["choice"] == "hold"


def test_workshop_command_opens_a_room_on_the_dashboard_server(served):
    out, base = served["output"], served["url"]
    code = re.search(r"room code: ([A-Z0-9]{4,8})\n", out).group(1)
    facilitator = re.search(r"facilitator.*: (http\S+#key=\S+)", out).group(1)
    join = re.search(r"join link: (http\S+)", out).group(1)
    assert "join" in join and code in join
    assert call(base, facilitator.split("#")[0].replace(base, ""))[0] == 200
    status, answer = call(base, api(code, "/join"), body={"name": "Ann"})
    assert status == 200 and answer["seat"] == 0
    key = facilitator.split("#key=")[1]
    assert call(base, api(code, "/control"), key, {"action": "next"})[0] == 200
    assert call(base, api(code, "/state"), answer["token"])[1]["week"] == 4
    assert call(base, "/")[0] == 200  # the dashboard itself, on the same server


def test_help_loads_no_engine():
    import subprocess
    import sys

    code = (
        "import sys\nfrom leadsim.cli import main\ntry:\n    main(['workshop', '--help'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('numba', 'pandas', 'matplotlib', 'leadsim.engine') if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
    assert "--schools" in done.stdout


def test_a_large_body_without_a_declared_length_is_cut_off(workshop):
    import http.client
    import json
    from urllib.parse import urlsplit

    room = open_room(workshop)
    where = urlsplit(workshop)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    chunks = iter([b'{"name": "', b"A" * MAX_MESSAGE_BYTES, b'"}'])
    connection.request("POST", api(room.code, "/join"), body=chunks, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413 and "too large" in json.loads(response.read())["error"]
    assert room.seated() == []


def test_a_visitor_opens_rooms_of_shipped_scenarios_only(workshop):
    for scenario in ("/etc/passwd", "../scenarios/learning_group.toml", "abdication.toml"):
        request = urllib.request.Request(
            workshop + "/workshop/new", data=f"scenario={scenario}".encode(), method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=30)
        assert err.value.code == 400 and "allowed" in err.value.read().decode()
    assert HUB.rooms == {}

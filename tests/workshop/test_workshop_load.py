"""A full room under load, over HTTP: 12 seats and 30 observers waiting on the room.

Each page is a thread that long-polls the room, as the pages do. After each 4-week
term, every page must hear of it within a second. (The same with 43 Chromium pages:
``benchmarks/workshop_load.py``, figures in ``benchmarks/workshop-load-2cores.json``.)
"""

from __future__ import annotations

import threading
import time

from room_client import api, call

from leadsim.workshop.server import HUB

SEATS, OBSERVERS, TERMS = 12, 30, 3


def test_twelve_seats_and_thirty_observers_are_current_within_a_second(workshop):
    room = HUB.open(schools=SEATS)
    code = room.code
    seats = [
        call(workshop, api(code, "/join"), body={"name": f"Head {k}"})[1]["token"]
        for k in range(SEATS)
    ]
    watchers = [
        call(workshop, api(code, "/observe"), body={})[1]["token"] for _ in range(OBSERVERS)
    ]
    assert call(workshop, api(code, "/observe"), body={})[0] == 200  # the cap is above 30
    heard: dict[tuple[int, int], float] = {}  # (page, week) -> when it first heard
    errors: list[str] = []
    stop = threading.Event()

    def page(index: int, token: str) -> None:
        since = -1
        while not stop.is_set():
            status, view = call(workshop, api(code, f"/state?since={since}"), token, timeout=30)
            if status != 200:
                errors.append(f"{index}: {status} {view}")
                return
            since = view["version"]
            heard.setdefault((index, view["week"]), time.monotonic())

    threads = [
        threading.Thread(target=page, args=(k, token), daemon=True)
        for k, token in enumerate(seats + watchers)
    ]
    for thread in threads:
        thread.start()
    call(workshop, api(code, "/control"), room.key, {"action": "start"})
    lags = []
    for term in range(TERMS):
        for token in seats[:-1]:
            assert call(workshop, api(code, "/decide"), token, {"choice": "raise"})[0] == 200
        sent = time.monotonic()
        status, answer = call(workshop, api(code, "/decide"), seats[-1], {"choice": "lower"})
        assert status == 200 and answer["term_ran"]
        week = 4 * (term + 1)
        deadline = sent + 5
        while time.monotonic() < deadline and not all(
            (k, week) in heard for k in range(len(threads))
        ):
            time.sleep(0.02)
        lags.append(max(heard[(k, week)] - sent for k in range(len(threads))))
    stop.set()
    call(workshop, api(code, "/control"), room.key, {"action": "end"})  # wakes every waiter
    assert errors == []
    assert max(lags) < 1.0, lags

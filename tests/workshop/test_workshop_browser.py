"""A facilitator and six participants play a room in Chromium, offline.

Each participant joins by code on a phone-sized page, plays three terms of four
weeks, and their decisions must appear in their own school's series and nowhere
else. A participant tries to act on the room and on another seat from the page; one
drops and rejoins their seat; one goes offline for a term. No request leaves the
machine.
"""

from __future__ import annotations

import numpy as np
import pytest
from room_browsing import decide, new_page, shot, wait_week

from leadsim.workshop.server import HUB
from leadsim.workshop.simulation import TARGET_STEP

pytestmark = pytest.mark.browser

PARTICIPANTS = 6
TERMS = 3
CHOICES = ("raise", "lower", "hold")


def plan(k: int, term: int) -> tuple[str, bool, bool]:
    """Participant k's decision in a term: each seat its own pattern."""
    return CHOICES[(k + term) % 3], (k + term) % 2 == 0, k == term


def test_six_participants_play_three_terms_offline(workshop, browser):
    opened = []
    try:
        context, facilitator, fguard = new_page(browser)
        opened.append((context, fguard))
        facilitator.goto(f"{workshop}/workshop/new")
        facilitator.click("#open-room")
        facilitator.wait_for_url("**/workshop/room/**")
        facilitator.wait_for_function("() => document.body.dataset.version !== undefined")
        code = facilitator.inner_text("#room-code").strip()
        room = HUB.rooms[code]
        assert room.key not in facilitator.inner_text("body")  # the key is in the address only
        start_targets = room.run.engine.target.copy()

        pages, guards, contexts = [], [], []
        for k in range(PARTICIPANTS):
            context, page, guard = new_page(browser, phone=True)
            opened.append((context, guard))
            page.goto(f"{workshop}/workshop/join")
            page.fill("#code", code.lower())  # typed as it comes: the page capitalises
            page.fill("#name", f"Head {k}")
            page.click("#join")
            page.wait_for_function(
                "() => document.getElementById('school').textContent.startsWith('You are the head of')"
            )
            pages.append(page)
            guards.append(guard)
            contexts.append(context)
        schools = [page.inner_text("#school") for page in pages]
        assert len(set(schools)) == PARTICIPANTS
        assert [seat.name for seat in room.seats] == [f"Head {k}" for k in range(PARTICIPANTS)]

        # forged from a participant's page: the room's controls, and another seat
        forged = pages[0].evaluate(
            """async (code) => {
              const token = localStorage.getItem('leadsim-workshop-' + code);
              const post = (path, body) => fetch('/workshop/api/' + code + path, {method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-Room-Token': token},
                body: JSON.stringify(body)}).then((r) => r.status);
              return [await post('/control', {action: 'next'}),
                      await post('/control', {action: 'end'}),
                      await post('/shock', {school: null}),
                      await post('/decide', {choice: 'lower', seat: 1}),
                      await post('/decide', {choice: 'lower', token: 'other'})];
            }""",
            code,
        )
        assert forged == [403, 403, 403, 400, 400]
        assert room.phase == "lobby" and room.pending == {} and room.pending_shocks == []
        guards[0].failed.clear()  # those refusals were the point

        facilitator.click("#start")
        facilitator.wait_for_function(
            "() => document.getElementById('phase').textContent.includes('Term 1')"
        )
        for term in range(TERMS):
            if term == 1:  # participant 2 drops (closes the page) and rejoins their seat
                pages[2].close()
                pages[2] = contexts[2].new_page()
                guards[2].watch(pages[2])
                pages[2].goto(f"{workshop}/workshop/join")
                pages[2].wait_for_function(
                    "(school) => document.getElementById('school').textContent === school",
                    arg=schools[2],
                )
            for k, page in enumerate(pages):
                if term == 2 and k == 3:
                    contexts[3].set_offline(True)  # participant 3 loses the network this term
                    continue
                decide(page, *plan(k, term))
            if term == 2:
                assert room.run.week == 8  # waiting for participant 3
                facilitator.click("#next")  # the facilitator moves on: participant 3 holds
            for page in [facilitator, *pages[:3], *pages[4:]]:
                wait_week(page, 4 * (term + 1))
        contexts[3].set_offline(False)
        wait_week(pages[3], 12)
        shot(facilitator, "facilitator_after_three_terms")
        shot(pages[0], "participant_after_three_terms")

        # each participant's decisions are in their school's series, and nowhere else
        series = room.run.series()
        for k in range(PARTICIPANTS):
            target = start_targets[k]
            attend = True
            for term in range(TERMS):
                choice, attend_now, reflect = plan(k, term)
                if term == 2 and k == 3:
                    choice, attend_now, reflect = "hold", attend, False
                target = float(
                    np.clip(
                        target + {"raise": TARGET_STEP, "lower": -TARGET_STEP, "hold": 0}[choice],
                        0,
                        1,
                    )
                )
                attend = attend_now
                weeks = slice(4 * term, 4 * term + 4)
                assert np.allclose(series["target"][weeks, k], target), (k, term)
                assert series["attended"][4 * term, k] == attend, (k, term)
                entry = next(e for e in room.terms[term]["entries"] if e["seat"] == k)
                assert (entry["choice"], entry["attend"], entry["reflect"]) == (
                    choice,
                    attend_now,
                    reflect,
                )
            history = pages[k].locator("#history li").all_inner_texts()
            assert len(history) == TERMS
            text = pages[k].inner_text("body")
            others = [f"Head {j}" for j in range(PARTICIPANTS) if j != k]
            assert not any(name in text for name in others)  # a participant sees their school only
        assert facilitator.locator(".school").count() == PARTICIPANTS
        for _, guard in opened:
            guard.assert_clean()
    finally:
        for context, _ in opened:
            context.close()

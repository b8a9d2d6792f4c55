"""A head's phone dies: the facilitator frees the seat, and the head joins again elsewhere."""

from __future__ import annotations

import pytest
from room_browsing import new_page
from room_client import api, call

from leadsim.workshop.server import HUB

pytestmark = pytest.mark.browser


def test_free_seat_lets_a_head_join_again_from_another_device(workshop, browser):
    context, facilitator, guard = new_page(browser)
    phone_context, phone, phone_guard = new_page(browser, phone=True)
    try:
        facilitator.goto(f"{workshop}/workshop/new")
        facilitator.click("#open-room")
        facilitator.wait_for_url("**/workshop/room/**")
        code = facilitator.inner_text("#room-code").strip()
        status, joined = call(workshop, api(code, "/join"), body={"name": "Ann"})
        assert status == 200 and joined["seat"] == 0
        facilitator.wait_for_selector('#schools [data-school="0"] .release')
        facilitator.once("dialog", lambda dialog: dialog.accept())
        facilitator.click('#schools [data-school="0"] .release')
        facilitator.wait_for_function(
            "() => document.querySelector('#schools [data-school=\"0\"]').textContent"
            ".includes('(seat free)')"
        )
        status, refused = call(workshop, api(code, "/decide"), joined["token"], {"choice": "hold"})
        assert status == 403, refused  # the dead phone's token no longer acts
        phone.goto(f"{workshop}/workshop/join?code={code}")  # another device
        phone.fill("#name", "Ann")
        phone.click("#join")
        phone.wait_for_function("() => document.body.textContent.includes('You are the head of')")
        assert HUB.room(code).seats[0].token is not None and HUB.room(code).seated() == [0]
        guard.assert_clean()
        phone_guard.assert_clean()
    finally:
        context.close()
        phone_context.close()

"""The dashboard's "Workshop room" button opens a room on the dashboard's own server."""

from __future__ import annotations

import re

import pytest
from room_browsing import new_page

pytestmark = pytest.mark.browser


def test_dashboard_button_opens_a_room_on_the_same_server(served, browser):
    context, page, guard = new_page(browser)
    try:
        page.goto(served["url"] + "/")
        button = page.locator(".leadsim-workshop-link")
        button.wait_for(timeout=90_000)
        assert button.get_attribute("href") == "/workshop/new"
        with context.expect_page() as opened:
            button.click()
        room_page = opened.value
        guard.watch(room_page)
        room_page.wait_for_selector("#open-room")
        room_page.click("#open-room")
        room_page.wait_for_url(re.compile(r".*/workshop/room/\w+#key=.+"))
        room_page.wait_for_function("() => document.body.dataset.version !== undefined")
        code = room_page.inner_text("#room-code").strip()
        assert re.fullmatch(r"[A-Z0-9]{4,8}", code)
        assert room_page.locator("#controls").is_visible()  # the facilitator's, with the key
        assert room_page.locator("#qr").evaluate("(img) => img.complete && img.naturalWidth > 0")
        assert served["url"] in room_page.inner_text("#join-link")
        guard.assert_clean()
    finally:
        context.close()

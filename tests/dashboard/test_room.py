"""The dashboard in a real room: every school reachable, at the projector's size and the students'."""

from __future__ import annotations

import pytest
from browsing import open_page, shot, wait_week

pytestmark = pytest.mark.browser

TWELVE = 'title = "Twelve schools"\nseed = 4\norganisations = 12\n[parameters]\nn_staff = 20\n'


@pytest.mark.parametrize(("width", "height", "large"), [(1280, 720, True), (1400, 900, False)])
def test_every_one_of_twelve_schools_can_be_chosen(
    dashboard, browser, tmp_path, width, height, large
):
    context, page, guard = open_page(browser, dashboard["url"], viewport=(width, height))
    try:
        if large:
            page.click(".leadsim-large-toggle input")
        path = tmp_path / "twelve.toml"
        path.write_text(TWELVE)
        page.set_input_files(".leadsim-upload-input", str(path))
        page.wait_for_function(
            "() => document.querySelector('.leadsim-story-title')?.textContent === 'Twelve schools'"
        )
        wait_week(page, 0)
        buttons = page.locator(".leadsim-organisation-picker button")
        assert buttons.count() == 12
        picker = page.locator(".leadsim-organisation-picker")
        # no row that runs off the side: a visitor cannot scroll a toggle row sideways
        assert picker.evaluate("(e) => e.scrollWidth <= e.clientWidth + 1")
        main = page.locator(".leadsim-main").bounding_box()
        for k in range(12):
            button = buttons.nth(k)
            box = button.bounding_box()
            assert box["x"] >= main["x"] - 1, (k, box, main)
            assert box["x"] + box["width"] <= main["x"] + main["width"] + 1, (k, box, main)
            button.click()
            page.wait_for_function(
                "(k) => document.querySelector('.leadsim-organisation-picker .v-btn--active')"
                "?.textContent.trim() === 'School ' + k",
                arg=k + 1,
            )
        shot(page, f"twelve_schools_{width}x{height}")
        guard.assert_clean()
    finally:
        context.close()

"""Hostile or mistyped uploads: each is one line in the page, and the run goes on."""

from __future__ import annotations

import pytest
from browsing import open_page, step, week

pytestmark = pytest.mark.browser

CASES = {
    "deep.toml": (
        "title = " + "[" * 500 + "]" * 500 + "\n",
        "deep.toml: line 1: arrays or tables nested too deep",
    ),
    "long.toml": (
        "seed = " + "9" * 5000 + "\n",
        "long.toml: line 1 (seed): a number of 5000 digits",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_upload_is_one_line_and_the_run_goes_on(dashboard, browser, tmp_path, name):
    context, page, guard = open_page(browser, dashboard["url"])
    try:
        step(page, 2)
        text, expected = CASES[name]
        path = tmp_path / name
        path.write_text(text)
        page.set_input_files(".leadsim-upload-input", str(path))
        error = page.wait_for_selector(".leadsim-upload-error", timeout=20_000)
        shown = error.inner_text().strip().removeprefix("⚠ ")
        assert shown.startswith(expected), shown
        assert "\n" not in shown and "allowed:" in shown
        assert week(page) == 2
        step(page, 1)  # the page still works
        guard.assert_clean()
    finally:
        context.close()

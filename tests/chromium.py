"""Debian's Chromium under Playwright, one for the whole test session.

The dashboard's and the workshop's browser tests both need a browser. Playwright's
sync API runs an event loop of its own, and a second ``sync_playwright()`` started
while the first is alive fails ("Sync API inside the asyncio loop"), so both
``browser`` fixtures take this one (started at first use, closed at the session's end).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_started: dict[str, Any] = {}


def available() -> bool:
    """Whether Debian's Chromium is installed (apt-get install chromium)."""
    return CHROMIUM.exists()


def launch() -> Any:
    """The session's headless Chromium (a Playwright ``Browser``), started once."""
    if "browser" not in _started:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _started["playwright"] = playwright
        _started["browser"] = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
    return _started["browser"]


def close() -> None:
    """Close the browser and Playwright (again: nothing to do)."""
    browser, playwright = _started.pop("browser", None), _started.pop("playwright", None)
    if browser is not None:
        browser.close()
    if playwright is not None:
        playwright.stop()

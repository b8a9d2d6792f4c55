"""Debian's Chromium under Playwright, one for the whole test session.

The dashboard's and the workshop's browser tests both need a browser. Playwright's
sync API runs an event loop of its own, and a second ``sync_playwright()`` started
while the first is alive fails ("Sync API inside the asyncio loop"), so both
``browser`` fixtures take this one (started at first use, closed at the session's end).
Both keep their pages offline with :class:`Guard`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Guard:
    """Aborts and counts requests leaving this machine; records error responses and page errors."""

    def __init__(self, context) -> None:
        self.external: list[str] = []
        self.failed: list[tuple[int, str]] = []
        self.page_errors: list[str] = []
        context.route("**/*", self._route)
        context.on("response", self._response)

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append((response.status, response.url))

    def watch(self, page) -> None:
        """Also count a page's websockets to anything but this machine, and its errors."""
        page.on(
            "websocket",
            lambda ws: (
                urlsplit(ws.url).hostname not in LOCAL_HOSTS and self.external.append(ws.url)
            ),
        )
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def assert_clean(self) -> None:
        """Nothing left the machine, nothing failed."""
        assert self.external == [], f"requests to other machines: {self.external}"
        assert self.failed == [], f"responses with an error status: {self.failed}"
        assert self.page_errors == [], f"errors in the page: {self.page_errors}"


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

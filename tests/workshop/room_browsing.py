"""Helpers for the workshop's browser tests: a network guard and page actions."""

from __future__ import annotations

from pathlib import Path

from chromium import Guard

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "workshop"


def new_page(browser, *, phone: bool = False):
    """A fresh browser context (its own storage, like its own device): (context, page, guard)."""
    size = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
    context = browser.new_context(viewport=size)
    guard = Guard(context)
    page = context.new_page()
    guard.watch(page)
    return context, page, guard


def wait_week(page, week: int, timeout: float = 30_000) -> None:
    """Wait until the page shows the room at ``week``."""
    page.wait_for_function(
        "(week) => Number(document.body.dataset.week) === week", arg=week, timeout=timeout
    )


def decide(page, choice: str, attend: bool, reflect: bool) -> None:
    """Make a decision on a participant's page and send it."""
    page.click(f".choice[data-choice={choice}]")
    page.set_checked("#attend", attend)
    page.set_checked("#reflect", reflect)
    with page.expect_response("**/decide") as answer:
        page.click("#decide")
    assert answer.value.ok, answer.value.text()


def shot(page, name: str) -> Path:
    """A screenshot into the artifact folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

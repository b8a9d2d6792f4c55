"""Exports reach the visitor: the browser receives each file, and its content is the run."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from browsing import open_page, step

from leadsim.engine.metrics import METRICS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def visitor(dashboard, browser):
    """A page of its own, 12 weeks into the default scenario (one school)."""
    context, page, guard = open_page(browser, dashboard["url"])
    step(page, 12)
    yield page, guard
    context.close()


def _download(page, label: str):
    with page.expect_download(timeout=30_000) as info:
        page.locator(".leadsim-download", has_text=label).click()
    download = info.value
    return download.suggested_filename, download.path().read_bytes()


def test_the_metrics_arrive_as_a_csv_of_the_weeks_run(visitor):
    page, guard = visitor
    name, data = _download(page, "Metrics per week (CSV)")
    assert name.endswith("_metrics.csv")
    table = pd.read_csv(io.BytesIO(data))
    assert table["step"].tolist() == list(range(12))  # a row per week (one organisation)
    assert table["organisation"].unique().tolist() == [0]
    assert set(METRICS) <= set(table.columns)
    assert table["distribution_index"].between(0, 1).all()
    # a second export, a week later, is the new run, not the old file
    step(page, 1)
    _, again = _download(page, "Metrics per week (CSV)")
    assert pd.read_csv(io.BytesIO(again))["step"].tolist() == list(range(13))
    guard.assert_clean()


def test_the_figure_arrives_as_a_png_of_the_run(visitor):
    from matplotlib import image

    page, guard = visitor
    name, data = _download(page, "Figure of the run (PNG)")
    assert name.endswith(".png") and data[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = image.imread(io.BytesIO(data), format="png")
    height, width = pixels.shape[:2]
    assert width > 400 and height > 300
    assert pixels.std() > 0.05  # a drawn figure, not a blank image
    guard.assert_clean()

"""Fixtures for the sweep tests: a folder with a small base scenario, and a small grid."""

from __future__ import annotations

from pathlib import Path

import pytest
from experiment_files import BASE_SCENARIO, GRID, write


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A folder with the base scenario ``base.toml`` in it."""
    write(tmp_path, "base.toml", BASE_SCENARIO)
    return tmp_path


@pytest.fixture
def grid(lab: Path) -> Path:
    """A 2 × 2 × 2 grid with 3 replicates (24 runs, 6 batches of 4)."""
    return write(lab, "grid.toml", GRID)

"""Tiny scenario and experiment files for the sweep tests (12–20 staff, 20–30 weeks).

Imported by name from the tests (a module name of its own: every test folder has a
``conftest``, and they would shadow each other).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

BASE_SCENARIO = """
title = "A small school for tests"
seed = 1
horizon = 30
[parameters]
policy = "integrated"
approach = "quick_fix"
n_staff = 16
"""

GRID = """
scenario = "base.toml"
replicates = 3
seed = 11
batch_size = 4
[factors]
policy = ["delegating", "integrated"]
approach = ["quick_fix", "cycles"]
containment = [0.3, 0.7]
[output]
every = 5
series = ["distribution_index", "anxiety", "trust", "leader_anxiety"]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path

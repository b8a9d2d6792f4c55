"""External test models for the failure paths (imported by name in experiment files)."""

from __future__ import annotations

import math
import os
import signal

import pandas as pd

from leadsim.engine.extensions import Extension
from leadsim.experiments import external_model


@external_model
def fragile(points):
    """y = x, except that x = 3 raises and x = 4 gives a non-finite output."""
    ys = []
    for point in points:
        if point["x"] == 3:
            raise RuntimeError("x = 3 breaks the model")
        ys.append(math.inf if point["x"] == 4 else point["x"] * 2.0)
    return pd.DataFrame({"y": ys})


@external_model
def dies_once(points):
    """y = 2x, but the worker process is killed (SIGKILL) at x = 7 while a marker file exists.

    The marker is named by ``LEADSIM_TEST_KILL`` and removed before the kill, so the
    same sweep resumed afterwards runs through.
    """
    marker = os.environ.get("LEADSIM_TEST_KILL")
    if marker and any(point["x"] == 7 for point in points) and os.path.exists(marker):
        os.remove(marker)
        os.kill(os.getpid(), signal.SIGKILL)
    return pd.DataFrame({"y": [point["x"] * 2.0 for point in points]})


@external_model
def seeded(points, seeds):
    """Echoes each run's seed (checks that seeds reach a model that asks for them)."""
    return pd.DataFrame(
        {"seed_seen": [float(s % 1000) for s in seeds], "x2": [p["x"] for p in points]}
    )


class RebuildContainmentInReflection(Extension):
    """An extension (leadsim.engine.extensions): reflection weeks rebuild containment."""

    def after_reflection(self, engine):
        engine.containment = engine.containment + 0.3 * engine.reflecting * (
            1.0 - engine.containment
        )

"""External test models for the failure paths (imported by name in experiment files)."""

from __future__ import annotations

import math

import pandas as pd


def fragile(points):
    """y = x, except that x = 3 raises and x = 4 gives a non-finite output."""
    ys = []
    for point in points:
        if point["x"] == 3:
            raise RuntimeError("x = 3 breaks the model")
        ys.append(math.inf if point["x"] == 4 else point["x"] * 2.0)
    return pd.DataFrame({"y": ys})


def seeded(points, seeds):
    """Echoes each run's seed (checks that seeds reach a model that asks for them)."""
    return pd.DataFrame(
        {"seed_seen": [float(s % 1000) for s in seeds], "x2": [p["x"] for p in points]}
    )


class RebuildContainmentInReflection:
    """An extension (leadsim.engine.extensions): reflection weeks rebuild containment."""

    def after_reflection(self, engine):
        engine.containment = engine.containment + 0.3 * engine.reflecting * (
            1.0 - engine.containment
        )

"""Models a sweep can evaluate besides the leadsim engine, named ``"module:function"``.

An external model is a function taking a list of factor dicts (one per run) and
returning a table with one row per run and one column per output; if it accepts a
``seeds`` keyword it also receives each run's seed, and it is marked with
:func:`~leadsim.experiments.references.external_model` (a file may name no other
function). It goes through the same design, dispatch, storage and analysis as the
engine does, which is how the sensitivity analysis is checked against known answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from leadsim.experiments.references import external_model

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1
# Analytical Sobol indices of the Ishigami function for a = 7, b = 0.1 (Sobol' & Levitan 1999).
ISHIGAMI_FIRST_ORDER = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_TOTAL_ORDER = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


@external_model
def ishigami(points: Sequence[Mapping[str, float]]) -> pd.DataFrame:
    """The Ishigami function ``sin x1 + a sin² x2 + b x3⁴ sin x1`` (x in [-π, π]³).

    A standard test of sensitivity analysis: its Sobol indices are known exactly
    (:data:`ISHIGAMI_FIRST_ORDER`, :data:`ISHIGAMI_TOTAL_ORDER`).
    """
    x1, x2, x3 = (
        np.array([p[name] for p in points], dtype=np.float64) for name in ("x1", "x2", "x3")
    )
    y = np.sin(x1) + ISHIGAMI_A * np.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * np.sin(x1)
    return pd.DataFrame({"y": y})

"""Sensitivity indices of a Sobol or Morris sweep, with confidence intervals (SALib).

The design's points are rebuilt from the experiment (the sampler is seeded from the
master seed), each point's output is the mean over its replicates and organisations
(a stochastic model's expected output), and SALib's ``analyze`` does the rest: the
same path for the leadsim engine and for an external test function.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from leadsim.experiments.design import design_points, salib_problem, sample_matrix, sampler_seed
from leadsim.experiments.spec import Experiment

RESAMPLES = 200
CONFIDENCE = 0.95


def point_outputs(
    experiment: Experiment, runs: pd.DataFrame, outputs: Sequence[str]
) -> pd.DataFrame:
    """Each design point's mean output over replicates and organisations (NaN if none ok)."""
    n_points = len(design_points(experiment))
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[list(outputs)].agg(lambda s: s.astype(float).mean())
    return means.reindex(range(n_points))


def sensitivity_indices(
    experiment: Experiment, runs: pd.DataFrame, outputs: Sequence[str]
) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (μ*, σ) indices of each factor on each output.

    Args:
        experiment: A ``sobol`` or ``morris`` experiment.
        runs: Its runs table (all statuses; only ``ok`` runs count).
        outputs: Per-run output columns to analyse (booleans become probabilities).

    Returns:
        Tidy rows: ``output``, ``factor`` and, for Sobol, ``S1``, ``S1_conf``, ``ST``,
        ``ST_conf``; for Morris, ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``. The
        ``_conf`` columns are half-widths of 95 % bootstrap intervals. Outputs with a
        design point without any ``ok`` run are left out (SALib needs every point).
    """
    from SALib.analyze import morris, sobol

    if experiment.method not in ("sobol", "morris"):
        raise ValueError(f"design.method: {experiment.method!r} has no sensitivity indices")
    problem = salib_problem(experiment)
    seed = sampler_seed(experiment.seed)
    means = point_outputs(experiment, runs, outputs)
    X = sample_matrix(experiment)  # the sampler's own values (Morris reads its steps off them)
    rows = []
    for output in outputs:
        Y = means[output].to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(Y)):
            continue
        if experiment.method == "sobol":
            result = sobol.analyze(
                problem,
                Y,
                calc_second_order=experiment.second_order,
                num_resamples=RESAMPLES,
                conf_level=CONFIDENCE,
                seed=seed,
            )
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            result = morris.analyze(
                problem,
                X,
                Y,
                num_resamples=RESAMPLES,
                conf_level=CONFIDENCE,
                num_levels=experiment.levels,
                seed=seed,
            )
            keys = ("mu", "mu_star", "mu_star_conf", "sigma")
        for k, factor in enumerate(problem["names"]):
            row = {"output": output, "factor": factor}
            row.update({key: float(np.asarray(result[key])[k]) for key in keys})
            rows.append(row)
    return pd.DataFrame(rows)

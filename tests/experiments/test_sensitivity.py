"""Sobol and Morris through the sweep's own path recover what is known of the Ishigami function."""

from __future__ import annotations

import pytest
from experiment_files import write

from leadsim.analysis import load_sweep, sensitivity_indices, write_report
from leadsim.experiments import run_sweep
from leadsim.experiments.models import ISHIGAMI_FIRST_ORDER, ISHIGAMI_TOTAL_ORDER

ISHIGAMI = """
model = "leadsim.experiments.models:ishigami"
seed = 2024
batch_size = 2048
[design]
method = "{method}"
samples = {samples}
[factors]
x1 = {{ low = -3.141592653589793, high = 3.141592653589793 }}
x2 = {{ low = -3.141592653589793, high = 3.141592653589793 }}
x3 = {{ low = -3.141592653589793, high = 3.141592653589793 }}
"""


def _sweep(lab, method, samples):
    path = write(lab, f"{method}.toml", ISHIGAMI.format(method=method, samples=samples))
    run_sweep(path, lab / method, workers=1)
    return load_sweep(lab / method)


def test_sobol_recovers_the_ishigami_indices(lab):
    sweep = _sweep(lab, "sobol", 2048)
    assert len(sweep.runs) == 2048 * 5
    indices = sensitivity_indices(sweep.experiment, sweep.runs, ["y"]).set_index("factor")
    for factor in ("x1", "x2", "x3"):
        assert indices.loc[factor, "S1"] == pytest.approx(ISHIGAMI_FIRST_ORDER[factor], abs=0.04)
        assert indices.loc[factor, "ST"] == pytest.approx(ISHIGAMI_TOTAL_ORDER[factor], abs=0.04)
        assert 0 < indices.loc[factor, "ST_conf"] < 0.1  # intervals come with the indices
    report = write_report(lab / "sobol").read_text()
    assert "## Sensitivity" in report and "first order S1" in report
    assert (lab / "sobol" / "report" / "sensitivity.png").exists()


def test_morris_screens_x3_as_acting_through_interaction(lab):
    sweep = _sweep(lab, "morris", 64)
    indices = sensitivity_indices(sweep.experiment, sweep.runs, ["y"]).set_index("factor")
    # x3 has no effect alone (S1 = 0) but a large one with x1: its σ rivals its μ*
    assert abs(indices.loc["x3", "mu"]) < 0.5 * indices.loc["x3", "mu_star"]
    assert indices.loc["x3", "sigma"] > indices.loc["x3", "mu_star"]
    assert indices.loc["x1", "mu_star"] > indices.loc["x3", "mu_star"] * 0.5
